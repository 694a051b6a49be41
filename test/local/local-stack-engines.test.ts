import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { LocalEventBus, nextScheduleFire } from '../../local/src/event-bus-local';
import { LocalStack, LocalStackOptions } from '../../local/src/local-stack';
import { localAppContext } from '../../local/src/template-resolver';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;

let local: LocalStack | undefined;
afterEach(async () => {
  await local?.close();
  local = undefined;
});

/** Synthesizes a stack built by `build` and runs it locally from T0. */
async function run(build: (stack: Stack) => void, options: LocalStackOptions = {}): Promise<LocalStack> {
  const app = new App({ context: localAppContext });
  const stack = new Stack(app, 'Engines');
  build(stack);
  local = await LocalStack.create(Template.fromStack(stack).toJSON(), { stackName: 'Engines', now: T0, ...options });
  return local;
}

function echoFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(__dirname, 'fixtures', 'echo')),
  });
}

/** An Express machine that waits `seconds`, then succeeds with `{ waited, input }` (or fails with `Boom`). */
function expressChild(stack: Stack, seconds: number, fail = false): sfn.StateMachine {
  const wait = new sfn.Wait(stack, 'ChildWait', { time: sfn.WaitTime.duration(Duration.seconds(seconds)) });
  const end = fail
    ? new sfn.Fail(stack, 'ChildFail', { error: 'Boom', cause: 'the child failed' })
    : new sfn.Pass(stack, 'ChildDone', { parameters: { 'waited': seconds, 'input.$': '$' } });
  return new sfn.StateMachine(stack, 'Child', {
    stateMachineType: sfn.StateMachineType.EXPRESS,
    definitionBody: sfn.DefinitionBody.fromChainable(wait.next(end)),
  });
}

/** A Standard parent whose only state is a raw Task on `resource` (CDK picks `.sync:2` for RUN_JOB; raw covers all). */
function parent(stack: Stack, child: sfn.IStateMachine, resource: string, extra: Record<string, any> = {}): sfn.StateMachine {
  const start = new sfn.CustomState(stack, 'StartChild', {
    stateJson: {
      Type: 'Task',
      Resource: resource,
      Parameters: { 'StateMachineArn': child.stateMachineArn, 'Input': { 'from.$': '$.from' }, 'Name.$': '$.name' },
      ...extra,
    },
  });
  return new sfn.StateMachine(stack, 'Parent', { definitionBody: sfn.DefinitionBody.fromChainable(start) });
}

const machineArn = (l: LocalStack, name: string) => l.stepFunctions.all().find((m) => m.name.includes(name))!;

