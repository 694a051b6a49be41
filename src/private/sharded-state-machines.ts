import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { SHARD_OP, SHARD_PATH, SHARD_ROUTE, WINDOW_TIMEOUT_SECONDS } from '../contract';
import { ANY_TASK_ERROR, backoff, LAMBDA_TRANSIENT, stateMachineLogGroupName } from './scheduler-state-machine';

/** How the sharded engine's state machines are built. */
export interface ShardedStateMachinesProps {
  readonly shardFunction: lambda.IFunction;
  readonly logRetention: logs.RetentionDays;
  readonly logLevel: sfn.LogLevel;
  readonly tracingEnabled: boolean;
}

/** The supervisor (Standard, one execution per shard) and the window it runs (Express). */
export interface ShardedStateMachines {
  readonly supervisor: sfn.StateMachine;
  readonly window: sfn.StateMachine;
}

/**
 * The sharded engine's two state machines. The supervisor plans each shard's next 240 s and either runs an Express
 * window over the active seconds (billed by duration, not by transition), or sleeps until a minute before the next
 * occurrence. Neither carries ids or payloads in its state: only the shard, its epoch and up to 241 second numbers.
 *
 * ```
 * Supervisor: Plan ─▶ Route ─┬─ window ───▶ RunWindow (startExecution.sync:2 ─▶ Window) ─▶ Plan
 *                            ├─ sleep ────▶ Sleep (until $.sleepUntil) ─▶ Plan
 *                            ├─ handover ─▶ Done   (the plan step started the next generation)
 *                            └─ fenced ───▶ Done   (a newer epoch owns the shard)
 * Window:     WaitNext (until $.at) ─▶ Emit ─▶ More? ─┬─ yes ─▶ WaitNext
 *                                                     └─ no ──▶ Done
 * ```
 */
export function shardedStateMachines(scope: Construct, props: ShardedStateMachinesProps): ShardedStateMachines {
  const window = new sfn.StateMachine(scope, 'Window', {
    stateMachineType: sfn.StateMachineType.EXPRESS,
    comment: 'Emits the ticks of a shard\'s active seconds, one Emit per second, for at most one plan window',
    definitionBody: sfn.DefinitionBody.fromChainable(windowDefinition(new Construct(scope, 'WindowDefinition'), props)),
    // Express executions last at most 5 minutes; a window covers 241 s plus the plan's lag.
    // @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
    timeout: Duration.seconds(WINDOW_TIMEOUT_SECONDS),
    tracingEnabled: props.tracingEnabled,
    logs: logsOf(scope, 'WindowLogs', 'window', props),
  });
  const supervisor = new sfn.StateMachine(scope, 'Supervisor', {
    stateMachineType: sfn.StateMachineType.STANDARD,
    comment: 'Supervises one shard of the dynamic scheduler: plans its next window, runs it, or sleeps',
    definitionBody: sfn.DefinitionBody.fromChainable(supervisorDefinition(new Construct(scope, 'SupervisorDefinition'), props, window)),
    tracingEnabled: props.tracingEnabled,
    logs: logsOf(scope, 'SupervisorLogs', 'supervisor', props),
  });
  return { supervisor, window };
}

function logsOf(scope: Construct, id: string, suffix: string, props: ShardedStateMachinesProps): sfn.LogOptions {
  return {
    destination: new logs.LogGroup(scope, id, {
      logGroupName: `${stateMachineLogGroupName(scope)}-${suffix}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    }),
    level: props.logLevel,
    includeExecutionData: false,
  };
}

/** A shard function step: transient Lambda errors and the function's own failures are retried with backoff. */
function shardStep(scope: Construct, id: string, fn: lambda.IFunction, payload: Record<string, unknown>): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    payload: sfn.TaskInput.fromObject(payload),
  });
  task.addRetry({ errors: LAMBDA_TRANSIENT, ...backoff(8) });
  task.addRetry({ errors: ANY_TASK_ERROR, ...backoff(6) });
  return task;
}

function windowDefinition(scope: Construct, props: ShardedStateMachinesProps): sfn.IChainable {
  // Every `at` is a whole second: Step Functions drops a timestamp's milliseconds.
  const waitNext = new sfn.Wait(scope, 'WaitNext', { time: sfn.WaitTime.timestampPath(SHARD_PATH.windowAt) });
  const emit = shardStep(scope, 'Emit', props.shardFunction, { op: SHARD_OP.EMIT, window: sfn.JsonPath.entirePayload });
  const more = new sfn.Choice(scope, 'More')
    .when(sfn.Condition.booleanEquals(SHARD_PATH.windowMore, true), waitNext)
    .otherwise(new sfn.Succeed(scope, 'Done'));
  return waitNext.next(emit).next(more);
}

function supervisorDefinition(scope: Construct, props: ShardedStateMachinesProps, window: sfn.IStateMachine): sfn.IChainable {
  const plan = shardStep(scope, 'Plan', props.shardFunction, {
    op: SHARD_OP.PLAN,
    state: {
      shard: sfn.JsonPath.numberAt(SHARD_PATH.shard),
      epoch: sfn.JsonPath.numberAt(SHARD_PATH.epoch),
      generation: sfn.JsonPath.numberAt(SHARD_PATH.generation),
      plans: sfn.JsonPath.numberAt(SHARD_PATH.plans),
    },
    supervisorArn: sfn.JsonPath.stateMachineId,
  });
  const runWindow = new tasks.StepFunctionsStartExecution(scope, 'RunWindow', {
    stateMachine: window,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    input: sfn.TaskInput.fromJsonPathAt(SHARD_PATH.window),
    resultPath: sfn.JsonPath.DISCARD,
  });
  // A window that failed after its own retries is run again by the next plan, from the watermark (at least once).
  runWindow.addRetry({ errors: ANY_TASK_ERROR, ...backoff(3) });
  const sleep = new sfn.Wait(scope, 'Sleep', { time: sfn.WaitTime.timestampPath(SHARD_PATH.sleepUntil) });
  const done = new sfn.Succeed(scope, 'Done');
  const route = new sfn.Choice(scope, 'Route')
    .when(sfn.Condition.stringEquals(SHARD_PATH.route, SHARD_ROUTE.WINDOW), runWindow)
    .when(sfn.Condition.stringEquals(SHARD_PATH.route, SHARD_ROUTE.SLEEP), sleep)
    .when(sfn.Condition.stringEquals(SHARD_PATH.route, SHARD_ROUTE.HANDOVER), done)
    .when(sfn.Condition.stringEquals(SHARD_PATH.route, SHARD_ROUTE.FENCED), done)
    .otherwise(new sfn.Fail(scope, 'UnknownRoute', { error: 'UnknownRoute', causePath: SHARD_PATH.route }));
  runWindow.next(plan);
  sleep.next(plan);
  return plan.next(route);
}
