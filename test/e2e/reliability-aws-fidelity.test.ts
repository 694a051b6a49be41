/**
 * Reliability: what AWS does that a Catch cannot see. Step Functions truncates a Wait's timestamp to whole seconds,
 * and ends executions on errors no Catch handles (a States.Runtime error, the 25,000-event history quota, a
 * timeout), reporting them only with a `Step Functions Execution Status Change` event on the account's default bus.
 * Whole seconds hold on every engine; the failed-execution cases fail a schedule's own execution, which only the
 * per-schedule engine has (`perScheduleExecutions`).
 */
import { createScheduler, ENGINES } from './engines';
import { LocalScheduler } from '../../local/src';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

let local: LocalScheduler | undefined;
afterEach(async () => {
  await local?.close();
  local = undefined;
});

describe.each(ENGINES)('on the $name engine', (engine) => {
  describe('whole seconds', () => {
    test('GIVEN a Start received at a fractional millisecond WHEN it ticks THEN every scheduledAt is a whole second and no tick is emitted before it', async () => {
      local = await createScheduler(engine, { now: new Date('2026-05-04T08:00:00.437Z') });
      await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'every', every: '5s', limit: 4 } });
      await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'once', duration: '3s' } });
      await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'at', at: '2026-05-04T08:00:07.001Z' } });
      await local.advanceBy(MINUTE);

      const ticks = local.events().filter((event) => event.detailType === 'Schedule Tick');
      expect(ticks.map((tick) => [tick.detail.id, tick.detail.scheduledAt])).toEqual([
        ['once', '2026-05-04T08:00:04.000Z'],
        ['every', '2026-05-04T08:00:06.000Z'],
        ['at', '2026-05-04T08:00:08.000Z'],
        ['every', '2026-05-04T08:00:11.000Z'],
        ['every', '2026-05-04T08:00:16.000Z'],
        ['every', '2026-05-04T08:00:21.000Z'],
      ]);
      for (const tick of ticks) {
        expect(Date.parse(tick.detail.scheduledAt) % SECOND).toBe(0);
        expect(tick.time.getTime()).toBeGreaterThanOrEqual(Date.parse(tick.detail.scheduledAt));
      }
    });
  });

  if (engine.perScheduleExecutions) {
    describe('executions that fail where no Catch can see it', () => {
      const runningExecution = () => local!.executions().find((e) => e.status === 'RUNNING')!;
      const machine = () => local!.stepFunctions.all()[0];

      test.each([
        ['the default bus', undefined],
        ['a custom bus (status changes still arrive on the default bus)', 'orders-bus'],
      ])('GIVEN a running schedule on %s WHEN its execution fails with a States.Runtime error THEN the item is FAILED and Schedule Failed is emitted once', async (_name, eventBusName) => {
        local = await createScheduler(engine, { now: new Date('2026-05-04T08:00:00Z'), eventBusName });
        await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'doomed', every: '1m' } });
        await local.advanceBy(2 * MINUTE + 30 * SECOND);
        const execution = runningExecution();

        expect(machine().failExecution(execution.executionArn, 'States.Runtime', 'The JSONPath could not be found in the input')).toBe(true);
        await local.advanceBy(10 * MINUTE);

        const item = await local.item('doomed');
        expect(item).toMatchObject({ status: 'FAILED', reason: 'States.Runtime', failedExecutionArn: execution.executionArn, failureReported: true });
        expect(item!.nextAt).toBeUndefined();
        expect(local.eventsOfType('Schedule Failed', 'doomed')).toEqual([{
          id: 'doomed',
          runId: item!.runId,
          error: 'States.Runtime',
          failure: { Error: 'States.Runtime', Cause: 'The JSONPath could not be found in the input' },
          status: 'FAILED',
          executionArn: execution.executionArn,
        }]);
        const statusChanges = local.events().filter((e) => e.detailType === 'Step Functions Execution Status Change');
        expect(statusChanges.map((e) => [e.source, e.detail.status, e.detail.executionArn])).toEqual([['aws.states', 'FAILED', execution.executionArn]]);
        expect(local.bus.events().find((e) => e.detailType === 'Step Functions Execution Status Change')!.eventBusName).toBe('default');
        expect(local.ticks('doomed')).toHaveLength(2);
        expect(local.deadLetters()).toEqual([]);
      });

      test('GIVEN a failure already reported WHEN the status-change event is delivered again THEN nothing changes and nothing is emitted twice', async () => {
        local = await createScheduler(engine, { now: new Date('2026-05-04T08:00:00Z') });
        await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'twice', every: '1m' } });
        await local.advanceBy(90 * SECOND);
        machine().failExecution(runningExecution().executionArn);
        await local.advanceBy(MINUTE);
        const [statusChange] = local.bus.events().filter((e) => e.detailType === 'Step Functions Execution Status Change');

        local.bus.putEvents({
          Entries: [{
            Source: statusChange.source,
            DetailType: statusChange.detailType,
            Detail: JSON.stringify(statusChange.detail),
            Resources: statusChange.resources,
            Id: statusChange.id,
            EventBusName: 'default',
          }],
        });
        await local.advanceBy(MINUTE);
        expect(local.eventsOfType('Schedule Failed', 'twice')).toHaveLength(1);
      });

      test('GIVEN a run that was replaced WHEN the old execution\'s failure arrives THEN the new run is untouched and no Schedule Failed is emitted', async () => {
        local = await createScheduler(engine, { now: new Date('2026-05-04T08:00:00Z') });
        await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'swap', every: '1m' } });
        await local.advanceBy(90 * SECOND);
        const old = runningExecution();
        // The failure of the old execution arrives after a new Start replaced its run (EventBridge may deliver late).
        const staleDetail = {
          executionArn: old.executionArn,
          stateMachineArn: old.stateMachineArn,
          name: old.name,
          status: 'FAILED',
          input: old.input,
          error: 'States.Runtime',
          cause: 'late',
        };
        await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'swap', every: '1m' } });
        await local.advanceBy(MINUTE);
        await local.put({ source: 'aws.states', detailType: 'Step Functions Execution Status Change', detail: staleDetail, eventBusName: 'default' });
        await local.advanceBy(MINUTE);

        expect(await local.item('swap')).toMatchObject({ status: 'RUNNING' });
        expect(local.eventsOfType('Schedule Failed', 'swap')).toEqual([]);
      });

      test('GIVEN the state machine\'s own failure path reported a failure THEN its FAILED status change adds no second Schedule Failed', async () => {
        local = await createScheduler(engine, { now: new Date('2026-05-04T08:00:00Z') });
        await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'caught', every: '1m' } });
        await local.advanceBy(90 * SECOND);
        local.bus.injectFault('InternalFailure', 12, 'Schedule Tick'); // 1 attempt + 8 retries + 3 States.TaskFailed retries
        await local.advanceBy(30 * MINUTE);

        expect(local.executions().map((e) => [e.status, e.error])).toEqual([['FAILED', 'ScheduleFailed']]);
        expect(local.events().filter((e) => e.detailType === 'Step Functions Execution Status Change')).toHaveLength(1);
        expect(local.eventsOfType('Schedule Failed', 'caught')).toEqual([expect.objectContaining({ error: 'EventBridge.FailedEntry' })]);
        expect(await local.item('caught')).toMatchObject({ status: 'FAILED', reason: 'EventBridge.FailedEntry' });
      });
    });
  }
});