describe('Express state machines', () => {
  test('GIVEN a Standard parent running an Express child with startExecution.sync:2 THEN the Output is parsed JSON and stats bill each type apart', async () => {
    const l = await run((stack) => {
      const child = expressChild(stack, 2);
      parent(stack, child, 'arn:aws:states:::states:startExecution.sync:2');
    });
    const { executionArn } = machineArn(l, 'Parent').startExecution({ name: 'p1', input: JSON.stringify({ from: 'p', name: 'c1' }) });
    await l.advanceBy(10 * SECOND);

    const out = JSON.parse(machineArn(l, 'Parent').describeExecution({ executionArn }).output);
    expect(out).toMatchObject({
      Status: 'SUCCEEDED',
      Name: 'c1',
      Input: { from: 'p' },
      Output: { waited: 2, input: { from: 'p' } },
      OutputDetails: { Included: true },
      StartDate: T0.getTime(),
      StopDate: T0.getTime() + 2 * SECOND,
    });
    expect(out.ExecutionArn).toMatch(/:execution:.*Child.*:c1$/);
    expect(l.stats()).toMatchObject({
      executionsStarted: 2,
      stateTransitions: 3, // parent: 1; child: Wait + Pass
      standardStateTransitions: 1,
      expressStateTransitions: 2,
      expressRequests: 1,
      expressBilledDurationMs: 2000,
      expressGbSeconds: 2 * 64 / 1024,
    });
  });

  test('startExecution.sync gives the Output as a JSON string', async () => {
    const l = await run((stack) => parent(stack, expressChild(stack, 1), 'arn:aws:states:::states:startExecution.sync'));
    const { executionArn } = machineArn(l, 'Parent').startExecution({ input: JSON.stringify({ from: 'p', name: 'c1' }) });
    await l.advanceBy(5 * SECOND);
    const out = JSON.parse(machineArn(l, 'Parent').describeExecution({ executionArn }).output);
    expect(typeof out.Output).toBe('string');
    expect(JSON.parse(out.Output)).toEqual({ waited: 1, input: { from: 'p' } });
    expect(out.Input).toBe('{"from":"p"}');
  });

  test('billed duration is rounded up to 100 ms, and at least 100 ms', async () => {
    const l = await run((stack) => {
      new sfn.StateMachine(stack, 'Quick', {
        stateMachineType: sfn.StateMachineType.EXPRESS,
        definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Noop')),
      });
    });
    machineArn(l, 'Quick').startExecution({});
    machineArn(l, 'Quick').startExecution({});
    await l.advanceBy(SECOND);
    expect(l.stats()).toMatchObject({ expressRequests: 2, expressBilledDurationMs: 200, standardStateTransitions: 0, expressStateTransitions: 2 });
  });

  test('GIVEN an Express execution still running after 5 minutes THEN it ends TIMED_OUT (States.Timeout) and a .sync parent fails with States.TaskFailed', async () => {
    const l = await run((stack) => parent(stack, expressChild(stack, 400), 'arn:aws:states:::states:startExecution.sync:2'));
    const { executionArn } = machineArn(l, 'Parent').startExecution({ input: JSON.stringify({ from: 'p', name: 'slow' }) });
    await l.advanceBy(MINUTE);
    // The waiting .sync Task is not in-flight work (else each of the child's timers would wait for the stall delay).
    expect(l.clock.inFlight()).toEqual([]);
    await l.advanceBy(9 * MINUTE);

    const [child] = machineArn(l, 'Child').executions();
    expect(child).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(child.stopDate!.getTime()).toBe(T0.getTime() + 5 * MINUTE);
    const failed = machineArn(l, 'Parent').describeExecution({ executionArn });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(JSON.parse(failed.cause)).toMatchObject({ Status: 'TIMED_OUT', Error: 'States.Timeout', Name: 'slow' });
    expect(l.stats()).toMatchObject({ expressBilledDurationMs: 5 * MINUTE });
  });

  test('a failed child fails the .sync Task with States.TaskFailed, which Catch sees with the child\'s Error in the Cause', async () => {
    const l = await run((stack) => {
      const child = expressChild(stack, 1, true);
      const nested = new tasks.StepFunctionsStartExecution(stack, 'Nested', {
        stateMachine: child,
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        input: sfn.TaskInput.fromObject({ n: 1 }),
      }).addCatch(new sfn.Pass(stack, 'Caught'), { resultPath: '$.failure' });
      new sfn.StateMachine(stack, 'Parent', { definitionBody: sfn.DefinitionBody.fromChainable(nested) });
    });
    expect(machineArn(l, 'Parent').definition.States.Nested.Resource).toMatch(/startExecution\.sync:2$/);
    const { executionArn } = machineArn(l, 'Parent').startExecution({});
    await l.advanceBy(5 * SECOND);

    const done = machineArn(l, 'Parent').describeExecution({ executionArn });
    expect(done.status).toBe('SUCCEEDED');
    const { failure } = JSON.parse(done.output);
    expect(failure.Error).toBe('States.TaskFailed');
    expect(JSON.parse(failure.Cause)).toMatchObject({ Status: 'FAILED', Error: 'Boom', Cause: 'the child failed', Input: { n: 1 } });
  });

  test('an Express definition with a .sync Task is refused, as CreateStateMachine refuses it', async () => {
    await expect(run((stack) => {
      const child = expressChild(stack, 1);
      new sfn.StateMachine(stack, 'BadExpress', {
        stateMachineType: sfn.StateMachineType.EXPRESS,
        definitionBody: sfn.DefinitionBody.fromChainable(new tasks.StepFunctionsStartExecution(stack, 'Nested', {
          stateMachine: child,
          integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        })),
      });
    })).rejects.toThrow(/Express workflows support neither \.sync nor \.waitForTaskToken/);
  });
});

/** A Standard machine that waits `seconds`. */
function standardWaiter(stack: Stack, id: string, seconds: number): sfn.StateMachine {
  return new sfn.StateMachine(stack, id, {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Wait(stack, `${id}Wait`, { time: sfn.WaitTime.duration(Duration.seconds(seconds)) })),
  });
}

