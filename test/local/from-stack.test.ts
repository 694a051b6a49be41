/**
 * `LocalScheduler.fromStack`: a user's own stack, with its DynamicSchedulers, rules and targets, run locally.
 */
import * as path from 'path';
import { App, SecretValue, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LocalScheduler } from '../../local/src';
import { DynamicScheduler, SchedulerEngine } from '../../src';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const MINUTE = 60_000;

let local: LocalScheduler | undefined;
afterEach(async () => {
  await local?.close();
  local = undefined;
});

/** A user's app: a plain App (no local context), a stack, a bus. */
function userStack(): { stack: Stack; bus: events.EventBus } {
  const stack = new Stack(new App(), 'UserApp');
  return { stack, bus: new events.EventBus(stack, 'Bus', { eventBusName: 'app-bus' }) };
}

function reminderFunction(stack: Stack): lambda.Function {
  return new lambda.Function(stack, 'Reminder', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(__dirname, 'fixtures', 'reminder')),
    environment: { GREETING: 'Hello' },
  });
}

describe.each([
  { name: 'per-schedule', engine: SchedulerEngine.perSchedule() },
  { name: 'sharded', engine: SchedulerEngine.sharded({ shards: 2 }) },
])('a user\'s stack on the $name engine', ({ engine }) => {
  test('a consumer subscribed with onTick receives each tick with its payload, with its own environment', async () => {
    // GIVEN
    const { stack, bus } = userStack();
    const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus, tickSource: 'com.app.ticks', engine });
    const reminder = reminderFunction(stack);
    scheduler.onTick('Reminders', { scheduleIdPrefix: 'reminder:', target: new targets.LambdaFunction(reminder) });
    local = await LocalScheduler.fromStack(stack, { now: T0 });

    // WHEN
    await local.put({
      source: 'com.app',
      detailType: 'Schedule Start',
      detail: { id: 'reminder:1', every: '5m', limit: 3, payload: { user: 'ada' } },
    });
    await local.advanceBy(60 * MINUTE);

    // THEN
    const calls = local.invocations(reminder);
    expect(calls.map((call) => call.event.detail.sequence)).toEqual([1, 2, 3]);
    expect(calls.map((call) => call.result)).toEqual([1, 2, 3].map((sequence) => ({ said: 'Hello ada', sequence })));
    expect(calls[0].event).toMatchObject({ 'source': 'com.app.ticks', 'detail-type': 'Schedule Tick', 'detail': { id: 'reminder:1', payload: { user: 'ada' } } });
    expect(local.ticks('reminder:1')).toHaveLength(3);
    expect(await local.item('reminder:1')).toMatchObject({ status: 'COMPLETED' });
  });
});

test('a NodejsFunction runs from its esbuild bundle', async () => {
  const { stack, bus } = userStack();
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus });
  const echo = new nodejs.NodejsFunction(stack, 'Echo', {
    runtime: lambda.Runtime.NODEJS_20_X,
    entry: path.join(__dirname, 'fixtures', 'echo', 'index.ts'),
    depsLockFilePath: path.join(__dirname, '..', '..', 'package-lock.json'),
  });
  scheduler.onTick('Echoes', { target: new targets.LambdaFunction(echo) });
  local = await LocalScheduler.fromStack(stack, { now: T0 });

  await local.put({ source: 'com.app', detailType: 'Schedule Start', detail: { id: 'e', every: '1m', limit: 2 } });
  await local.advanceBy(5 * MINUTE);

  expect(local.invocations(echo).map((call) => call.result.detail.sequence)).toEqual([1, 2]);
});

test('a handler that throws is recorded with Lambda\'s error, and retried as an asynchronous invocation', async () => {
  const { stack, bus } = userStack();
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus });
  const reminder = reminderFunction(stack);
  const rule = scheduler.onTick('Reminders', { target: new targets.LambdaFunction(reminder) });
  local = await LocalScheduler.fromStack(stack, { now: T0 });

  await local.put({ source: 'com.app', detailType: 'Schedule Start', detail: { id: 'r', duration: '1m', payload: { fail: true } } });
  await local.advanceBy(10 * MINUTE);

  expect(local.invocations(reminder).map((call) => call.error)).toEqual(
    [1, 2, 3].map(() => ({ errorType: 'Error', errorMessage: 'cannot remind r' })));
  expect(local.deliveries(rule)).toEqual([expect.objectContaining({ status: 'FAILED', attempts: 3 })]);
});

test('a fault injected into a user\'s function fails its delivery as Lambda would, then the retry runs it', async () => {
  const { stack, bus } = userStack();
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus });
  const reminder = reminderFunction(stack);
  const rule = scheduler.onTick('Reminders', { target: new targets.LambdaFunction(reminder) });
  local = await LocalScheduler.fromStack(stack, { now: T0 });
  local.localFunction(reminder).injectFault({ errorType: 'Lambda.TooManyRequestsException' }, 1);

  await local.put({ source: 'com.app', detailType: 'Schedule Start', detail: { id: 'r', duration: '1m', payload: { user: 'bo' } } });
  await local.advanceBy(5 * MINUTE);

  expect(local.invocations(reminder).map((call) => call.error?.errorType ?? call.result.said)).toEqual(['Lambda.TooManyRequestsException', 'Hello bo']);
  expect(local.deliveries(rule)).toEqual([expect.objectContaining({ status: 'DELIVERED', attempts: 2 })]);
});

