import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DETAIL_TYPE, MACHINE_ERROR, MACHINE_PATH, PLAN_ACTION, STATUS } from '../contract';

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
      destination: new logs.LogGroup(scope, 'StateMachineLogs', {
        logGroupName: stateMachineLogGroupName(scope),
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      level: props.logLevel,
      includeExecutionData: false,
    },
  });
}

/**
 * The state machine's log group: `/aws/vendedlogs/states/<stack name>-<path of the scheduler>-<hash>`. Step Functions
 * adds every log group it delivers to to the account's CloudWatch Logs resource policy, which is limited to 5,120
 * characters; log groups under `/aws/vendedlogs/` are covered without growing it. The stack name (unique per account
 * and region) and the scheduler's path and its hash (unique per stack) keep the name unique per scheduler.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html
 */
export function stateMachineLogGroupName(scope: Construct): string {
  return `/aws/vendedlogs/states/${Stack.of(scope).stackName}-${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}`;
}

/**
 * The `events:putEvents` integration fails a Task with `EventBridge.FailedEntry` when an entry failed; this is the
 * one error name AWS documents for it. Step Functions resends all entries on a retry; ours is one entry.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html
 */
const EVENTBRIDGE_FAILED_ENTRY = ['EventBridge.FailedEntry'];

/**
 * Transient Lambda service errors as AWS documents them for the `lambda:invoke` integration (500s reported as
 * `Lambda.<ErrorName>`, and `Lambda.TooManyRequestsException` when Lambda hits its invocation limit).
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
 */
export const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];

/**
 * Transient errors of the optimized DynamoDB integration (`DynamoDB.<DynamoDB API error name>`): throttling and
 * service faults, and `DynamoDB.AmazonDynamoDBException`, the integration's generic name. AWS publishes no table of
 * them for Step Functions; the names are DynamoDB's API errors with the integration's prefix.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html
 */
const DYNAMODB_TRANSIENT = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.ThrottlingException',
  'DynamoDB.RequestLimitExceeded',
  'DynamoDB.InternalServerErrorException',
  'DynamoDB.AmazonDynamoDBException',
];

/**
 * Where AWS documents no name for an error, a last retrier on `States.TaskFailed` (any Task error but
 * `States.Timeout`) retries it a few times: Lambda's `Lambda.Unknown` (timeouts, out of memory), a function error of
 * the plan step (its own SDK calls failed), an API error of PutEvents. None of our Tasks sets `TimeoutSeconds` or
 * `HeartbeatSeconds`, so `States.Timeout` can never occur and has no retrier.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
export const ANY_TASK_ERROR = ['States.TaskFailed'];

export const backoff = (maxAttempts: number): sfn.RetryProps => ({
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
    task.addRetry({ errors: EVENTBRIDGE_FAILED_ENTRY, ...backoff(8) });
    task.addRetry({ errors: ANY_TASK_ERROR, ...backoff(3) });
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
  // A failed condition is an answer (the run is over or superseded), never retried: the first matching retrier wins.
  markFailed.addRetry({ errors: ['DynamoDB.ConditionalCheckFailedException'], maxAttempts: 0 });
  markFailed.addRetry({ errors: DYNAMODB_TRANSIENT, ...backoff(6) });
  markFailed.addRetry({ errors: ANY_TASK_ERROR, ...backoff(3) });
  // `$.failure` is a Catch's error output: `Error` is always there, `Cause` only when the error had one, and a path
  // to a missing field is a States.Runtime error that no Catch handles. So the object goes out whole.
  const emitFailed = putEvent('EmitFailed', DETAIL_TYPE.FAILED, sfn.TaskInput.fromObject({
    id: sfn.JsonPath.stringAt(MACHINE_PATH.id),
    runId: sfn.JsonPath.stringAt(MACHINE_PATH.runId),
    error: sfn.JsonPath.stringAt('$.failure.Error'),
    failure: sfn.JsonPath.objectAt('$.failure'),
  }));
  // The execution's own error says whether `Schedule Failed` went out: the failed handler, which receives every
  // FAILED execution of this machine, reports only the ones that did not.
  // A fixed cause: the error and cause of the failure are in `Schedule Failed` and in the execution's history.
  const cause = 'The schedule failed after its retries; the item is marked FAILED (when still this run) and $.failure holds the error';
  const failed = new sfn.Fail(scope, 'Failed', { error: MACHINE_ERROR.REPORTED, cause });
  const failedUnreported = new sfn.Fail(scope, 'FailedUnreported', { error: MACHINE_ERROR.UNREPORTED, cause });
  // Already failed elsewhere or superseded: still report, the run is over either way.
  markFailed.addCatch(emitFailed, { errors: ['States.ALL'], resultPath: '$.markFailedError' });
  markFailed.next(emitFailed);
  emitFailed.addCatch(failedUnreported, { errors: ['States.ALL'], resultPath: '$.emitFailedError' });
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
  plan.addRetry({ errors: ANY_TASK_ERROR, ...backoff(8) });
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
