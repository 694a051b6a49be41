/**
 * Reliability: EventBridge delivers at least once. A Start redelivered with the same event id (once later, or ten
 * times at once) makes one run and one `Schedule Started` (and, on the per-schedule engine, one execution), and the
 * ticks are those of a single delivery.
 */
import { createScheduler, ENGINES } from './engines';
import { LocalScheduler } from '../../local/src';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const T0 = new Date('2026-05-04T08:00:00Z');

let local: LocalScheduler;
afterEach(async () => {
  await local?.close();
});

const startDetail = { id: 'dup', every: '1m', limit: 5, payload: { n: 1 } };
const deliverStart = (id: string) => local.put({ source: 'my.app', detailType: 'Schedule Start', detail: startDetail, id, time: T0 });

/** The ticks one delivery of `startDetail` produces: minutes 1 to 5 after T0. */
const expectedTicks = () => Array.from({ length: 5 }, (_, i) => ({
  sequence: i + 1,
  scheduledAt: new Date(T0.getTime() + (i + 1) * MINUTE).toISOString(),
  remaining: 4 - i,
  last: i === 4,
}));

describe.each(ENGINES)('on the $name engine', (engine) => {
  function expectOneRun() {
    const ticks = local.ticks('dup');
    expect(ticks.map(({ sequence, scheduledAt, remaining, last }) => ({ sequence, scheduledAt, remaining, last }))).toEqual(expectedTicks());
    expect(new Set(ticks.map((t) => t.runId)).size).toBe(1);
    expect(local.eventsOfType('Schedule Started', 'dup')).toHaveLength(1);
    expect(local.eventsOfType('Schedule Completed', 'dup')).toEqual([expect.objectContaining({ ticks: 5, reason: 'limit' })]);
    if (engine.perScheduleExecutions) {
      expect(local.executions()).toHaveLength(1);
      expect(local.executions()[0].status).toBe('SUCCEEDED');
      expect(local.stats().executionsStarted).toBe(1);
    }
  }

  test('GIVEN a Start WHEN EventBridge redelivers it (same event id) a minute and a half later THEN there is one run and the ticks are unchanged', async () => {
    local = await createScheduler(engine, { now: T0 });

    await deliverStart('same');
    await local.advanceBy(90 * SECOND);
    await deliverStart('same');
    await local.advanceBy(10 * MINUTE);

    expectOneRun();
    expect(await local.item('dup')).toMatchObject({ status: 'COMPLETED' });
  });

  test('GIVEN a Start WHEN it is delivered twice back to back THEN there is one run', async () => {
    local = await createScheduler(engine, { now: T0 });

    await deliverStart('same');
    await deliverStart('same');
    await local.advanceBy(10 * MINUTE);

    expectOneRun();
  });

  test('GIVEN a Start WHEN ten copies with the same event id arrive concurrently THEN one run and one Schedule Started', async () => {
    local = await createScheduler(engine, { now: T0 });

    await Promise.all(Array.from({ length: 10 }, () => deliverStart('same')));
    const startFunction = local.functions.find((fn) => fn.name.includes('StartFunction'))!;
    expect(startFunction.invocations).toBe(10);
    await local.advanceBy(10 * MINUTE);

    expectOneRun();
    // Every copy was handled (none failed over to the dead-letter queue).
    expect(local.deadLetters()).toEqual([]);
  });

  test('GIVEN a schedule running past its engine\'s first hand-over WHEN its Start is redelivered THEN nothing restarts and the ticks go on once each', async () => {
    // Per-schedule: past the hand-over to a new execution after 1,800 ticks. Sharded: past its first 240-s window, so
    // the copy lands while a later plan's window runs (1-s ticks take the sharded engine longer in wall time).
    const before = engine.perScheduleExecutions ? 1_850 : 300;
    const limit = before + 150;
    local = await createScheduler(engine, { now: T0 });
    const detail = { id: 'long', every: '1s', limit };
    const put = () => local.put({ source: 'my.app', detailType: 'Schedule Start', detail, id: 'same-long', time: T0 });

    await put();
    await local.advanceBy(before * SECOND);
    if (engine.perScheduleExecutions) expect(local.executions().map((e) => e.status)).toEqual(['SUCCEEDED', 'RUNNING']);
    await put();
    await local.advanceBy(200 * SECOND);

    const ticks = local.ticks('long');
    expect(ticks.map((t) => t.sequence)).toEqual(Array.from({ length: limit }, (_, i) => i + 1));
    expect(ticks.every((t, i) => t.scheduledAt === new Date(T0.getTime() + (i + 1) * SECOND).toISOString())).toBe(true);
    expect(local.eventsOfType('Schedule Started', 'long')).toHaveLength(1);
    expect(await local.item('long')).toMatchObject({ status: 'COMPLETED' });
    if (engine.perScheduleExecutions) {
      expect(local.executions().map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(await local.item('long')).toMatchObject({ ticks: limit });
    }
  });
});