test('an inline function runs; an SQS queue, a Python function and another bus are recorded with a note', async () => {
  // GIVEN
  const { stack, bus } = userStack();
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus });
  const inline = new lambda.Function(stack, 'Inline', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async (event) => ({ tick: event.detail.sequence, region: process.env.AWS_REGION });'),
  });
  const python = new lambda.Function(stack, 'Python', {
    runtime: lambda.Runtime.PYTHON_3_12,
    handler: 'index.handler',
    code: lambda.Code.fromInline('def handler(event, context):\n    return event\n'),
  });
  const queue = new sqs.Queue(stack, 'Queue');
  const otherBus = new events.EventBus(stack, 'OtherBus');
  const rule = scheduler.onTick('Everything', {
    target: new targets.LambdaFunction(inline),
  });
  rule.addTarget(new targets.LambdaFunction(python));
  rule.addTarget(new targets.SqsQueue(queue, { message: events.RuleTargetInput.fromEventPath('$.detail.id') }));
  rule.addTarget(new targets.EventBus(otherBus));
  local = await LocalScheduler.fromStack(stack, { now: T0 });

  // WHEN
  await local.put({ source: 'com.app', detailType: 'Schedule Start', detail: { id: 'once', duration: '1m' } });
  await local.advanceBy(2 * MINUTE);

  // THEN
  expect(local.invocations(inline).map((call) => call.result)).toEqual([{ tick: 1, region: 'us-east-1' }]);
  const deliveries = local.deliveries(rule);
  expect(deliveries).toHaveLength(4);
  expect(deliveries.every((d) => d.status === 'DELIVERED')).toBe(true);
  const byKind = (pattern: RegExp) => deliveries.find((d) => pattern.test(d.targetArn))!;
  expect(byKind(/:function:.*Inline/).note).toBeUndefined();
  expect(byKind(/:function:.*Python/).note).toMatch(/has runtime python3\.12, which the local runtime cannot run .*recorded, not invoked/);
  expect(byKind(/:sqs:/)).toMatchObject({ input: 'once', note: expect.stringMatching(/an SQS queue: recorded, not sent/) });
  expect(byKind(/:event-bus\//).note).toMatch(/another event bus: recorded, not forwarded/);
  expect(() => local!.invocations(python)).toThrow(/has runtime python3\.12, which the local runtime cannot run.*local\.deliveries\(rule\)/);
});

test('an SNS topic, an API destination and a state machine of the stack are recorded, each with its own note', async () => {
  // GIVEN
  const { stack, bus } = userStack();
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus });
  const topic = new sns.Topic(stack, 'Topic');
  const connection = new events.Connection(stack, 'Connection', {
    authorization: events.Authorization.apiKey('x-api-key', SecretValue.unsafePlainText('local')),
  });
  const destination = new events.ApiDestination(stack, 'Destination', { connection, endpoint: 'https://example.com/ticks' });
  const machine = new sfn.StateMachine(stack, 'Workflow', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Nothing')) });
  const rule = scheduler.onTick('Elsewhere', { target: new targets.SnsTopic(topic) });
  rule.addTarget(new targets.ApiDestination(destination));
  rule.addTarget(new targets.SfnStateMachine(machine));
  local = await LocalScheduler.fromStack(stack, { now: T0 });

  // WHEN
  await local.put({ source: 'com.app', detailType: 'Schedule Start', detail: { id: 'out', duration: '1m' } });
  await local.advanceBy(2 * MINUTE);

  // THEN
  const notes = local.deliveries(rule).map((d) => d.note);
  expect(notes).toEqual([
    expect.stringMatching(/:sns:.* is an SNS topic: recorded, not published/),
    expect.stringMatching(/:api-destination\/.* is an API destination: recorded, no HTTP request is made/),
    expect.stringMatching(/:stateMachine:.* is a state machine of the stack: recorded, not started/),
  ]);
  expect(local.executions().some((e) => e.executionArn.includes('Workflow'))).toBe(false);
});

test('a container image function is recorded, not run', async () => {
  const { stack, bus } = userStack();
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus });
  const image = new lambda.Function(stack, 'Image', {
    runtime: lambda.Runtime.FROM_IMAGE,
    handler: lambda.Handler.FROM_IMAGE,
    code: lambda.Code.fromEcrImage(ecr.Repository.fromRepositoryName(stack, 'Repo', 'app')),
  });
  const rule = scheduler.onTick('Images', { target: new targets.LambdaFunction(image) });
  local = await LocalScheduler.fromStack(stack, { now: T0 });

  await local.put({ source: 'com.app', detailType: 'Schedule Start', detail: { id: 'img', duration: '1m' } });
  await local.advanceBy(2 * MINUTE);

  expect(local.deliveries(rule)).toEqual([expect.objectContaining({ note: expect.stringMatching(/is a container image function, which the local runtime cannot run/) })]);
});

