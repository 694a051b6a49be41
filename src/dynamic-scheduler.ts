import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SchedulerAlarms, SchedulerAlarmsOptions } from './alarms';
import { DETAIL_TYPE, ENGINE_NAME, ENV } from './contract';
import { ScheduleEventRuleOptions } from './on-tick-options';
import { allowEventBridgeToUseDeadLetterKey, commandRule, MAX_RULE_DESCRIPTION, ruleDescription } from './private/command-rule';
import { EngineContext } from './private/engine-context';
import { addNagSuppressions } from './private/nag-suppressions';
import { perScheduleEngine } from './private/per-schedule-engine';
import { schedulesTable } from './private/schedules-table';
import { shardedEngine } from './private/sharded-engine';
import { validateProps, validateScheduleId } from './private/validate-props';
import { ScheduleEventType } from './schedule-event-type';
import { SchedulerEngine } from './scheduler-engine';

/**
 * Properties of a {@link DynamicScheduler}.
 */
export interface DynamicSchedulerProps {
  /**
   * The bus that carries Start and Stop commands and the scheduler's own events.
   *
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;

  /**
   * The `source` of every event the scheduler emits (ticks and lifecycle events).
   * Events from this source can never start or stop a schedule.
   *
   * @default - `com.<stack name>`
   */
  readonly tickSource?: string;

  /**
   * The sources allowed to start and stop schedules. Commands from other sources are not matched by the rules.
   *
   * @default - any source except the tick source
   */
  readonly allowedSources?: string[];

  /**
   * What happens to the schedules table when it is removed from the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long the item of a finished (completed, stopped) schedule is kept before DynamoDB's TTL deletes it.
   *
   * @default Duration.days(30)
   */
  readonly finishedScheduleRetention?: Duration;

  /**
   * A customer managed KMS key for the schedules table.
   *
   * @default - an AWS owned key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The queue that receives Start and Stop events (and failed-execution events) that could not be processed after
   * retries, with the original event.
   *
   * A queue encrypted with a customer managed KMS key works: the handlers' roles are granted the key, and the key
   * policy gets a statement allowing `events.amazonaws.com` `kms:GenerateDataKey` and `kms:Decrypt` for this
   * account's rules. For an imported key (`kms.Key.fromKeyArn`) the key policy cannot be changed from here: add
   * that statement to it yourself (see the README), or EventBridge cannot dead-letter to the queue.
   *
   * @default - an SQS-encrypted queue with 14 days of retention is created
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * Retention of the handlers' and the state machine's log groups.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What the state machine logs to CloudWatch Logs. `ALL` logs every tick, which costs more than the ticks.
   *
   * @default sfn.LogLevel.ERROR
   */
  readonly stateMachineLogLevel?: sfn.LogLevel;

  /**
   * Whether to emit `Schedule Started` and `Schedule Completed`. Each is a `PutEvents` entry ($1.00 per million)
   * whether or not a rule matches it; turn them off when nothing listens. `Schedule Rejected`, `Schedule Stopped`
   * and `Schedule Failed` are always emitted.
   *
   * @default true
   */
  readonly emitStartedAndCompleted?: boolean;

  /**
   * How schedules are run.
   *
   * `SchedulerEngine.perSchedule()` runs one Step Functions Standard execution per running schedule: no fixed cost,
   * each schedule's history in the console, about two state transitions ($0.05 per thousand) per tick and about
   * 750 ticks per second per account. Choose it for a handful of schedules.
   *
   * `SchedulerEngine.sharded({ shards })` groups schedules into shards, each run by one Standard supervisor that
   * plans 4 minutes at a time and emits each due second's ticks from an Express window with batched `PutEvents`:
   * a small fixed cost per shard, then close to the `PutEvents` floor per tick. Choose it for many schedules or high
   * tick rates. It adds a shard table, a shard function, two state machines and a keeper rule (`rate(1 minute)`).
   *
   * @default SchedulerEngine.perSchedule()
   * @see https://github.com/cdk-dynamic-scheduler/cdk-dynamic-scheduler/blob/main/docs/sharded-engine.md
   */
  readonly engine?: SchedulerEngine;

  /**
   * Whether to enable AWS X-Ray tracing for the handlers and the state machine.
   *
   * @default false
   */
  readonly tracingEnabled?: boolean;
}

