/**
 * Reliability: long-running schedules. 10,000 ticks (3,000 on the sharded engine) in order, on time, with every
 * execution far below Step Functions' 25,000 history events; a 400-day one-shot (beyond an execution's one-year limit) on time;
 * a leap-day cron that first fires two years later (the per-schedule engine: see `longRunsInJest` in engines.ts).
 *
 * The 100,000-tick marathon that used to be here took 105 s of the 177 s of test/e2e on 2 cores; run for two
 * engines it alone would add minutes to `.ci/run`. It now runs in the full benchmark (`npm run bench`, workload
 * "marathon", with the same checks: order, on time, history per execution), and this suite keeps a 10,000-tick
 * version, which still crosses five per-schedule hand-overs.
 */
import { createScheduler, ENGINES } from './engines';
import { LocalScheduler } from '../../local/src';

const SECOND = 1_000;
const DAY = 24 * 3600 * SECOND;

let local: LocalScheduler;
afterEach(async () => {
  await local?.close();
});

const start = (detail: Record<string, unknown>) => local.put({ source: 'my.app', detailType: 'Schedule Start', detail });

// One-second ticks on every engine, as many as `longRunTicks` says: 10,000 on the per-schedule engine (five
// hand-overs), 3,000 on the sharded engine (13 windows of 240 s; every second is active there, a Wait, an Emit
// invocation and its DynamoDB calls, so 10,000 took two to six minutes of wall time in jest on 2 cores).
describe.each(ENGINES.map((e) => ({ ...e, ticks: e.longRunTicks ?? 3_000 })))('on the $name engine', (engine) => {
  test(`GIVEN every: 1s with limit ${engine.ticks.toLocaleString('en-US')} THEN every tick fires once, in order, on time, with every execution under 20,000 history events`, async () => {
    const T0 = new Date('2026-05-04T00:00:00Z');
    local = await createScheduler(engine, { now: T0 });
    const TICKS = engine.ticks;
    const SLICE = TICKS / 5;

    await start({ id: 'marathon', every: '1s', limit: TICKS });
    // In slices, so a failure says roughly where.
    for (let done = 0; done < TICKS; done += SLICE) {
      await local.advanceBy(SLICE * SECOND);
      expect(local.ticks('marathon').length).toBe(done + SLICE);
    }
    await local.advanceBy(60 * SECOND);

    const ticks = local.ticks('marathon');
    expect(ticks).toHaveLength(TICKS);
    const outOfPlace = ticks.findIndex((t, i) => t.sequence !== i + 1
      || t.scheduledAt !== new Date(T0.getTime() + (i + 1) * SECOND).toISOString()
      || t.remaining !== TICKS - (i + 1)
      || t.last !== (i === TICKS - 1));
    expect(outOfPlace).toBe(-1);
    // Each tick was put on the bus at its scheduled second.
    const tickEvents = local.events().filter((e) => e.detailType === 'Schedule Tick');
    expect(tickEvents.findIndex((e) => e.time.toISOString() !== e.detail.scheduledAt)).toBe(-1);
    expect(local.eventsOfType('Schedule Completed', 'marathon')).toEqual([expect.objectContaining({ ticks: TICKS, reason: 'limit' })]);
    expect(local.eventsOfType('Schedule Started', 'marathon')).toHaveLength(1);
    expect(await local.item('marathon')).toMatchObject({ status: 'COMPLETED' });

    const stats = local.stats();
    expect(stats.maxHistoryEventsPerExecution).toBeLessThanOrEqual(20_000);
    if (engine.perScheduleExecutions) {
      // 1,800 ticks per execution: ceil(10,000 / 1,800) = 6 executions, all succeeded, none left running.
      expect(stats.executionsStarted).toBe(6);
      expect(local.executions().every((e) => e.status === 'SUCCEEDED')).toBe(true);
      expect(await local.item('marathon')).toMatchObject({ ticks: TICKS, generation: 5 });
    }
  }, 300_000);
});

// Months and years of virtual time: the engines whose keeper does not fire every virtual minute (see `longRunsInJest`).
describe.each(ENGINES.filter((e) => e.longRunsInJest))('on the $name engine', (engine) => {
  test('GIVEN duration: 400d THEN it fires once, on time, after hand-overs that keep each execution under a year', async () => {
    const T0 = new Date('2026-01-10T12:00:00Z');
    local = await createScheduler(engine, { now: T0 });

    await start({ id: 'far', duration: '400d', payload: { note: 'renewal' } });
    await local.advanceBy(399 * DAY);
    expect(local.ticks('far')).toEqual([]);
    await local.advanceBy(2 * DAY);

    const due = new Date(T0.getTime() + 400 * DAY).toISOString();
    const tickEvents = local.events().filter((e) => e.detailType === 'Schedule Tick');
    expect(tickEvents.map((e) => [e.time.toISOString(), e.detail.scheduledAt, e.detail.sequence, e.detail.last, e.detail.payload])).toEqual([
      [due, due, 1, true, { note: 'renewal' }],
    ]);
    expect(local.eventsOfType('Schedule Completed', 'far')).toEqual([expect.objectContaining({ ticks: 1, reason: 'once' })]);
    const executions = local.executions();
    // No execution lived a year (Step Functions ends Standard executions after one), on any engine.
    const now = local.now().getTime();
    expect(Math.max(0, ...executions.map((e) => (e.stopDate?.getTime() ?? now) - e.startDate.getTime()))).toBeLessThan(365 * DAY);
    if (engine.perScheduleExecutions) {
      expect(executions.length).toBeGreaterThanOrEqual(2);
      expect(executions.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    }
  });

  test('GIVEN cron 0 0 29 2 * from 2026 THEN the first tick is on the leap day 2028-02-29', async () => {
    local = await createScheduler(engine, { now: new Date('2026-03-01T00:00:00Z') });

    await start({ id: 'leap', cron: '0 0 29 2 *', limit: 1 });
    expect(local.eventsOfType('Schedule Started', 'leap')).toEqual([expect.objectContaining({ nextAt: '2028-02-29T00:00:00.000Z' })]);
    await local.advanceTo(new Date('2028-02-28T23:59:59Z'));
    expect(local.ticks('leap')).toEqual([]);
    await local.advanceTo(new Date('2028-03-02T00:00:00Z'));

    const tickEvents = local.events().filter((e) => e.detailType === 'Schedule Tick');
    expect(tickEvents.map((e) => [e.time.toISOString(), e.detail.scheduledAt, e.detail.last])).toEqual([
      ['2028-02-29T00:00:00.000Z', '2028-02-29T00:00:00.000Z', true],
    ]);
    expect(local.eventsOfType('Schedule Completed', 'leap')).toEqual([expect.objectContaining({ ticks: 1, reason: 'limit' })]);
    if (engine.perScheduleExecutions) expect(local.executions().every((e) => e.status === 'SUCCEEDED')).toBe(true);
  });
});
