/**
 * Reliability: failures that outlast the retries. A Start or Stop that still fails after the SDK's and Lambda's
 * retries lands in the dead-letter queue with the original event; an execution that fails after its retries marks
 * the item FAILED and emits `Schedule Failed` with the reason.
 *
 * The dead-letter cases fail the StartExecution a Start makes and the StopExecution a Stop makes, and the failing
 * plan step ends the schedule's own execution: all three are the per-schedule engine's (`perScheduleExecutions`). A
 * schedule whose tick entries PutEvents refuses for good is marked FAILED on every engine, and on the sharded engine
 * it fails alone: the other schedules of its shard go on.
 */
import { createScheduler, ENGINES } from './engines';
import { LocalScheduler } from '../../local/src';
import { AwsError } from '../../local/src/aws-endpoint';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const T0 = new Date('2026-05-04T08:00:00Z');
/** 5 SDK attempts in each of Lambda's 3 attempts of an asynchronous invocation. */
const ATTEMPTS_BEFORE_DEAD_LETTER = 15;

let local: LocalScheduler;
afterEach(async () => {
  await local?.close();
});

const serviceDown = () => new AwsError('ServiceUnavailable', 'Service is unavailable', 503);
const planFunction = () => local.functions.find((fn) => fn.name.includes('PlanFunction'))!;

