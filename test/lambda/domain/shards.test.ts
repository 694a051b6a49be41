import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { nextOccurrences } from '../../../lambda/domain/occurrences';
import { parseStartDetail } from '../../../lambda/domain/schedule-spec';
import {
  CHECKPOINT_MAX_AGE_MS, lateTicks, pagesOf, parseSupervisorName, planWindow, RosterEntry, shardOf, SlotEntry, sleepUntilOf, slotOf, supervisorName,
} from '../../../lambda/domain/shards';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();

/** A roster entry as the start handler writes it: the real validation's spec, counted from NOW. */
function entry(id: string, detail: Record<string, unknown>, extra: Partial<RosterEntry> = {}): RosterEntry {
  const parsed = parseStartDetail({ id, ...detail }, NOW);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return { id, runId: `run-${id}`, spec: parsed.spec, checkpoint: { sequence: 0, after: NOW.toISOString() }, ...extra };
}
const ticksOf = (slots: Map<number, SlotEntry[]>) => [...slots.values()].flat();

describe('shardOf', () => {
  test('is the first 4 bytes of sha256(id), big-endian, modulo the shard count', () => {
    const id = 'invoice:42';
    const expected = createHash('sha256').update(id).digest().readUInt32BE(0) % 7;
    expect(shardOf(id, 7)).toBe(expected);
  });

  test('is always a shard that exists, and the same for the same id', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 256 }), (id, shards) => {
      const shard = shardOf(id, shards);
      return Number.isInteger(shard) && shard >= 0 && shard < shards && shardOf(id, shards) === shard;
    }));
  });

  test('spreads 10,000 ids evenly over 4 shards (each within 10% of a quarter)', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) counts[shardOf(`schedule-${i}`, 4)]++;
    for (const count of counts) expect(Math.abs(count - 2_500)).toBeLessThan(250);
  });
});

describe('supervisor names', () => {
  test('are sh<n>-e<epoch>-g<generation>, and read back from a name or an execution ARN', () => {
    expect(supervisorName(3, 12, 0)).toBe('sh3-e12-g0');
    expect(parseSupervisorName('sh3-e12-g0')).toEqual({ shard: 3, epoch: 12, generation: 0 });
    expect(parseSupervisorName('arn:aws:states:eu-west-1:1:execution:Supervisor:sh3-e12-g4')).toEqual({ shard: 3, epoch: 12, generation: 4 });
    expect(parseSupervisorName('arn:aws:states:eu-west-1:1:execution:Other:abc')).toBeUndefined();
  });
});

test('a tick is emitted in the first whole second at or after it, never before', () => {
  expect(slotOf(Date.parse('2026-01-01T00:00:05.000Z'))).toBe(NOW_S + 5);
  expect(slotOf(Date.parse('2026-01-01T00:00:05.001Z'))).toBe(NOW_S + 6);
});

