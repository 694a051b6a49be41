/**
 * End-to-end scenarios: the synthesized scheduler, its real handler bundles, dynalite and the
 * synthesized rules, run by the local runtime under a virtual clock.
 */
import { allItems, createScheduler, ENGINES } from './engines';
import { statusAt } from '../../lambda/domain/run-status';
import { LocalScheduler } from '../../local/src';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let local: LocalScheduler;
afterEach(async () => {
  await local?.close();
});

const start = (detail: Record<string, unknown>) => local.put({ source: 'my.app', detailType: 'Schedule Start', detail });
const stop = (id: string) => local.put({ source: 'my.app', detailType: 'Schedule Stop', detail: { id } });
/** When each tick of a schedule was put on the bus, in virtual time. */
const tickTimes = (id: string) => local.events()
  .filter((e) => e.detailType === 'Schedule Tick' && e.detail.id === id)
  .map((e) => e.time.toISOString());

describe.each(ENGINES)('on the $name engine', (engine) => {
  async function startAt(now: string): Promise<LocalScheduler> {
    local = await createScheduler(engine, { now: new Date(now) });
    return local;
  }

  test('a cron every 15 minutes with limit 3 ticks at :00, :15 and :30, then completes', async () => {
    await startAt('2026-05-04T11:52:10Z');

    await start({ id: 'report', cron: '*/15 * * * *', limit: 3 });
    await local.advanceBy(2 * HOUR);

    expect(tickTimes('report')).toEqual(['2026-05-04T12:00:00.000Z', '2026-05-04T12:15:00.000Z', '2026-05-04T12:30:00.000Z']);
    const ticks = local.ticks('report');
    expect(ticks.map((t) => [t.sequence, t.scheduledAt, t.remaining, t.last])).toEqual([
      [1, '2026-05-04T12:00:00.000Z', 2, false],
      [2, '2026-05-04T12:15:00.000Z', 1, false],
      [3, '2026-05-04T12:30:00.000Z', 0, true],
    ]);
    expect(local.eventsOfType('Schedule Completed', 'report')).toEqual([
      { id: 'report', runId: ticks[0].runId, ticks: 3, reason: 'limit' },
    ]);
    expect(await local.item('report')).toMatchObject({ status: 'COMPLETED', runId: ticks[0].runId });
    if (engine.perScheduleExecutions) {
      expect(await local.item('report')).toMatchObject({ ticks: 3, reason: 'limit' });
      expect(local.executions().map((e) => e.status)).toEqual(['SUCCEEDED']);
    }
  });

  test('with Started and Completed turned off, a limited cron ticks and completes without either event', async () => {
    local = await createScheduler(engine, { now: new Date('2026-05-04T11:52:10Z'), props: { emitStartedAndCompleted: false } });

    await start({ id: 'quiet', cron: '*/15 * * * *', limit: 2 });
    await local.advanceBy(HOUR);

    expect(tickTimes('quiet')).toEqual(['2026-05-04T12:00:00.000Z', '2026-05-04T12:15:00.000Z']);
    expect(local.ticks('quiet').map((t) => [t.sequence, t.remaining, t.last])).toEqual([[1, 1, false], [2, 0, true]]);
    expect(local.events().filter((e) => e.detailType === 'Schedule Started' || e.detailType === 'Schedule Completed')).toEqual([]);
    expect(await local.item('quiet')).toMatchObject({ status: 'COMPLETED' });
    if (engine.perScheduleExecutions) {
      expect(await local.item('quiet')).toMatchObject({ ticks: 2, reason: 'limit' });
      expect(local.executions().map((e) => e.status)).toEqual(['SUCCEEDED']);
    }
  });

  test('a duration of 90 minutes ticks once, 90 minutes after the start, then completes', async () => {
    await startAt('2026-05-04T08:00:00Z');

    await start({ id: 'reminder', duration: '90m', payload: { user: 7 } });
    await local.advanceBy(DAY);

    expect(tickTimes('reminder')).toEqual(['2026-05-04T09:30:00.000Z']);
    expect(local.ticks('reminder')[0]).toMatchObject({ sequence: 1, last: true, payload: { user: 7 }, scheduledAt: '2026-05-04T09:30:00.000Z' });
    expect(local.ticks('reminder')[0].remaining).toBeUndefined();
    expect(local.eventsOfType('Schedule Completed', 'reminder')).toEqual([expect.objectContaining({ ticks: 1, reason: 'once' })]);
    // Completed on both engines; the sharded engine derives a one-shot's completion from its item's `completesAt`
    // instead of writing it (lambda/domain/run-status.ts; README, "Troubleshooting").
    const item = await local.item('reminder');
    expect(statusAt(item as { status?: string }, local.now())).toBe('COMPLETED');
    if (engine.perScheduleExecutions) expect(item).toMatchObject({ status: 'COMPLETED', reason: 'once' });
    else expect(item).toMatchObject({ status: 'RUNNING', completesAt: '2026-05-04T09:30:00.000Z' });
  });

  test('after a one-shot\'s tick, a Stop has nothing to stop and a new Start replaces no run', async () => {
    await startAt('2026-05-04T08:00:00Z');

    await start({ id: 'once', duration: '10m' });
    await local.advanceBy(15 * MINUTE);
    await stop('once');
    await local.advanceBy(MINUTE);
    expect(local.eventsOfType('Schedule Stopped', 'once')).toEqual([]);
    expect(statusAt((await local.item('once')) as { status?: string }, local.now())).toBe('COMPLETED');
    await start({ id: 'once', duration: '10m' });
    await local.advanceBy(15 * MINUTE);

    const [first, second] = local.eventsOfType('Schedule Started', 'once');
    expect(second.runId).not.toBe(first.runId);
    expect(second.replacedRunId).toBeUndefined();
    expect(local.ticks('once').map((t) => [t.runId, t.scheduledAt])).toEqual([
      [first.runId, '2026-05-04T08:10:00.000Z'], [second.runId, '2026-05-04T08:26:00.000Z'],
    ]);
    expect(local.eventsOfType('Schedule Completed', 'once').map((d) => d.runId)).toEqual([first.runId, second.runId]);
  });

  test('a Stop before a one-shot\'s tick stops it: no tick, Schedule Stopped with no ticks', async () => {
    await startAt('2026-05-04T08:00:00Z');

    await start({ id: 'once', duration: '10m' });
    await local.advanceBy(5 * MINUTE);
    await stop('once');
    await local.advanceBy(HOUR);

    expect(local.ticks('once')).toEqual([]);
    expect(local.eventsOfType('Schedule Stopped', 'once')).toEqual([expect.objectContaining({ ticks: 0 })]);
    expect(local.eventsOfType('Schedule Completed', 'once')).toEqual([]);
    expect(statusAt((await local.item('once')) as { status?: string }, local.now())).toBe('STOPPED');
  });

  test('an interval with a payload stopped after two ticks never ticks again', async () => {
    await startAt('2026-05-04T08:00:00Z');
    const payload = { queue: 'orders', nested: { list: [1, 'two', null], unicode: 'ciao ☀' } };

    await start({ id: 'poll', every: '10m', payload });
    await local.advanceBy(25 * MINUTE);
    await stop('poll');
    await local.advanceBy(DAY);

    expect(tickTimes('poll')).toEqual(['2026-05-04T08:10:00.000Z', '2026-05-04T08:20:00.000Z']);
    expect(local.ticks('poll').every((t) => JSON.stringify(t.payload) === JSON.stringify(payload))).toBe(true);
    expect(local.eventsOfType('Schedule Stopped', 'poll')).toEqual([{ id: 'poll', runId: local.ticks('poll')[0].runId, ticks: 2 }]);
    expect(await local.item('poll')).toMatchObject({ status: 'STOPPED' });
    if (engine.perScheduleExecutions) expect(local.executions().map((e) => e.status)).toEqual(['ABORTED']);
  });

  // Seven months of virtual time: see EngineUnderTest.longRunsInJest (the DST rules themselves are the shared
  // domain's, tested in test/lambda/domain/cron).
  if (engine.longRunsInJest) {
    test('a cron in Europe/Rome ticks at 09:00 local time across the spring and autumn daylight-saving changes', async () => {
      await startAt('2026-03-27T12:00:00Z');

      await start({ id: 'rome-spring', cron: '0 9 * * *', timezone: 'Europe/Rome', limit: 3 });
      await start({ id: 'rome-autumn', cron: '0 9 * * *', timezone: 'Europe/Rome', startAt: '2026-10-24T00:00:00+02:00', limit: 3 });
      await local.advanceTo(new Date('2026-10-28T00:00:00Z'));

      // CET is UTC+1, CEST is UTC+2: 09:00 in Rome moves from 08:00Z to 07:00Z on 29 March, and back on 25 October.
      expect(tickTimes('rome-spring')).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
      expect(tickTimes('rome-autumn')).toEqual(['2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z']);
    });
  }

  test('an invalid start is rejected with a clear error; no execution starts and nothing is written', async () => {
    await startAt('2026-05-04T08:00:00Z');

    await start({ id: 'x', duration: '5' });
    await local.advanceBy(HOUR);

    expect(local.eventsOfType('Schedule Rejected')).toEqual([{
      id: 'x',
      command: 'Schedule Start',
      eventId: expect.any(String),
      errors: [{ field: 'duration', message: expect.stringContaining('"5" has no unit'), value: '5' }],
      errorCount: 1,
      errorsOmitted: 0,
      received: { id: 'x', duration: '5' },
    }]);
    expect(local.ticks()).toEqual([]);
    expect(await local.item('x')).toBeUndefined();
    expect(await allItems(local)).toEqual([]);
    // The per-schedule engine writes nothing at all; the sharded engine's keeper keeps its shards' state items.
    if (engine.perScheduleExecutions) expect(local.stats().dynamoWrites).toBe(0);
    if (engine.perScheduleExecutions) expect(local.executions()).toEqual([]);
  });

  test('a restart of a running id with a new cron replaces the run: the old run stops, the new one ticks with a new runId', async () => {
    await startAt('2026-05-04T08:00:00Z');

    await start({ id: 'job', cron: '*/10 * * * *' });
    await local.advanceBy(25 * MINUTE); // ticks at 08:10 and 08:20
    await start({ id: 'job', cron: '7 * * * *' });
    await local.advanceBy(3 * HOUR);

    const [first, second] = local.eventsOfType('Schedule Started', 'job');
    expect(second.runId).not.toBe(first.runId);
    expect(second.replacedRunId).toBe(first.runId);
    const ticks = local.ticks('job');
    expect(ticks.filter((t) => t.runId === first.runId).map((t) => t.scheduledAt)).toEqual(['2026-05-04T08:10:00.000Z', '2026-05-04T08:20:00.000Z']);
    expect(ticks.filter((t) => t.runId === second.runId).map((t) => [t.sequence, t.scheduledAt])).toEqual([
      [1, '2026-05-04T09:07:00.000Z'], [2, '2026-05-04T10:07:00.000Z'], [3, '2026-05-04T11:07:00.000Z'],
    ]);
    expect(await local.item('job')).toMatchObject({ status: 'RUNNING', runId: second.runId });
    if (engine.perScheduleExecutions) {
      expect(local.executions().map((e) => e.status)).toEqual(['ABORTED', 'RUNNING']);
      expect(await local.item('job')).toMatchObject({ executionArn: local.executions()[1].executionArn });
    }
  });

  test('a 2,000-tick schedule emits exactly 2,000 ticks in order, on time, within its engine\'s Lambda and history budgets', async () => {
    await startAt('2026-05-04T08:00:00Z');

    await start({ id: 'many', every: '1m', limit: 2000 });
    await local.advanceBy(2001 * MINUTE);

    const ticks = local.ticks('many');
    expect(ticks).toHaveLength(2000);
    expect(ticks.map((t) => t.sequence)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(ticks.every((t, i) => t.scheduledAt === new Date(Date.parse('2026-05-04T08:01:00Z') + i * MINUTE).toISOString())).toBe(true);
    expect(ticks[1999].last).toBe(true);
    expect(local.eventsOfType('Schedule Completed', 'many')).toEqual([expect.objectContaining({ ticks: 2000, reason: 'limit' })]);
    expect(local.events().filter((e) => e.detailType === 'Schedule Tick').every((e) => e.time.toISOString() === e.detail.scheduledAt)).toBe(true);
    const stats = local.stats();
    if (engine.maxLambdaInvocationsPerTick !== undefined) expect(stats.lambdaInvocations / 2000).toBeLessThan(engine.maxLambdaInvocationsPerTick);
    // Every execution stays far below Step Functions' 25,000 history events, whatever the engine.
    expect(stats.maxHistoryEventsPerExecution).toBeLessThan(20_000);
    // 2,000 ticks cross the 1,800-tick hand-over: two executions.
    if (engine.perScheduleExecutions) expect(stats.executionsStarted).toBe(2);
    // 33 virtual hours: the sharded engine's keeper alone fires 2,000 times; about 70 s of wall time on 2 CPUs, so
    // the default 120 s leaves too little room on a loaded CI machine.
  }, 300_000);
});