// The sharded engine's poisoned-schedule paths inside the loop (a roster entry that cannot be planned, a tick that
// cannot be built) are tested in test/lambda/handlers/shard.test.ts: the local runtime cannot corrupt an item.
describe.each(ENGINES)('on the $name engine', (engine) => {
  beforeEach(async () => {
    local = await createScheduler(engine, { now: T0 });
  });

  if (engine.perScheduleExecutions) {
    describe('dead-letter queue', () => {
      test('GIVEN StartExecution keeps failing WHEN a Start is retried by the SDK and by Lambda THEN the original event is dead-lettered and nothing ticks', async () => {
        local.endpoint.injectFault('sfn:StartExecution', serviceDown(), ATTEMPTS_BEFORE_DEAD_LETTER);
        const detail = { id: 'doomed', every: '1m', payload: { keep: 'me' } };
        const eventId = await local.put({ source: 'my.app', detailType: 'Schedule Start', detail });
        await local.advanceBy(5 * MINUTE); // Lambda retries after 1 and 2 more minutes

        const [dead] = local.deadLetters();
        expect(local.deadLetters()).toHaveLength(1);
        expect(dead).toMatchObject({ id: eventId, source: 'my.app', detailType: 'Schedule Start', detail });
        expect(dead.envelope).toMatchObject({ 'id': eventId, 'detail-type': 'Schedule Start', detail });
        expect(local.bus.deliveries().find((d) => d.eventId === eventId)).toMatchObject({ status: 'FAILED', attempts: 3 });
        expect(local.executions()).toEqual([]);
        expect(local.ticks('doomed')).toEqual([]);

        // Redriving the dead letter (the same event) once the service is back starts the schedule, once.
        local.bus.putEvents({
          Entries: [{
            Source: dead.source,
            DetailType: dead.detailType,
            Detail: JSON.stringify(dead.detail),
            Time: dead.time,
            Id: dead.id,
            EventBusName: local.eventBusName,
          }],
        });
        await local.advanceBy(3 * MINUTE);
        expect(local.executions().map((e) => e.status)).toEqual(['RUNNING']);
        expect(local.ticks('doomed').map((t) => t.sequence)).toEqual([1, 2, 3]);
      });

      test('GIVEN StopExecution keeps failing WHEN a Stop is retried THEN the original event is dead-lettered, and the run still ends at its next plan step', async () => {
        await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'sticky', every: '1m', limit: 300 } });
        await local.advanceBy(10 * MINUTE + 30 * SECOND);
        local.endpoint.injectFault('sfn:StopExecution', serviceDown(), ATTEMPTS_BEFORE_DEAD_LETTER);
        const eventId = await local.put({ source: 'my.app', detailType: 'Schedule Stop', detail: { id: 'sticky' } });
        await local.advanceBy(5 * MINUTE);

        expect(local.deadLetters().map((e) => [e.id, e.detailType, e.detail])).toEqual([[eventId, 'Schedule Stop', { id: 'sticky' }]]);
        expect(await local.item('sticky')).toMatchObject({ status: 'STOPPED' });

        // The execution could not be stopped, so it finishes the batch in flight (ticks 11 to 100) and then its plan
        // step finds the run stopped and ends it: never a tick beyond the batch.
        await local.advanceBy(300 * MINUTE);
        expect(local.ticks('sticky')).toHaveLength(100);
        expect(local.executions().map((e) => e.status)).toEqual(['SUCCEEDED']);
        expect(local.eventsOfType('Schedule Completed', 'sticky')).toEqual([]);
      });
    });
  }

  describe('executions that fail', () => {
    if (engine.perScheduleExecutions) {
      test('GIVEN the plan step fails on every attempt THEN the item is marked FAILED and Schedule Failed says why', async () => {
        await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'broken', every: '1m' } });
        planFunction().injectFault({ errorType: 'Error', errorMessage: 'the plan step is broken' }, 9); // 1 attempt + 8 retries
        await local.advanceBy(3 * 3600 * SECOND);

        expect(planFunction().errors).toBe(9);
        const [failed] = local.eventsOfType('Schedule Failed', 'broken');
        expect(local.eventsOfType('Schedule Failed', 'broken')).toHaveLength(1);
        const item = await local.item('broken');
        expect(failed).toMatchObject({ id: 'broken', runId: item!.runId, error: 'Error' });
        expect(failed.failure.Error).toBe('Error');
        expect(JSON.parse(failed.failure.Cause)).toMatchObject({ errorType: 'Error', errorMessage: 'the plan step is broken' });
        expect(item).toMatchObject({ status: 'FAILED', reason: 'Error' });
        expect(item!.finishedAt).toBeDefined();
        expect(local.executions().map((e) => [e.status, e.error])).toEqual([['FAILED', 'ScheduleFailed']]);
        // The first batch went out; nothing after the failure.
        expect(local.ticks('broken')).toHaveLength(100);

        // The id can be started again.
        await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'broken', every: '1m', limit: 2 } });
        await local.advanceBy(3 * MINUTE);
        expect(await local.item('broken')).toMatchObject({ status: 'COMPLETED', ticks: 2 });
      });
    }

    // An entry refused for good (a permission boundary on the detail type, say): the per-schedule engine fails the
    // run once its PutEvents Task's retries are spent; the sharded engine at once, since the code is not retryable
    // (InternalFailure and ThrottlingException are, and are resent: test/lambda/handlers/shard.test.ts).
    test('GIVEN tick PutEvents entries are refused for good THEN the run fails with EventBridge.FailedEntry and Schedule Failed is emitted', async () => {
      await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'mute', every: '1m' } });
      await local.advanceBy(2 * MINUTE + 30 * SECOND);
      local.bus.injectFault('NotAuthorizedForDetailTypeException', 9, 'Schedule Tick'); // 1 attempt + 8 retries
      await local.advanceBy(30 * MINUTE);

      expect(local.ticks('mute')).toHaveLength(2);
      expect(local.eventsOfType('Schedule Failed', 'mute')).toEqual([expect.objectContaining({ id: 'mute', error: 'EventBridge.FailedEntry' })]);
      expect(await local.item('mute')).toMatchObject({ status: 'FAILED', reason: 'EventBridge.FailedEntry' });
      if (engine.perScheduleExecutions) expect(local.executions().map((e) => e.status)).toEqual(['FAILED']);

      // The id can be started again, and ticks (the faults left over are cleared first).
      local.bus.clearFaults();
      await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'mute', every: '1m', limit: 2 } });
      await local.advanceBy(3 * MINUTE);
      expect(await local.item('mute')).toMatchObject({ status: 'COMPLETED' });
    });
  });
});
