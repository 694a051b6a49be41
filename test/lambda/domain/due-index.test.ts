import * as fc from 'fast-check';
import { DueIndex, DueMember } from '../../../lambda/domain/due-index';
import { computePlan, MISSED_TOLERANCE_MS } from '../../../lambda/domain/machine-state';
import { parseStartDetail } from '../../../lambda/domain/schedule-spec';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

/** A member as the start handler would store it: the spec the real validation makes, counted from NOW. */
function member(id: string, detail: Record<string, unknown>, extra: Partial<DueMember> = {}): DueMember {
  const parsed = parseStartDetail({ id, ...detail }, NOW);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return { id, runId: `run-${id}`, spec: parsed.spec, hasPayload: false, cursor: { sequence: 0, after: NOW.toISOString() }, ...extra };
}

describe('DueIndex', () => {
  test('takes nothing before the first occurrence, then the tick due, numbered from the checkpoint', () => {
    const index = new DueIndex();
    index.upsert(member('a', { every: '60s' }), NOW);
    expect(index.nextDueAt()).toEqual(at(60));
    expect(index.take(at(59))).toEqual({ ticks: [], completed: [] });
    expect(index.take(at(60)).ticks).toEqual([{ common: { id: 'a', runId: 'run-a' }, tick: { sequence: 1, scheduledAt: at(60).toISOString(), last: false } }]);
    expect(index.nextDueAt()).toEqual(at(120));
  });

  test('carries the payload, including a null one, on every tick', () => {
    const index = new DueIndex();
    index.upsert(member('a', { every: '1s' }, { hasPayload: true, payload: null }), NOW);
    index.upsert(member('b', { every: '1s' }, { hasPayload: true, payload: { to: 'x' } }), NOW);
    const { ticks } = index.take(at(1));
    expect(ticks.map((t) => t.common)).toEqual([{ id: 'a', runId: 'run-a', payload: null }, { id: 'b', runId: 'run-b', payload: { to: 'x' } }]);
  });

  test('a limit counts down remaining, marks the last tick and completes the run with reason "limit"', () => {
    const index = new DueIndex();
    index.upsert(member('a', { every: '10s', limit: 2 }), NOW);
    expect(index.take(at(10)).ticks[0].tick).toEqual({ sequence: 1, scheduledAt: at(10).toISOString(), remaining: 1, last: false });
    const second = index.take(at(20));
    expect(second.ticks[0].tick).toEqual({ sequence: 2, scheduledAt: at(20).toISOString(), remaining: 0, last: true });
    expect(second.completed).toEqual([{ id: 'a', runId: 'run-a', ticks: 2, reason: 'limit' }]);
    expect(index.size).toBe(0);
    expect(index.nextDueAt()).toBeUndefined();
  });

  test('a one-shot fires once and completes with reason "once"', () => {
    const index = new DueIndex();
    index.upsert(member('a', { duration: '90s' }), NOW);
    const result = index.take(at(90));
    expect(result.ticks.map((t) => t.tick)).toEqual([{ sequence: 1, scheduledAt: at(90).toISOString(), last: true }]);
    expect(result.completed).toEqual([{ id: 'a', runId: 'run-a', ticks: 1, reason: 'once' }]);
  });

  test('a schedule removed (stopped) never ticks again', () => {
    const index = new DueIndex();
    index.upsert(member('a', { every: '1s' }), NOW);
    index.remove('a');
    expect(index.take(at(5))).toEqual({ ticks: [], completed: [] });
  });

  test('a restart replaces the run: the new run numbers its ticks from its own checkpoint', () => {
    const index = new DueIndex();
    index.upsert(member('a', { every: '1s' }), NOW);
    index.take(at(3));
    index.upsert({ ...member('a', { every: '1s' }), runId: 'run-2', cursor: { sequence: 0, after: at(3).toISOString() } }, at(3));
    expect(index.take(at(4)).ticks.map((t) => [t.common.runId, t.tick.sequence])).toEqual([['run-2', 1]]);
  });

  test('occurrences missed by more than the tolerance are skipped, not replayed', () => {
    const index = new DueIndex();
    index.upsert(member('a', { every: '1s' }), NOW);
    const late = at(60);
    const { ticks } = index.take(late);
    expect(ticks.length).toBe(MISSED_TOLERANCE_MS / 1000);
    expect(Date.parse(ticks[0].tick.scheduledAt)).toBeGreaterThan(late.getTime() - MISSED_TOLERANCE_MS);
    expect(ticks.map((t) => t.tick.sequence)).toEqual(ticks.map((_, i) => i + 1));
  });

  test('1,000 schedules due in the same second all come out of one take, ordered by id', () => {
    const index = new DueIndex();
    for (let i = 0; i < 1000; i++) index.upsert(member(`s${String(i).padStart(4, '0')}`, { cron: '* * * * *' }), NOW);
    const { ticks } = index.take(at(60));
    expect(ticks).toHaveLength(1000);
    expect(ticks.every((t) => t.tick.scheduledAt === at(60).toISOString() && t.tick.sequence === 1)).toBe(true);
    expect(ticks.map((t) => t.common.id)).toEqual([...ticks.map((t) => t.common.id)].sort());
    expect(index.nextDueAt()).toEqual(at(120));
  });

  test('property: taking at arbitrary instants yields exactly the per-schedule engine\'s ticks, in order', () => {
    fc.assert(fc.property(
      fc.constantFrom<Record<string, unknown>>({ every: '7s' }, { every: '1m', limit: 5 }, { cron: '*/2 * * * *' }, { duration: '45s' }, { every: '3s', endAt: at(50).toISOString() }),
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 40 }),
      (detail, steps) => {
        const index = new DueIndex();
        const m = member('a', detail);
        index.upsert(m, NOW);
        let t = 0;
        const taken: string[] = [];
        for (const step of steps) {
          t += step;
          taken.push(...index.take(at(t)).ticks.map((x) => `${x.tick.sequence}@${x.tick.scheduledAt}`));
        }
        // The per-schedule engine's plan of everything due by then, planned on time (steps stay under the tolerance).
        const plan = computePlan(m, { sequence: 0, after: NOW.toISOString(), executionTicks: 0 }, NOW, at(t));
        const expected = (plan.ticks ?? []).map((x) => `${x.sequence}@${x.scheduledAt}`);
        expect(taken).toEqual(expected);
      },
    ), { numRuns: 200, seed: 42 });
  });
});