test('a Start from a source the scheduler does not allow matches no rule and starts nothing, as on AWS', async () => {
  const { stack, bus } = userStack();
  new DynamicScheduler(stack, 'Scheduler', { eventBus: bus, allowedSources: ['com.app'] });
  local = await LocalScheduler.fromStack(stack, { now: T0 });

  await local.put({ source: 'com.intruder', detailType: 'Schedule Start', detail: { id: 'x', every: '1m' } });
  await local.put({ source: 'com.app', detailType: 'Schedule Start', detail: { id: 'y', every: '1m', limit: 1 } });
  await local.advanceBy(5 * MINUTE);

  const [refused, accepted] = local.events();
  expect(refused).toMatchObject({ source: 'com.intruder', eventBusName: 'app-bus', matchedRules: [] });
  expect(accepted.matchedRules).toHaveLength(1);
  expect(local.ticks('x')).toEqual([]);
  expect(await local.item('x')).toBeUndefined();
  expect(local.ticks('y')).toHaveLength(1);
});

test('a Start from the scheduler\'s own tick source matches no rule (the local README\'s example)', async () => {
  const { stack, bus } = userStack();
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus, tickSource: 'com.reminders' });
  const reminder = reminderFunction(stack);
  scheduler.onTick('Reminders', { scheduleIdPrefix: 'reminder:', target: new targets.LambdaFunction(reminder) });
  local = await LocalScheduler.fromStack(stack);

  await local.put({ source: 'com.reminders', detailType: 'Schedule Start', detail: { id: 'reminder:x', every: '1m' } });
  await local.advanceBy(10 * MINUTE);

  expect(local.events()).toEqual([expect.objectContaining({ source: 'com.reminders', matchedRules: [] })]);
  expect(local.invocations(reminder)).toEqual([]);
});

test('with two schedulers, put goes to the chosen one\'s bus and item reads the table of the scheduler given', async () => {
  // GIVEN
  const { stack, bus } = userStack();
  const first = new DynamicScheduler(stack, 'First', { eventBus: bus, tickSource: 'com.first' });
  const secondBus = new events.EventBus(stack, 'SecondBus');
  const second = new DynamicScheduler(stack, 'Second', { eventBus: secondBus, tickSource: 'com.second' });
  local = await LocalScheduler.fromStack(stack, { now: T0, scheduler: second });

  // WHEN
  await local.put({ source: 'com.app', detailType: 'Schedule Start', detail: { id: 'on-second', duration: '1m' } });
  await local.put({ source: 'com.app', detailType: 'Schedule Start', detail: { id: 'on-first', duration: '1m' }, eventBus: bus });
  await local.advanceBy(2 * MINUTE);

  // THEN
  expect(local.ticks('on-second')).toEqual([expect.objectContaining({ id: 'on-second' })]);
  expect(local.events().find((e) => e.detailType === 'Schedule Tick' && e.detail.id === 'on-first')?.source).toBe('com.first');
  expect(await local.item('on-second')).toMatchObject({ status: 'COMPLETED' });
  expect(await local.item('on-first')).toBeUndefined();
  expect(await local.item('on-first', first)).toMatchObject({ status: 'COMPLETED' });
});

describe('clear errors', () => {
  test('a stack without a DynamicScheduler', async () => {
    const { stack } = userStack();
    reminderFunction(stack);

    await expect(LocalScheduler.fromStack(stack)).rejects.toThrow(/Stack UserApp has no DynamicScheduler; LocalScheduler.fromStack runs a stack with at least one/);
  });

  test('a scheduler option that is not in the stack', async () => {
    const { stack } = userStack();
    new DynamicScheduler(stack, 'Scheduler');
    const elsewhere = new DynamicScheduler(new Stack(new App(), 'Other'), 'Scheduler');

    await expect(LocalScheduler.fromStack(stack, { scheduler: elsewhere })).rejects.toThrow(/must be a DynamicScheduler of stack UserApp, got Other\/Scheduler/);
  });

  test('a function whose asset has no handler module', async () => {
    const { stack, bus } = userStack();
    const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus });
    const broken = new lambda.Function(stack, 'Broken', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'main.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'fixtures', 'empty')),
    });
    scheduler.onTick('Broken', { target: new targets.LambdaFunction(broken) });

    await expect(LocalScheduler.fromStack(stack)).rejects.toThrow(/The code of function UserApp\/Broken\/Resource is missing: no .*fixtures\/empty\/main\.js \(handler "main\.handler"\)/);
  });

  test('invocations of a function that is not in the stack', async () => {
    const { stack } = userStack();
    new DynamicScheduler(stack, 'Scheduler');
    local = await LocalScheduler.fromStack(stack, { now: T0 });
    const imported = lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:us-east-1:123456789012:function:elsewhere');

    expect(() => local!.invocations(imported)).toThrow(/Function UserApp\/Imported is not a function of the stack run locally \(got ARN arn:aws:lambda:us-east-1:123456789012:function:elsewhere\)/);
  });
});
