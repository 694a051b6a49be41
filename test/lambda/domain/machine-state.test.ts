import { advanceCursor, computePlan, MISSED_TOLERANCE_MS } from '../../../lambda/domain/machine-state';
import { BATCH_SIZE, MachineState, ScheduleSpec } from '../../../src/contract';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const FAR = new Date('2027-01-01T00:00:00.000Z');
const every = (seconds: number, extra: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  kind: 'every', expression: `${seconds}s`, everyMs: seconds * 1000, anchor: new Date(NOW.getTime() + seconds * 1000).toISOString(), timezone: 'UTC', ...extra,
});
const start = { sequence: 0, after: NOW.toISOString(), executionTicks: 0 };
const run = (spec: ScheduleSpec) => ({ id: 'a', runId: 'r1', spec });

describe('computePlan', () => {
  test('a batch holds at most BATCH_SIZE ticks, numbered from the cursor', () => {
    const plan = computePlan(run(every(60)), start, NOW, FAR);
    expect(plan.action).toBe('emit');
    expect(plan.ticks).toHaveLength(BATCH_SIZE);
    expect(plan.ticks![0]).toEqual({ sequence: 1, scheduledAt: '2026-01-01T00:01:00.000Z', last: false });
    expect(plan.ticks![BATCH_SIZE - 1].sequence).toBe(BATCH_SIZE);
  });

  test('a limit shortens the batch, counts remaining and marks the last tick', () => {
    const plan = computePlan(run(every(60, { limit: 3 })), start, NOW, FAR);
    expect(plan.ticks).toEqual([
      { sequence: 1, scheduledAt: '2026-01-01T00:01:00.000Z', remaining: 2, last: false },
      { sequence: 2, scheduledAt: '2026-01-01T00:02:00.000Z', remaining: 1, last: false },
      { sequence: 3, scheduledAt: '2026-01-01T00:03:00.000Z', remaining: 0, last: true },
    ]);
  });

  test('a reached limit completes with reason "limit"', () => {
    const plan = computePlan(run(every(60, { limit: 3 })), { ...start, sequence: 3 }, NOW, FAR);
    expect(plan).toEqual({ action: 'complete', completed: { id: 'a', runId: 'r1', ticks: 3, reason: 'limit' } });
  });

  test('endAt marks the last tick and then completes with reason "end"', () => {
    const spec = every(60, { endAt: '2026-01-01T00:02:30.000Z' });
    const plan = computePlan(run(spec), start, NOW, FAR);
    expect(plan.ticks!.map((t) => t.last)).toEqual([false, true]);
    const after = advanceCursor({ ...baseState(spec), plan } as MachineState);
    expect(computePlan(run(spec), after, new Date('2026-01-01T00:02:01Z'), FAR).completed?.reason).toBe('end');
  });

  test('a one-shot emits one last tick, then completes with reason "once"', () => {
    const spec: ScheduleSpec = { kind: 'duration', expression: '90m', anchor: '2026-01-01T01:30:00.000Z', timezone: 'UTC' };
    const plan = computePlan(run(spec), start, NOW, FAR);
    expect(plan.ticks).toEqual([{ sequence: 1, scheduledAt: '2026-01-01T01:30:00.000Z', last: true }]);
    const after = advanceCursor({ ...baseState(spec), plan } as MachineState);
    expect(computePlan(run(spec), after, new Date('2026-01-01T01:30:00Z'), FAR).completed).toEqual({ id: 'a', runId: 'r1', ticks: 1, reason: 'once' });
  });

  test('nothing before the deadline: sleep until the deadline', () => {
    const spec: ScheduleSpec = { kind: 'duration', expression: '400d', anchor: '2027-02-05T00:00:00.000Z', timezone: 'UTC' };
    const deadline = new Date('2026-10-28T00:00:00.000Z');
    expect(computePlan(run(spec), start, NOW, deadline)).toEqual({ action: 'sleep', wakeAt: deadline.toISOString() });
  });

  test('a batch stops at the deadline', () => {
    const deadline = new Date('2026-01-01T00:05:00.000Z');
    const plan = computePlan(run(every(60)), start, NOW, deadline);
    expect(plan.ticks!.map((t) => t.scheduledAt)).toEqual([1, 2, 3, 4, 5].map((m) => `2026-01-01T00:0${m}:00.000Z`));
    expect(plan.ticks![4].last).toBe(false);
  });

  test('occurrences missed by more than the tolerance are skipped, not replayed', () => {
    const late = new Date(NOW.getTime() + 3600_000);
    const plan = computePlan(run(every(60)), start, late, FAR);
    const first = Date.parse(plan.ticks![0].scheduledAt);
    expect(first).toBeGreaterThanOrEqual(late.getTime() - MISSED_TOLERANCE_MS);
    expect(plan.ticks![0].sequence).toBe(1);
  });
});

describe('advanceCursor', () => {
  test('moves past the emitted batch and counts the execution\'s ticks', () => {
    const plan = computePlan(run(every(60)), start, NOW, FAR);
    const cursor = advanceCursor({ ...baseState(every(60)), plan } as MachineState);
    expect(cursor).toEqual({ sequence: BATCH_SIZE, after: plan.ticks![BATCH_SIZE - 1].scheduledAt, executionTicks: BATCH_SIZE });
  });

  test('leaves the cursor alone after a sleep', () => {
    const state = { ...baseState(every(60)), plan: { action: 'sleep', wakeAt: FAR.toISOString() } } as MachineState;
    expect(advanceCursor(state)).toBe(state.cursor);
  });
});

function baseState(spec: ScheduleSpec): Omit<MachineState, 'plan'> {
  return { id: 'a', runId: 'r1', generation: 0, spec, common: { id: 'a', runId: 'r1' }, cursor: start };
}