describe('states:startExecution', () => {
  test('fire and forget returns { ExecutionArn, StartDate } at once; the child runs on by itself', async () => {
    const l = await run((stack) => parent(stack, standardWaiter(stack, 'Child', 60), 'arn:aws:states:::states:startExecution'));
    const { executionArn } = machineArn(l, 'Parent').startExecution({ input: JSON.stringify({ from: 'p', name: 'c1' }) });
    await l.advanceBy(SECOND);
    const out = JSON.parse(machineArn(l, 'Parent').describeExecution({ executionArn }).output);
    expect(out).toMatchObject({ StartDate: T0.getTime(), SdkHttpMetadata: { HttpStatusCode: 200 } });
    expect(out.ExecutionArn).toMatch(/:c1$/);
    expect(machineArn(l, 'Child').describeExecution({ executionArn: out.ExecutionArn })).toMatchObject({ status: 'RUNNING', input: '{"from":"p"}' });
    await l.advanceBy(MINUTE);
    expect(machineArn(l, 'Child').describeExecution({ executionArn: out.ExecutionArn }).status).toBe('SUCCEEDED');
  });

  test('names are unique per state machine: a running name with another input is StepFunctions.ExecutionAlreadyExistsException; the same input is the same execution', async () => {
    const l = await run((stack) => parent(stack, standardWaiter(stack, 'Child', 60), 'arn:aws:states:::states:startExecution'));
    const sup = machineArn(l, 'Parent');
    const first = sup.startExecution({ input: JSON.stringify({ from: 'a', name: 'same' }) });
    const again = sup.startExecution({ input: JSON.stringify({ from: 'a', name: 'same' }) });
    const clash = sup.startExecution({ input: JSON.stringify({ from: 'b', name: 'same' }) });
    await l.advanceBy(SECOND);
    expect(JSON.parse(sup.describeExecution(first).output).ExecutionArn).toBe(JSON.parse(sup.describeExecution(again).output).ExecutionArn);
    expect(sup.describeExecution(clash)).toMatchObject({ status: 'FAILED', error: 'StepFunctions.ExecutionAlreadyExistsException' });
    expect(machineArn(l, 'Child').executions()).toHaveLength(1);
  });

  test('GIVEN a parent waiting on a Standard child with .sync WHEN the parent is stopped THEN the child is stopped too', async () => {
    const l = await run((stack) => parent(stack, standardWaiter(stack, 'Child', 3600), 'arn:aws:states:::states:startExecution.sync'));
    const { executionArn } = machineArn(l, 'Parent').startExecution({ input: JSON.stringify({ from: 'p', name: 'c1' }) });
    await l.advanceBy(MINUTE);
    machineArn(l, 'Parent').stopExecution({ executionArn });
    await l.advanceBy(SECOND);
    expect(machineArn(l, 'Child').executions().map((e) => e.status)).toEqual(['ABORTED']);
  });
});

describe('schedule rules', () => {
  test('GIVEN rate(5 minutes) targeting a function THEN it fires every 5 virtual minutes with the documented scheduled event, and advanceBy returns', async () => {
    const l = await run((stack) => {
      new events.Rule(stack, 'Every5', { schedule: events.Schedule.rate(Duration.minutes(5)), targets: [new targets.LambdaFunction(echoFunction(stack, 'Fn'))] });
    });
    const got: any[] = [];
    l.functions[0].intercept(async (event, proceed) => { got.push({ event, at: Date.now() }); return proceed(); });
    await l.advanceBy(60 * MINUTE);

    expect(got.map((g) => g.at - T0.getTime())).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) * 5 * MINUTE));
    const ruleArn = l.resolver.rules()[0].arn;
    expect(got[0].event).toEqual({
      'version': '0',
      'id': expect.any(String),
      'detail-type': 'Scheduled Event',
      'source': 'aws.events',
      'account': l.resolver.accountId,
      'time': '2030-01-01T00:05:00Z',
      'region': l.resolver.region,
      'resources': [ruleArn],
      'detail': {},
    });
    expect(ruleArn).toMatch(/^arn:aws:events:.*:rule\//);
    expect(l.bus.scheduledEvents()).toHaveLength(12);
    expect(l.bus.events()).toEqual([]); // scheduled events go to their rule's targets only
    expect(l.clock.pendingTimers()).toBe(1);
    await l.close();
    expect(l.bus.scheduledEvents()).toHaveLength(12);
  });

  test('GIVEN cron(0 12 * * ? *) targeting a state machine THEN an execution starts each day at 12:00 UTC with the event as input', async () => {
    const l = await run((stack) => {
      const noon = new sfn.StateMachine(stack, 'Noon', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Hello')) });
      new events.Rule(stack, 'Daily', { schedule: events.Schedule.expression('cron(0 12 * * ? *)'), targets: [new targets.SfnStateMachine(noon)] });
    });
    await l.advanceBy(3 * 24 * 60 * MINUTE);
    const executions = machineArn(l, 'Noon').executions();
    expect(executions.map((e) => e.startDate.toISOString())).toEqual(['2030-01-01T12:00:00.000Z', '2030-01-02T12:00:00.000Z', '2030-01-03T12:00:00.000Z']);
    expect(JSON.parse(executions[0].input)).toMatchObject({ 'source': 'aws.events', 'detail-type': 'Scheduled Event' });
  });

  test('a disabled schedule rule does not fire; expressions EventBridge refuses are refused', async () => {
    const l = await run((stack) => {
      new events.Rule(stack, 'Off', { enabled: false, schedule: events.Schedule.rate(Duration.minutes(1)), targets: [new targets.LambdaFunction(echoFunction(stack, 'Fn'))] });
    });
    await l.advanceBy(10 * MINUTE);
    expect(l.functions[0].invocations).toBe(0);
    await l.close();
    expect(() => nextScheduleFire('rate(1 minutes)', 0)).toThrow('rate(1 minute)');
    expect(() => nextScheduleFire('rate(5 minute)', 0)).toThrow('Invalid ScheduleExpression');
    expect(() => nextScheduleFire('cron(0 12 * * * *)', 0)).toThrow('Invalid ScheduleExpression');
    expect(nextScheduleFire('rate(2 hours)', 0)).toBe(2 * 3600 * SECOND);
    expect(() => new LocalEventBus({
      rules: [{ logicalId: 'R', name: 'r', eventBusName: 'custom', scheduleExpression: 'rate(1 minute)', state: 'ENABLED', targets: [] }],
      deliver: () => undefined,
    })).toThrow('ScheduleExpression is supported only on the default event bus');
  });
});

