import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EngineContext, EngineParts, failedExecutionsPattern, schedulerHandler, statusChangeBus } from './engine-context';
import { shardTable } from './shard-table';
import { grantShardedAccess } from './sharded-grants';
import { shardedStateMachines } from './sharded-state-machines';
import { ENGINE_NAME, ENV, SHARD_OP } from '../contract';
import type { SchedulerEngine } from '../scheduler-engine';

/**
 * The sharded engine: a shard table, one shard function (plan, emit, keep), a Standard supervisor per shard that
 * runs Express windows, a keeper rule every minute, and a rule that restarts a shard whose supervisor failed.
 * See docs/sharded-engine.md.
 */
export function shardedEngine(scope: Construct, engine: SchedulerEngine, base: EngineContext): EngineParts {
  const { table, eventBus, deadLetterQueue, props } = base;
  const shards = shardTable(scope, props);
  const context: EngineContext = {
    ...base,
    environment: {
      ...base.environment,
      [ENV.ENGINE]: ENGINE_NAME.SHARDED,
      [ENV.SHARDS]: String(engine.shards),
      [ENV.SHARD_TABLE_NAME]: shards.tableName,
    },
  };
  const shardFunction = schedulerHandler(scope, context, 'shard', 'Plans, emits and keeps the shards of the dynamic scheduler', {
    memorySize: engine.emitterMemoryMebibytes,
    timeout: Duration.seconds(60),
  });
  const stopFunction = schedulerHandler(scope, context, 'stop', 'Handles Schedule Stop events');
  const startFunction = schedulerHandler(scope, context, 'start', 'Handles Schedule Start events');

  const { supervisor } = shardedStateMachines(scope, {
    shardFunction,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    logLevel: props.stateMachineLogLevel ?? sfn.LogLevel.ERROR,
    tracingEnabled: props.tracingEnabled ?? false,
  });
  startFunction.addEnvironment(ENV.SUPERVISOR_ARN, supervisor.stateMachineArn);
  grantShardedAccess(scope, {
    table, shardTable: shards, eventBus, supervisor, startFunction, stopFunction, shardFunction, encryptionKey: props.encryptionKey,
  });

  // A keep that fails is simply run again by the next minute's rule: no asynchronous retries of its own.
  shardFunction.configureAsyncInvoke({ retryAttempts: 0 });
  const keep = (extra: Record<string, unknown> = {}) => new targets.LambdaFunction(shardFunction, {
    event: events.RuleTargetInput.fromObject({ op: SHARD_OP.KEEP, supervisorArn: supervisor.stateMachineArn, ...extra }),
    deadLetterQueue,
    retryAttempts: 2,
    maxEventAge: Duration.minutes(2),
  });
  const keeperRule = new events.Rule(scope, 'KeeperRule', {
    description: 'Wakes shards of the dynamic scheduler that are missing or silent, every minute',
    schedule: events.Schedule.rate(Duration.minutes(1)),
    targets: [keep()],
  });
  // A supervisor that fails where no Catch sees it (States.Runtime, the history quota) is restarted by the keeper
  // at once rather than at its next minute. Status-change events go to the default bus only.
  const addExecutionFailedRule = () => new events.Rule(scope, 'SupervisorFailedRule', {
    eventBus: statusChangeBus(scope, context),
    description: 'Failed and timed-out supervisor executions of the dynamic scheduler: restarts their shard',
    eventPattern: failedExecutionsPattern(supervisor),
    targets: [keep({ failedExecutionArn: events.EventField.fromPath('$.detail.executionArn') })],
  });
  return {
    stateMachine: supervisor,
    startFunction,
    stopFunction,
    planFunction: shardFunction,
    failedFunction: shardFunction,
    addExecutionFailedRule,
    shardTable: shards,
    keeperRule,
  };
}
