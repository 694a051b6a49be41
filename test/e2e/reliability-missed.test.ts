/**
 * Reliability: occurrences missed while the engine's loop was delayed (here: the Lambda its state machine invokes
 * hung and timed out three times, then was retried with backoff) are skipped, not replayed in a burst;
 * `scheduledAt` always says which occurrence a tick is, and `sequence` counts the ticks actually emitted. On the
 * per-schedule engine that Lambda is the plan step after the first batch of 100 ticks, so the outage starts there.
 */
import { createScheduler, ENGINES, loopFunction } from './engines';
import { LocalScheduler } from '../../local/src';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const T0 = new Date('2026-05-04T08:00:00Z');
/** Occurrences older than this when a plan runs are skipped (lambda/machine-state.ts MISSED_TOLERANCE_MS). */
const TOLERANCE = 10 * SECOND;

let local: LocalScheduler;
afterEach(async () => {
  await local?.close();
});

describe.each(ENGINES)('on the $name engine', (engine) => {
  test('GIVEN a schedule every second WHEN its plan step is delayed for minutes THEN the missed occurrences are skipped, not fired in a burst', async () => {
    local = await createScheduler(engine, { now: T0 });
    const plan = loopFunction(local);
    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'fast', every: '1s' } });

    // The loop's next invocation hangs past the Lambda's timeout (30 s; the shard function's 60 s) three times in a row (Sandbox.Timedout,
    // retried by the state machine with backoff). Per-schedule: the plan step after the first batch, at T0 + 100 s.
    plan.injectFault({ delayMs: 90 * SECOND }, 3);
    await local.advanceBy(10 * MINUTE);

    expect(plan.errors).toBe(3);
    const tickEvents = local.events().filter((e) => e.detailType === 'Schedule Tick');
    const ticks = tickEvents.map((e) => ({ ...e.detail, emittedAt: e.time.getTime(), at: Date.parse(e.detail.scheduledAt) }));

    // Every tick is a real occurrence (on the one-second grid), in order, counted without holes.
    expect(ticks.map((t) => t.sequence)).toEqual(Array.from({ length: ticks.length }, (_, i) => i + 1));
    expect(ticks.every((t) => (t.at - T0.getTime()) % SECOND === 0)).toBe(true);
    expect(ticks.every((t, i) => i === 0 || t.at > ticks[i - 1].at)).toBe(true);

    // The outage: at least the three 30-second timeouts, during which nothing ticked.
    const gaps = ticks.slice(1).map((t, i) => ({ from: ticks[i].at, to: t.at, length: t.at - ticks[i].at }));
    const outage = gaps.reduce((a, b) => (b.length > a.length ? b : a));
    // Where the three hangs land is the engine's own: the per-schedule engine's plan step after the first batch; the
    // sharded engine's shard function also runs the keeper, whose invocations may take them without an outage.
    if (engine.perScheduleExecutions) {
      expect(outage.from).toBe(T0.getTime() + 100 * SECOND);
      expect(outage.length).toBeGreaterThanOrEqual(90 * SECOND - TOLERANCE);
    }

    // No tick was emitted more than the tolerance after its occurrence: the missed ones were skipped, not replayed.
    expect(Math.max(...ticks.map((t) => t.emittedAt - t.at))).toBeLessThanOrEqual(TOLERANCE);
    // No burst: at most the occurrences within the tolerance go out at the instant the schedule resumes.
    const perInstant = new Map<number, number>();
    for (const t of ticks) perInstant.set(t.emittedAt, (perInstant.get(t.emittedAt) ?? 0) + 1);
    expect(Math.max(...perInstant.values())).toBeLessThanOrEqual(TOLERANCE / SECOND + 1);
    // And after the outage, every occurrence fires on time again until the end.
    const resumedAt = ticks.find((t) => t.at > outage.from)!.emittedAt;
    const afterResume = ticks.filter((t) => t.emittedAt > resumedAt);
    expect(afterResume.length).toBeGreaterThan(300);
    expect(afterResume.every((t) => t.emittedAt === t.at)).toBe(true);
    expect(afterResume.map((t) => t.at - T0.getTime()).every((ms, i, all) => i === 0 || ms - all[i - 1] === SECOND)).toBe(true);
    // The item counts the ticks emitted, not the occurrences.
    const item = await local.item('fast');
    expect(item?.status).toBe('RUNNING');
    if (engine.perScheduleExecutions) expect(item?.ticks).toBeLessThanOrEqual(ticks.length);
  });

  test('GIVEN a cron every minute WHEN its plan step is throttled and times out for minutes THEN it resumes with the next occurrence, not the missed ones', async () => {
    local = await createScheduler(engine, { now: T0 });
    const plan = loopFunction(local);
    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'minutely', cron: '* * * * *', limit: 102 } });

    // The loop's next invocation fails seven times (per-schedule: the plan step after the first batch of 100 ticks, of
    // its nine attempts): each attempt hangs until the 30-second Lambda timeout, then the state machine backs off.
    plan.injectFault({ errorType: 'Lambda.TooManyRequestsException', delayMs: 60 * SECOND }, 7);
    await local.advanceBy(120 * MINUTE);

    expect(plan.errors).toBe(7);
    const tickEvents = local.events().filter((e) => e.detailType === 'Schedule Tick');
    const scheduled = tickEvents.map((e) => Date.parse(e.detail.scheduledAt));
    expect(tickEvents).toHaveLength(102);
    expect(tickEvents.every((e) => e.time.getTime() - Date.parse(e.detail.scheduledAt) <= TOLERANCE)).toBe(true);
    // Seven 30-second timeouts: three and a half minutes at least, so three minutes were skipped, in one gap
    // (per-schedule: after the first batch, minutes 101 to 103).
    const gaps = scheduled.slice(1).map((ms, i) => ms - scheduled[i]);
    // Where the faults land is the engine's own: the per-schedule engine's plan step runs between ticks, so its
    // outage skips minutes; a loop that emits what is due may ride the retries out within the tolerance.
    if (engine.perScheduleExecutions) {
      expect(gaps.filter((gap) => gap > MINUTE)).toEqual([expect.any(Number)]);
      expect(Math.max(...gaps)).toBeGreaterThanOrEqual(4 * MINUTE);
    }
    if (engine.perScheduleExecutions) expect(scheduled[100] - scheduled[99]).toBeGreaterThanOrEqual(4 * MINUTE);
    expect(scheduled.every((ms) => ms % MINUTE === 0)).toBe(true);
    expect(tickEvents.map((e) => e.detail.sequence)).toEqual(Array.from({ length: 102 }, (_, i) => i + 1));
    expect(local.eventsOfType('Schedule Completed', 'minutely')).toEqual([expect.objectContaining({ ticks: 102, reason: 'limit' })]);
  });
});