/**
 * A scheduler driven by EventBridge events: put `Schedule Start` and `Schedule Stop` events on the
 * bus, and subscribe to `Schedule Tick` events with {@link onTick}.
 *
 * Start and Stop rules feed two Lambda functions that keep each schedule's state in a DynamoDB
 * table (keyed by `id`) and drive a Step Functions Standard state machine, which waits and emits
 * each tick with `events:PutEvents`: about two state transitions per tick, and one Lambda
 * invocation and one DynamoDB write per batch of 100 ticks.
 *
 * @example
 * const bus = new events.EventBus(this, 'Bus');
 * const scheduler = new DynamicScheduler(this, 'Scheduler', { eventBus: bus });
 * scheduler.onTick('Reminders', { scheduleIdPrefix: 'reminder:', target: new targets.LambdaFunction(fn) });
 */
export class DynamicScheduler extends Construct {
  /** The bus the scheduler listens on and emits to. */
  public readonly eventBus: events.IEventBus;
  /** The `source` of the scheduler's events. */
  public readonly tickSource: string;
  /** The table holding one item per schedule id. */
  public readonly table: dynamodb.ITable;
  /**
   * The Standard state machine that waits and emits ticks: one execution per schedule on the per-schedule engine;
   * on the sharded engine, the supervisor (one execution per shard), which runs the Express window that emits.
   */
  public readonly stateMachine: sfn.IStateMachine;
  /** Handles `Schedule Start`. */
  public readonly startFunction: lambda.IFunction;
  /** Handles `Schedule Stop`. */
  public readonly stopFunction: lambda.IFunction;
  /**
   * Plans each batch of ticks; invoked by the state machine. On the sharded engine, the shard function, which plans
   * the shards' windows, emits their ticks and restarts silent or failed shards.
   */
  public readonly planFunction: lambda.IFunction;
  /**
   * Marks the item of an execution that failed or timed out without its failure path FAILED, and reports it. On the
   * sharded engine, the shard function (see {@link planFunction}), which restarts a failed supervisor.
   */
  public readonly failedFunction: lambda.IFunction;
  /** The sharded engine's table of shard states, rosters, slots and stop markers; undefined on the per-schedule engine. */
  public readonly shardTable?: dynamodb.ITable;
  /** The sharded engine's rule that runs the shard function's keeper every minute; undefined on the per-schedule engine. */
  public readonly keeperRule?: events.IRule;
  /** Matches `Schedule Start` from the allowed sources. */
  public readonly startRule: events.IRule;
  /** Matches `Schedule Stop` from the allowed sources. */
  public readonly stopRule: events.IRule;
  /**
   * Matches the `Step Functions Execution Status Change` events (FAILED, TIMED_OUT) of this state machine on the
   * account's default bus, where Step Functions sends them whatever bus the scheduler uses. On the sharded engine it
   * matches the supervisor's, and restarts the failed shard.
   */
  public readonly executionFailedRule: events.IRule;
  /** Receives Start and Stop events that failed after retries, with the original event. */
  public readonly deadLetterQueue: sqs.IQueue;

  /** The target-less rule behind {@link metricTicksEmitted}, created on first use. */
  private tickMetricRule?: events.Rule;