describe('planWindow', () => {
  test('covers [watermark + 1, + 240 s] and files each tick under its second, numbered from the checkpoint', () => {
    const plan = planWindow([entry('a', { every: '60s' })], NOW_S, NOW);
    expect([plan.from, plan.through]).toEqual([NOW_S + 1, NOW_S + 241]);
    expect([...plan.slots.keys()]).toEqual([NOW_S + 60, NOW_S + 120, NOW_S + 180, NOW_S + 240]);
    expect(plan.slots.get(NOW_S + 60)).toEqual([{ id: 'a', runId: 'run-a', sequence: 1, scheduledAt: iso(60), last: false }]);
    expect(ticksOf(plan.slots).map((t) => t.sequence)).toEqual([1, 2, 3, 4]);
    expect(plan.checkpoints).toEqual([]);
  });

  test('a window later in the run counts the ticks emitted since the checkpoint', () => {
    const plan = planWindow([entry('a', { every: '60s' })], NOW_S + 600, at(600));
    expect(ticksOf(plan.slots)[0]).toMatchObject({ sequence: 11, scheduledAt: iso(660) });
  });

  test('a limit counts down remaining, and the last tick says why the run completes', () => {
    const plan = planWindow([entry('a', { every: '30s', limit: 3 })], NOW_S, NOW);
    expect(ticksOf(plan.slots)).toEqual([
      { id: 'a', runId: 'run-a', sequence: 1, scheduledAt: iso(30), remaining: 2, last: false },
      { id: 'a', runId: 'run-a', sequence: 2, scheduledAt: iso(60), remaining: 1, last: false },
      { id: 'a', runId: 'run-a', sequence: 3, scheduledAt: iso(90), remaining: 0, last: true, reason: 'limit' },
    ]);
  });

  test('a one-shot is one last tick with reason "once", and carries its inline payload', () => {
    const plan = planWindow([entry('a', { duration: '90s' }, { payloadJson: '{"to":"x"}' })], NOW_S, NOW);
    expect(ticksOf(plan.slots)).toEqual([
      { id: 'a', runId: 'run-a', sequence: 1, scheduledAt: iso(90), last: true, reason: 'once', payloadJson: '{"to":"x"}' },
    ]);
  });

  test('a payload too large to travel inline is flagged, not copied', () => {
    const plan = planWindow([entry('a', { duration: '90s' }, { payloadInItem: true })], NOW_S, NOW);
    expect(ticksOf(plan.slots)[0]).toMatchObject({ payloadInItem: true });
    expect(ticksOf(plan.slots)[0].payloadJson).toBeUndefined();
  });

  test('occurrences more than 10 s late are skipped and use no sequence number: the checkpoint moves past them', () => {
    // The shard emitted through +60 s (tick 1 at +60), then was down until +300 s.
    const plan = planWindow([entry('a', { every: '60s' })], NOW_S + 60, at(300));
    expect(plan.from).toBe(NOW_S + 290);
    // +120, +180 and +240 are skipped; +300 is the next tick, numbered 2.
    expect(ticksOf(plan.slots)[0]).toMatchObject({ sequence: 2, scheduledAt: iso(300) });
    expect(plan.checkpoints).toEqual([{ id: 'a', runId: 'run-a', checkpoint: { sequence: 1, after: iso(289) } }]);
  });

  test('a skipped second whose send had begun (emitting) keeps its numbers: a later tick never reuses one', () => {
    // The shard emitted through +60 s; the send of +120 began (its ticks may have gone out), then it was down until +300 s.
    const plan = planWindow([entry('a', { every: '60s' })], NOW_S + 60, at(300), NOW_S + 120);
    // +120 counts as numbered (2); +180 and +240 are skipped; +300 is numbered 3.
    expect(ticksOf(plan.slots)[0]).toMatchObject({ sequence: 3, scheduledAt: iso(300) });
    expect(plan.checkpoints).toEqual([{ id: 'a', runId: 'run-a', checkpoint: { sequence: 2, after: iso(289) } }]);
  });

  test('a second whose send had begun and that the window covers again is re-sent with its own number', () => {
    // Restarted 5 s after the send of +120 began: the window starts 10 s back, at +115, and covers +120 again.
    const plan = planWindow([entry('a', { every: '60s' })], NOW_S + 60, at(125), NOW_S + 120);
    expect(plan.from).toBe(NOW_S + 115);
    expect(ticksOf(plan.slots)[0]).toMatchObject({ sequence: 2, scheduledAt: iso(120) });
  });

  test('a checkpoint older than an hour is moved up, to keep counting from it cheap, with the same numbering', () => {
    const hours = 2 * CHECKPOINT_MAX_AGE_MS / 1000;
    const plan = planWindow([entry('a', { cron: '* * * * *' })], NOW_S + hours, at(hours));
    expect(plan.checkpoints).toEqual([{ id: 'a', runId: 'run-a', checkpoint: { sequence: 120, after: iso(hours) } }]);
    expect(ticksOf(plan.slots)[0]).toMatchObject({ sequence: 121, scheduledAt: iso(hours + 60) });
  });

  test('a run whose limit is used up, or whose one occurrence was skipped, completes', () => {
    const used = entry('a', { every: '10s', limit: 2 }, { checkpoint: { sequence: 2, after: iso(20) } });
    const missed = entry('b', { duration: '30s' });
    const plan = planWindow([used, missed], NOW_S + 20, at(100));
    expect(plan.completed).toEqual([
      { id: 'a', runId: 'run-a', ticks: 2, reason: 'limit' },
      { id: 'b', runId: 'run-b', ticks: 0, reason: 'once' },
    ]);
    expect(plan.slots.size).toBe(0);
  });

  test('with nothing due in the window, it reports the next occurrence after it', () => {
    const plan = planWindow([entry('a', { every: '1h' }), entry('b', { every: '2h' })], NOW_S, NOW);
    expect(plan.slots.size).toBe(0);
    expect(plan.nextAfterMs).toBe(at(3600).getTime());
  });

  test('consecutive windows number every occurrence exactly once, in order, as the per-schedule engine does', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 400 }),
      fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      (everySeconds, limit) => {
        const schedule = entry('a', { every: `${everySeconds}s`, ...(limit !== undefined ? { limit } : {}) });
        const emitted: Array<[number, string]> = [];
        let watermark = NOW_S;
        for (let window = 0; window < 12; window++) {
          const plan = planWindow([schedule], watermark, new Date(watermark * 1000));
          emitted.push(...ticksOf(plan.slots).map((t): [number, string] => [t.sequence, t.scheduledAt]));
          if (plan.completed.length > 0 || ticksOf(plan.slots).some((t) => t.last)) break;
          watermark = plan.through;
        }
        const expected = nextOccurrences(schedule.spec, NOW, emitted.length).map((t, i): [number, string] => [i + 1, t.toISOString()]);
        expect(emitted).toEqual(expected);
        if (limit !== undefined) expect(emitted.length).toBeLessThanOrEqual(limit);
      },
    ), { numRuns: 60 });
  });
});

