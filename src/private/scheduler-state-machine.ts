import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DETAIL_TYPE, MACHINE_PATH, PLAN_ACTION, STATUS } from '../contract';

export interface SchedulerDefinitionProps {
  readonly eventBus: events.IEventBus;
  readonly tickSource: string;
  readonly planFunction: lambda.IFunction;
  readonly table: dynamodb.ITable;
}

/** How the scheduler's state machine is built. */
export interface SchedulerStateMachineProps extends SchedulerDefinitionProps {
  readonly logRetention: logs.RetentionDays;
  readonly logLevel: sfn.LogLevel;
  readonly tracingEnabled: boolean;
}

/** The Standard state machine that waits and emits ticks, with its log group. */
export function schedulerStateMachine(scope: Construct, props: SchedulerStateMachineProps): sfn.StateMachine {
  return new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineType: sfn.StateMachineType.STANDARD,
    comment: 'Waits for each occurrence of a dynamic schedule and emits Schedule Tick events',
    definitionBody: sfn.DefinitionBody.fromChainable(schedulerDefinition(new Construct(scope, 'Definition'), props)),
    tracingEnabled: props.tracingEnabled,
    logs: {
      destination: new logs.LogGroup(scope, 'StateMachineLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      level: props.logLevel,
      includeExecutionData: false,
    },
  });
}

/** Transient errors of the `events:putEvents` integration. */
const EVENTBRIDGE_TRANSIENT = [
  'EventBridge.FailedEntry',
  'EventBridge.EventBridgeException',
  'EventBridge.InternalException',
  'EventBridge.ThrottlingException',
  'EventBridge.SdkClientException',
  'States.Timeout',
];

/** Errors of a Lambda invoke worth retrying: throttling, service faults, and a failed plan step (its SDK calls failed). */
const LAMBDA_TRANSIENT = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'States.TaskFailed',
  'States.Timeout',
];

const backoff = (maxAttempts: number): sfn.RetryProps => ({
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxAttempts,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
});

/**
 * The scheduler's state machine (JSONPath). Steady state is two transitions per tick, a Wait and
 * a PutEvents inside an inline Map over a batch; a plan step (one Lambda invocation, one DynamoDB
 * write) runs once per batch. Every task retries transient errors with backoff; anything that still
 * fails marks the schedule failed and emits `Schedule Failed`.
 *
 * ```
 * Announce? ─▶ EmitStarted ─▶ Route ─┬─ emit ─────▶ EmitTicks (Map: WaitForTick ─▶ EmitTick) ─▶ Plan ─▶ Route
 *                                    ├─ sleep ────▶ Sleep ─▶ Plan
 *                                    ├─ complete ─▶ EmitCompleted ─▶ Done
 *                                    ├─ end ──────▶ Done
 *                                    └─ check ────▶ Plan
 * ```
 */