describe('execution status-change events', () => {
  const collect = (stack: Stack) => {
    new events.Rule(stack, 'Changes', {
      eventPattern: { source: ['aws.states'], detailType: ['Step Functions Execution Status Change'] },
      targets: [new targets.LambdaFunction(echoFunction(stack, 'Fn'))],
    });
  };
  const statuses = (l: LocalStack) => l.bus.events()
    .filter((e) => e.detailType === 'Step Functions Execution Status Change')
    .map((e) => [e.detail.name, e.detail.status]);

  test('Standard executions send one per status change (RUNNING, SUCCEEDED, ABORTED for StopExecution) to the default bus; Express executions none', async () => {
    const l = await run((stack) => {
      collect(stack);
      standardWaiter(stack, 'Std', 60);
      expressChild(stack, 1);
    });
    machineArn(l, 'Std').startExecution({ name: 'ok' });
    const stopped = machineArn(l, 'Std').startExecution({ name: 'stopped' });
    machineArn(l, 'Child').startExecution({ name: 'express' });
    await l.advanceBy(SECOND);
    machineArn(l, 'Std').stopExecution(stopped);
    await l.advanceBy(2 * MINUTE);

    expect(statuses(l)).toEqual([['ok', 'RUNNING'], ['stopped', 'RUNNING'], ['stopped', 'ABORTED'], ['ok', 'SUCCEEDED']]);
    expect(l.functions[0].invocations).toBe(4);
    const succeeded = l.bus.events().find((e) => e.detail.status === 'SUCCEEDED')!;
    expect(succeeded).toMatchObject({ eventBusName: 'default', source: 'aws.states', detail: { output: '{}', outputDetails: { included: true } } });
  });

  test('statusChangeEvents unsuccessful keeps FAILED, TIMED_OUT and ABORTED only; close() sends none', async () => {
    const l = await run((stack) => {
      collect(stack);
      standardWaiter(stack, 'Std', 60);
    }, { statusChangeEvents: 'unsuccessful' });
    machineArn(l, 'Std').startExecution({ name: 'ok' });
    const stopped = machineArn(l, 'Std').startExecution({ name: 'stopped' });
    machineArn(l, 'Std').startExecution({ name: 'open' });
    machineArn(l, 'Std').stopExecution(stopped);
    machineArn(l, 'Std').failExecution(machineArn(l, 'Std').startExecution({ name: 'failed' }).executionArn);
    await l.advanceBy(MINUTE);
    machineArn(l, 'Std').startExecution({ name: 'closing' });
    await l.close();
    expect(statuses(l)).toEqual([['stopped', 'ABORTED'], ['failed', 'FAILED']]);
  });
});
