/**
 * Reliability: transient failures are retried with backoff, and the ticks still arrive exactly once each, on time
 * or (for a retried tick) a few seconds late: Lambda throttling of the plan step, failed PutEvents entries for
 * ticks, StartExecution throttling (first execution and hand-over), and PutEvents throttling of the handlers.
 * The hand-over, and the StartExecution calls a Start makes, are the per-schedule engine's (`perScheduleExecutions`).
 */
import { createScheduler, ENGINES, loopFunction } from './engines';
import { LocalScheduler } from '../../local/src';
import { AwsError } from '../../local/src/aws-endpoint';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const T0 = new Date('2026-05-04T08:00:00Z');

let local: LocalScheduler;
afterEach(async () => {
  await local?.close();
});

const throttling = () => new AwsError('ThrottlingException', 'Rate exceeded', 400);
const planFunction = () => loopFunction(local);
const start = (detail: Record<string, unknown>) => local.put({ source: 'my.app', detailType: 'Schedule Start', detail });

/** Ticks of `id` exactly once each: sequences 1..count, occurrences `every` apart from `first`, each emitted within `lateMs`. */
function expectExactlyOnce(id: string, count: number, first: Date, everyMs: number, lateMs = 0) {
  const tickEvents = local.events().filter((e) => e.detailType === 'Schedule Tick' && e.detail.id === id);
  expect(tickEvents.map((e) => e.detail.sequence)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect(tickEvents.map((e) => e.detail.scheduledAt)).toEqual(
    Array.from({ length: count }, (_, i) => new Date(first.getTime() + i * everyMs).toISOString()));
  const late = tickEvents.map((e) => e.time.getTime() - Date.parse(e.detail.scheduledAt));
  expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...late)).toBeLessThanOrEqual(lateMs);
  return late;
}

describe.each(ENGINES)('on the $name engine', (engine) => {
  beforeEach(async () => {
    local = await createScheduler(engine, { now: T0 });
  });

  test('GIVEN the loop\'s Lambda (per-schedule: the plan step) is throttled three times THEN the state machine retries it with backoff and every tick arrives once, on time', async () => {
    await start({ id: 'p', every: '1m', limit: 150 });
    planFunction().injectFault({ errorType: 'Lambda.TooManyRequestsException' }, 3);
    await local.advanceBy(151 * MINUTE);

    expect(planFunction().errors).toBe(3);
    // The per-schedule engine plans ticks ahead, so a throttled plan step delays none. On an engine whose loop
    // Lambda emits the ticks, the ticks of the throttled invocation wait out the retries' backoff (full jitter,
    // 1 s doubling), always within the missed-occurrence tolerance of 10 s: late, but each exactly once.
    expectExactlyOnce('p', 150, new Date(T0.getTime() + MINUTE), MINUTE, engine.perScheduleExecutions ? 0 : 10 * SECOND);
    expect(local.eventsOfType('Schedule Completed', 'p')).toEqual([expect.objectContaining({ ticks: 150 })]);
    if (engine.perScheduleExecutions) expect(local.executions().map((e) => e.status)).toEqual(['SUCCEEDED']);
  });

  test('GIVEN PutEvents fails the entries of three ticks (EventBridge.FailedEntry) THEN each is retried and arrives once, seconds late', async () => {
    await start({ id: 'e', every: '1m', limit: 10 });
    await local.advanceBy(3 * MINUTE + 30 * SECOND); // 3 ticks
    local.bus.injectFault('InternalFailure', 3, 'Schedule Tick');
    await local.advanceBy(8 * MINUTE);

    const late = expectExactlyOnce('e', 10, new Date(T0.getTime() + MINUTE), MINUTE, 10 * SECOND);
    // Tick 4 waited out the backoff of three failed attempts (full jitter: 0-1 s, 0-2 s, 0-4 s); the others were on time.
    expect(late.filter((ms, i) => i !== 3 && ms > 0)).toEqual([]);
    expect(local.eventsOfType('Schedule Failed')).toEqual([]);
  });

  test('GIVEN StartExecution is throttled twice THEN the SDK retries and the schedule starts once', async () => {
    local.endpoint.injectFault('sfn:StartExecution', throttling(), 2);
    await start({ id: 's', every: '1m', limit: 5 });
    await local.advanceBy(6 * MINUTE);

    expectExactlyOnce('s', 5, new Date(T0.getTime() + MINUTE), MINUTE);
    expect(local.eventsOfType('Schedule Started', 's')).toHaveLength(1);
    if (engine.perScheduleExecutions) {
      const stateMachineArn = local.executions()[0].stateMachineArn;
      const startCalls = local.endpoint.calls().filter((c) => c.operation === 'StartExecution' && c.input.stateMachineArn === stateMachineArn);
      expect(startCalls.slice(-3).map((c) => c.errorType ?? 'ok')).toEqual(['ThrottlingException', 'ThrottlingException', 'ok']);
      expect(local.executions()).toHaveLength(1);
    }
  });

  // The hand-over to a new execution after 1,800 ticks is the per-schedule engine's.
  if (engine.perScheduleExecutions) {
    test.each([
      ['twice (the SDK retries)', 2, 0],
      ['six times (the SDK gives up after 5 attempts, the state machine retries the plan step)', 6, 1],
    ])('GIVEN the hand-over\'s StartExecution is throttled %s THEN the run continues in the next execution with every tick once', async (_name, times, planErrors) => {
      // 30 s apart: the SDK's and the state machine's jittered back-offs add up to 18 s at worst, so no occurrence
      // falls into the missed-occurrence window and every tick is due after the hand-over completes.
      const interval = 30 * SECOND;
      await start({ id: 'h', every: '30s', limit: 2_000 });
      await local.advanceBy(1_799 * interval);
      local.endpoint.injectFault('sfn:StartExecution', throttling(), times);
      await local.advanceBy(210 * interval);

      expectExactlyOnce('h', 2_000, new Date(T0.getTime() + interval), interval, 10 * SECOND);
      expect(planFunction().errors).toBe(planErrors);
      expect(local.executions().map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(await local.item('h')).toMatchObject({ status: 'COMPLETED', ticks: 2_000, generation: 1 });
    });
  }

  test('GIVEN the handlers\' PutEvents is throttled THEN the SDK retries and the Schedule Rejected event is put once', async () => {
    local.endpoint.injectFault('events:PutEvents', throttling(), 2);
    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'bad', every: '5' } });
    await local.advanceBy(MINUTE);

    expect(local.eventsOfType('Schedule Rejected', 'bad')).toHaveLength(1);
    expect(local.deadLetters()).toEqual([]);
  });
});
