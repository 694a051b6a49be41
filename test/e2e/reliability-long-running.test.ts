/**
 * Reliability: long-running schedules. 100,000 ticks in order across many executions, each execution far below
 * Step Functions' 25,000 history events; a 400-day one-shot (beyond an execution's one-year limit) on time; a
 * leap-day cron that first fires two years later.
 */
import { LocalScheduler } from '../../local/src';

const SECOND = 1_000;
const DAY = 24 * 3600 * SECOND;

let local: LocalScheduler;
afterEach(async () => {
  await local?.close();
});

const start = (detail: Record<string, unknown>) => local.put({ source: 'my.app', detailType: 'Schedule Start', detail });

test('GIVEN every: 1s with limit 100,000 THEN every tick fires once, in order, on time, across executions that stay under 20,000 history events', async () => {
  const T0 = new Date('2026-05-04T00:00:00Z');
  local = await LocalScheduler.create({ now: T0 });
  const began = performance.now();

  await start({ id: 'marathon', every: '1s', limit: 100_000 });
  // In slices, so a failure says roughly where.
  for (let done = 0; done < 100_000; done += 10_000) {
    await local.advanceBy(10_000 * SECOND);
    expect(local.ticks('marathon').length).toBe(done + 10_000);
  }
  await local.advanceBy(60 * SECOND);

  const ticks = local.ticks('marathon');
  expect(ticks).toHaveLength(100_000);
  const outOfPlace = ticks.findIndex((t, i) => t.sequence !== i + 1
    || t.scheduledAt !== new Date(T0.getTime() + (i + 1) * SECOND).toISOString()
    || t.remaining !== 100_000 - (i + 1)
    || t.last !== (i === 99_999));
  expect(outOfPlace).toBe(-1);
  // Each tick was put on the bus at its scheduled second.
  const tickEvents = local.events().filter((e) => e.detailType === 'Schedule Tick');
  expect(tickEvents.findIndex((e) => e.time.toISOString() !== e.detail.scheduledAt)).toBe(-1);
  expect(local.eventsOfType('Schedule Completed', 'marathon')).toEqual([expect.objectContaining({ ticks: 100_000, reason: 'limit' })]);
  expect(local.eventsOfType('Schedule Started', 'marathon')).toHaveLength(1);

  const stats = local.stats();
  const executions = local.executions();
  // 1,800 ticks per execution: ceil(100,000 / 1,800) = 56 executions, all succeeded, none left running.
  expect(stats.executionsStarted).toBe(56);
  expect(executions.every((e) => e.status === 'SUCCEEDED')).toBe(true);
  expect(stats.maxHistoryEventsPerExecution).toBeLessThanOrEqual(20_000);
  expect(await local.item('marathon')).toMatchObject({ status: 'COMPLETED', ticks: 100_000, generation: 55 });
  console.log(`100,000 ticks: ${Math.round(performance.now() - began)} ms wall time, ${stats.executionsStarted} executions, `
    + `max ${stats.maxHistoryEventsPerExecution} history events per execution, ${stats.stateTransitions} state transitions, `
    + `${stats.lambdaInvocations} Lambda invocations, ${stats.dynamoWrites} DynamoDB writes`);
}, 600_000);

test('GIVEN duration: 400d THEN it fires once, on time, after hand-overs that keep each execution under a year', async () => {
  const T0 = new Date('2026-01-10T12:00:00Z');
  local = await LocalScheduler.create({ now: T0 });

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
  expect(executions.length).toBeGreaterThanOrEqual(2);
  expect(executions.every((e) => e.status === 'SUCCEEDED')).toBe(true);
  // No execution lived a year (Step Functions ends Standard executions after one).
  expect(Math.max(...executions.map((e) => e.stopDate!.getTime() - e.startDate.getTime()))).toBeLessThan(365 * DAY);
});

test('GIVEN cron 0 0 29 2 * from 2026 THEN the first tick is on the leap day 2028-02-29', async () => {
  local = await LocalScheduler.create({ now: new Date('2026-03-01T00:00:00Z') });

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
  expect(local.executions().every((e) => e.status === 'SUCCEEDED')).toBe(true);
});