export function schedulerDefinition(scope: Construct, props: SchedulerDefinitionProps): sfn.IChainable {
  const { eventBus, tickSource } = props;
  const putEvent = (id: string, detailType: string, detail: sfn.TaskInput, outputPath?: string) => {
    const task = new tasks.EventBridgePutEvents(scope, id, {
      entries: [{ eventBus, source: tickSource, detailType, detail }],
      resultPath: sfn.JsonPath.DISCARD,
      outputPath,
    });
    task.addRetry({ errors: EVENTBRIDGE_TRANSIENT, ...backoff(8) });
    return task;
  };

  // ---- failure path: mark the run failed (only if it is still this run) and tell subscribers
  const markFailed = new tasks.DynamoUpdateItem(scope, 'MarkFailed', {
    table: props.table,
    key: { id: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(MACHINE_PATH.id)) },
    updateExpression: 'SET #status = :failed, reason = :reason, updatedAt = :now, finishedAt = :now REMOVE nextAt',
    conditionExpression: 'runId = :runId AND #status = :running',
    expressionAttributeNames: { '#status': 'status' },
    expressionAttributeValues: {
      ':failed': tasks.DynamoAttributeValue.fromString(STATUS.FAILED),
      ':running': tasks.DynamoAttributeValue.fromString(STATUS.RUNNING),
      ':runId': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(MACHINE_PATH.runId)),
      ':reason': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.failure.Error')),
      ':now': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  markFailed.addRetry({
    errors: ['DynamoDB.ProvisionedThroughputExceededException', 'DynamoDB.ThrottlingException', 'DynamoDB.InternalServerErrorException', 'DynamoDB.RequestLimitExceeded', 'States.Timeout'],
    ...backoff(6),
  });
  const emitFailed = putEvent('EmitFailed', DETAIL_TYPE.FAILED, sfn.TaskInput.fromObject({
    id: sfn.JsonPath.stringAt(MACHINE_PATH.id),
    runId: sfn.JsonPath.stringAt(MACHINE_PATH.runId),
    error: sfn.JsonPath.stringAt('$.failure.Error'),
    cause: sfn.JsonPath.stringAt('$.failure.Cause'),
  }));
  const failed = new sfn.Fail(scope, 'Failed', { error: 'ScheduleFailed', causePath: '$.failure.Cause' });
  // Already failed elsewhere or superseded: still report, the run is over either way.
  markFailed.addCatch(emitFailed, { errors: ['States.ALL'], resultPath: '$.markFailedError' });
  markFailed.next(emitFailed);
  emitFailed.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.emitFailedError' });
  emitFailed.next(failed);
  const onFailure = (state: sfn.TaskStateBase | sfn.Map) => state.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.failure' });

  // ---- the tick loop
  const waitForTick = new sfn.Wait(scope, 'WaitForTick', { time: sfn.WaitTime.timestampPath(MACHINE_PATH.tickScheduledAt) });
  const emitTick = putEvent(
    'EmitTick',
    DETAIL_TYPE.TICK,
    sfn.TaskInput.fromJsonPathAt(sfn.JsonPath.jsonMerge(sfn.JsonPath.objectAt(MACHINE_PATH.common), sfn.JsonPath.objectAt('$.tick'))),
    // Keep the Map's collected result tiny: a number per tick, never the payload.
    MACHINE_PATH.tickSequence,
  );
  const emitTicks = new sfn.Map(scope, 'EmitTicks', {
    itemsPath: MACHINE_PATH.planTicks,
    itemSelector: {
      tick: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
      common: sfn.JsonPath.objectAt(MACHINE_PATH.common),
    },
    maxConcurrency: 1,
    resultPath: sfn.JsonPath.DISCARD,
  });
  emitTicks.itemProcessor(waitForTick.next(emitTick));
  onFailure(emitTicks);

  const plan = new tasks.LambdaInvoke(scope, 'Plan', {
    lambdaFunction: props.planFunction,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    payload: sfn.TaskInput.fromObject({
      state: sfn.JsonPath.entirePayload,
      executionArn: sfn.JsonPath.executionId,
      executionStartTime: sfn.JsonPath.executionStartTime,
      stateMachineArn: sfn.JsonPath.stateMachineId,
    }),
  });
  plan.addRetry({ errors: LAMBDA_TRANSIENT, ...backoff(8) });
  onFailure(plan);

  const sleep = new sfn.Wait(scope, 'Sleep', { time: sfn.WaitTime.timestampPath(MACHINE_PATH.planWakeAt) });
  const emitCompleted = putEvent('EmitCompleted', DETAIL_TYPE.COMPLETED, sfn.TaskInput.fromJsonPathAt(MACHINE_PATH.planCompleted));
  onFailure(emitCompleted);
  const done = new sfn.Succeed(scope, 'Done');

  const route = new sfn.Choice(scope, 'Route')
    .when(sfn.Condition.stringEquals(MACHINE_PATH.planAction, PLAN_ACTION.EMIT), emitTicks)
    .when(sfn.Condition.stringEquals(MACHINE_PATH.planAction, PLAN_ACTION.SLEEP), sleep)
    .when(sfn.Condition.stringEquals(MACHINE_PATH.planAction, PLAN_ACTION.COMPLETE), emitCompleted)
    .when(sfn.Condition.stringEquals(MACHINE_PATH.planAction, PLAN_ACTION.END), done)
    .when(sfn.Condition.stringEquals(MACHINE_PATH.planAction, PLAN_ACTION.CHECK), plan)
    // Every action the plan step returns is routed above; anything else is a bug, and failing says so.
    .otherwise(new sfn.Fail(scope, 'UnknownPlanAction', { error: 'UnknownPlanAction', causePath: MACHINE_PATH.planAction }));
  emitTicks.next(plan);
  sleep.next(plan);
  plan.next(route);
  emitCompleted.next(done);

  const emitStarted = putEvent('EmitStarted', DETAIL_TYPE.STARTED, sfn.TaskInput.fromJsonPathAt(MACHINE_PATH.started));
  onFailure(emitStarted);
  emitStarted.next(route);
  return new sfn.Choice(scope, 'Announce')
    .when(sfn.Condition.isPresent(MACHINE_PATH.started), emitStarted)
    .otherwise(route);
}
