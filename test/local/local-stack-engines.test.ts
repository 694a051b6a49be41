import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
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
    await l.advanceBy(10 * MINUTE);

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
