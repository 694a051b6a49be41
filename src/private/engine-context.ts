import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { STATUS_CHANGE_DETAIL_TYPE } from '../contract';
import type { DynamicSchedulerProps } from '../dynamic-scheduler';
import { handlerFunction } from './handler-function';

/** What both engines are built from: the resources and settings the construct makes before choosing one. */
export interface EngineContext {
  readonly table: dynamodb.ITable;
  readonly eventBus: events.IEventBus;
  readonly tickSource: string;
  readonly deadLetterQueue: sqs.IQueue;
  /** The handlers' environment; an engine may add its own names. */
  readonly environment: Record<string, string>;
  readonly props: DynamicSchedulerProps;
}

/** What an engine gives the construct to expose and to wire the command rules to. */
export interface EngineParts {
  readonly stateMachine: sfn.StateMachine;
  readonly startFunction: lambda.Function;
  readonly stopFunction: lambda.Function;
  readonly planFunction: lambda.Function;
  readonly failedFunction: lambda.Function;
  /**
   * Adds the rule on the engine's failed executions. Called after the command rules, so that their statements keep
   * their order in the dead-letter queue's policy (a reordered policy is an update on deploy).
   */
  readonly addExecutionFailedRule: () => events.IRule;
  readonly shardTable?: dynamodb.ITable;
  readonly keeperRule?: events.IRule;
}

/** A handler function of the scheduler, with the context's environment, logs and tracing. */
export function schedulerHandler(
  scope: Construct,
  context: EngineContext,
  name: string,
  description: string,
  options: { memorySize?: number; timeout?: Duration } = {},
): lambda.Function {
  return handlerFunction(scope, {
    name,
    description,
    environment: context.environment,
    logRetention: context.props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    tracingEnabled: context.props.tracingEnabled ?? false,
    ...options,
  });
}

/**
 * The bus that receives a state machine's "Step Functions Execution Status Change" events: always the account's
 * default bus, whatever bus the scheduler uses.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
 */
export function statusChangeBus(scope: Construct, context: EngineContext): events.IEventBus {
  return context.props.eventBus ? events.EventBus.fromEventBusName(scope, 'AccountDefaultBus', 'default') : context.eventBus;
}

/** The event pattern of a state machine's failed and timed-out executions. */
export function failedExecutionsPattern(stateMachine: sfn.IStateMachine): events.EventPattern {
  return {
    source: ['aws.states'],
    detailType: [STATUS_CHANGE_DETAIL_TYPE],
    detail: { stateMachineArn: [stateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT'] },
  };
}