  constructor(scope: Construct, id: string, props: DynamicSchedulerProps = {}) {
    super(scope, id);
    this.tickSource = props.tickSource ?? `com.${Stack.of(this).stackName}`;
    validateProps(props, this.tickSource);
    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    const table = schedulesTable(this, props);
    this.table = table;
    this.deadLetterQueue = props.deadLetterQueue ?? new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const environment = {
      [ENV.TABLE_NAME]: table.tableName,
      [ENV.EVENT_BUS_NAME]: this.eventBus.eventBusName,
      [ENV.TICK_SOURCE]: this.tickSource,
      [ENV.RETENTION_SECONDS]: String((props.finishedScheduleRetention ?? Duration.days(30)).toSeconds()),
      ...(props.emitStartedAndCompleted === false ? { [ENV.STARTED_AND_COMPLETED]: 'false' } : {}),
    };
    const engine = props.engine ?? SchedulerEngine.perSchedule();
    const context: EngineContext = {
      table, eventBus: this.eventBus, tickSource: this.tickSource, deadLetterQueue: this.deadLetterQueue, environment, props,
    };
    const parts = engine.name === ENGINE_NAME.SHARDED ? shardedEngine(this, engine, context) : perScheduleEngine(this, context);
    this.stateMachine = parts.stateMachine;
    this.startFunction = parts.startFunction;
    this.stopFunction = parts.stopFunction;
    this.planFunction = parts.planFunction;
    this.failedFunction = parts.failedFunction;
    this.shardTable = parts.shardTable;
    this.keeperRule = parts.keeperRule;

    const source = props.allowedSources ?? events.Match.anythingBut(this.tickSource);
    const command = (ruleId: string, detailType: string, fn: lambda.Function) => commandRule(this, ruleId, {
      eventBus: this.eventBus,
      description: `${detailType} commands for the dynamic scheduler`,
      eventPattern: { source, detailType: [detailType] },
      handler: fn,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.startRule = command('StartRule', DETAIL_TYPE.START, parts.startFunction);
    this.stopRule = command('StopRule', DETAIL_TYPE.STOP, parts.stopFunction);
    this.executionFailedRule = parts.addExecutionFailedRule();
    allowEventBridgeToUseDeadLetterKey(this.deadLetterQueue);
    addNagSuppressions(this, props);
  }

  /**
   * A rule matching the `Schedule Tick` events of this scheduler, optionally of one schedule or an id prefix.
   *
   * @param id the construct id of the rule
   * @param options filter, target and rule settings
   */
  public onTick(id: string, options: ScheduleEventRuleOptions = {}): events.Rule {
    return this.onScheduleEvent(id, ScheduleEventType.TICK, options);
  }

  /**
   * A rule matching one type of this scheduler's events (ticks or lifecycle events).
   *
   * @param id the construct id of the rule
   * @param eventType which events to match
   * @param options filter, target and rule settings
   */
  public onScheduleEvent(id: string, eventType: ScheduleEventType, options: ScheduleEventRuleOptions = {}): events.Rule {
    if (options.scheduleId !== undefined && options.scheduleIdPrefix !== undefined) {
      throw new Error(`Give scheduleId or scheduleIdPrefix, not both; got scheduleId: "${options.scheduleId}", scheduleIdPrefix: "${options.scheduleIdPrefix}"`);
    }
    if (options.scheduleId !== undefined && !Token.isUnresolved(options.scheduleId)) validateScheduleId('scheduleId', options.scheduleId);
    if (options.scheduleIdPrefix !== undefined && !Token.isUnresolved(options.scheduleIdPrefix)) validateScheduleId('scheduleIdPrefix', options.scheduleIdPrefix);
    const filter = options.scheduleId !== undefined
      ? { id: [options.scheduleId] }
      : options.scheduleIdPrefix !== undefined ? { id: events.Match.prefix(options.scheduleIdPrefix) } : undefined;
    const described = filter ? ` of schedule ${options.scheduleId ?? `${options.scheduleIdPrefix}*`}` : '';
    if (options.description !== undefined && !Token.isUnresolved(options.description) && options.description.length > MAX_RULE_DESCRIPTION) {
      throw new Error(`description cannot be longer than ${MAX_RULE_DESCRIPTION} characters, got ${options.description.length}: "${options.description}"`);
    }
    return new events.Rule(this, id, {
      eventBus: this.eventBus,
      ruleName: options.ruleName,
      description: options.description ?? ruleDescription(`${eventType} events${described} from ${this.tickSource}`),
      eventPattern: { source: [this.tickSource], detailType: [eventType], detail: filter },
      targets: options.target ? [options.target] : undefined,
    });
  }

  /**
   * Lets a principal put `Schedule Start` and `Schedule Stop` events on the bus, and nothing else.
   *
   * @param grantee the principal (a role, a function, a user)
   */
  public grantSchedule(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['events:PutEvents'],
      resourceArns: [this.eventBus.eventBusArn],
      conditions: { 'ForAllValues:StringEquals': { 'events:detail-type': [DETAIL_TYPE.START, DETAIL_TYPE.STOP] } },
    });
  }