test('pages keep each slot item under the size asked, in order', () => {
  const entries: SlotEntry[] = Array.from({ length: 50 }, (_, i) => ({ id: `id-${i}`, runId: 'r', sequence: 1, scheduledAt: iso(1), last: false, payloadJson: JSON.stringify('x'.repeat(400)) }));
  const pages = pagesOf(entries, 4_000);
  expect(pages.flat()).toEqual(entries);
  for (const page of pages) expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(4_000 + page.length);
  expect(pages.length).toBeGreaterThan(5);
});

test('a sleeping shard plans again a minute before its next occurrence, at most an hour away, in whole seconds', () => {
  expect(sleepUntilOf(at(600).getTime(), NOW, 60, 3600)).toBe(NOW_S + 540);
  expect(sleepUntilOf(at(86_400).getTime(), NOW, 60, 3600)).toBe(NOW_S + 3600);
  expect(sleepUntilOf(undefined, NOW, 60, 3600)).toBe(NOW_S + 3600);
  expect(sleepUntilOf(at(30).getTime(), NOW, 60, 3600)).toBe(NOW_S + 1);
});

describe('lateTicks', () => {
  const run = (detail: Record<string, unknown>) => {
    const e = entry('a', detail);
    return { run: { id: e.id, runId: e.runId, spec: e.spec }, cursor: { sequence: 0, after: NOW.toISOString(), executionTicks: 0 } };
  };

  test('are every tick of a new run up to the planned second, numbered from 1, with the last one marked', () => {
    const { run: r, cursor } = run({ every: '30s', limit: 5 });
    expect(lateTicks(r, cursor, NOW, NOW_S + 100).map((t) => [t.sequence, t.scheduledAt, t.remaining, t.last])).toEqual([
      [1, iso(30), 4, false], [2, iso(60), 3, false], [3, iso(90), 2, false],
    ]);
    expect(lateTicks(r, cursor, NOW, NOW_S + 600).map((t) => t.last)).toEqual([false, false, false, false, true]);
  });

  test('are none when the first tick is after the planned second', () => {
    const { run: r, cursor } = run({ duration: '5m' });
    expect(lateTicks(r, cursor, NOW, NOW_S + 240)).toEqual([]);
  });
});