  /**
   * Executions of the state machine that failed after retries (each also emits `Schedule Failed`).
   *
   * @param props options that override the defaults (period, statistic, label, ...)
   * @default - sum over 5 minutes
   */
  public metricExecutionsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed({ statistic: 'Sum', period: Duration.minutes(5), ...props });
  }

  /**
   * Start and Stop events waiting in the dead-letter queue.
   *
   * @param props options that override the defaults (period, statistic, label, ...)
   * @default - maximum over 5 minutes
   */
  public metricDeadLetteredEvents(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5), ...props });
  }

  /**
   * `Schedule Tick` events of this scheduler that reached its bus: the `AWS/Events` `MatchedEvents` metric of
   * a rule matching them.
   *
   * Side effect: the first call adds a rule to the stack (`TickMetricRule`, a child of this construct; later calls
   * reuse it), because EventBridge counts matches per rule only. The rule has no target, so it adds no cost, but it
   * counts toward the bus's quota of rules (300 per bus by default). A scheduler on which this method is never
   * called has no such rule.
   *
   * It counts ticks EventBridge accepted, whether or not any rule delivers them; a tick whose `PutEvents`
   * failed transiently is retried by the state machine and counted once accepted. Step Functions has no metric
   * per state, and its service-integration metrics are per account and region, not per state machine.
   * EventBridge delivers its metrics to CloudWatch on a best-effort basis.
   *
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
   * @param props options that override the defaults (period, statistic, label, ...)
   * @default - sum over 5 minutes
   */
  public metricTicksEmitted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.tickMetricRule ??= new events.Rule(this, 'TickMetricRule', {
      eventBus: this.eventBus,
      description: ruleDescription(`Counts the ${DETAIL_TYPE.TICK} events from ${this.tickSource} (MatchedEvents); no target`),
      eventPattern: { source: [this.tickSource], detailType: [DETAIL_TYPE.TICK] },
    });
    // Rules on the default bus report RuleName only; rules on custom buses report EventBusName and RuleName.
    const busName = this.eventBus.eventBusName;
    const onDefaultBus = !Token.isUnresolved(busName) && busName === 'default';
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'MatchedEvents',
      dimensionsMap: onDefaultBus
        ? { RuleName: this.tickMetricRule.ruleName }
        : { EventBusName: busName, RuleName: this.tickMetricRule.ruleName },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /**
   * Creates CloudWatch alarms on failed executions ({@link metricExecutionsFailed}) and dead-lettered Start
   * and Stop events ({@link metricDeadLetteredEvents}), and returns them. Missing data (no failures) is not
   * breaching. Call it once per scheduler.
   *
   * @param options thresholds, period, names and actions
   */
  public addAlarms(options: SchedulerAlarmsOptions = {}): SchedulerAlarms {
    if (this.node.tryFindChild('ExecutionsFailedAlarm')) {
      throw new Error(`addAlarms() was already called on ${this.node.path}; call it once and use the alarms it returned`);
    }
    const period = options.period ?? Duration.minutes(5);
    const common = {
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const name = (suffix: string) => (options.alarmNamePrefix !== undefined ? `${options.alarmNamePrefix}${suffix}` : undefined);
    const alarms: SchedulerAlarms = {
      executionsFailed: this.metricExecutionsFailed({ period }).createAlarm(this, 'ExecutionsFailedAlarm', {
        ...common,
        alarmName: name('ExecutionsFailed'),
        threshold: options.executionsFailedThreshold ?? 1,
        alarmDescription: 'Dynamic scheduler executions failed after retries: each failed run emitted a Schedule Failed '
          + 'event and its item is marked FAILED. Read the failed execution\'s history in the Step Functions console.',
      }),
      deadLetteredEvents: this.metricDeadLetteredEvents({ period }).createAlarm(this, 'DeadLetteredEventsAlarm', {
        ...common,
        alarmName: name('DeadLetteredEvents'),
        threshold: options.deadLetteredEventsThreshold ?? 1,
        alarmDescription: 'Schedule Start or Stop events failed after retries and wait in the dead-letter queue, '
          + 'with the original event and the error. Fix the cause, then send the commands again.',
      }),
    };
    for (const action of options.alarmActions ?? []) {
      alarms.executionsFailed.addAlarmAction(action);
      alarms.deadLetteredEvents.addAlarmAction(action);
    }
    return alarms;
  }
}
