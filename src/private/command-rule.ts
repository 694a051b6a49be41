import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** A rule that delivers one command (`Schedule Start` or `Schedule Stop`) to its handler. */
export interface CommandRuleProps {
  readonly eventBus: events.IEventBus;
  readonly detailType: string;
  /** The sources the rule matches: the allowed ones, or anything but the tick source. */
  readonly sources: string[];
  readonly handler: lambda.Function;
  /** Receives what still fails after EventBridge's and Lambda's retries, with the original event. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The rule and its delivery: EventBridge retries delivery for up to 24 hours (185 attempts), then dead-letters the
 * event; Lambda retries a failed asynchronous invocation twice, then sends it to the same queue.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 */
export function commandRule(scope: Construct, id: string, props: CommandRuleProps): events.Rule {
  props.handler.configureAsyncInvoke({ retryAttempts: 2, onFailure: new destinations.SqsDestination(props.deadLetterQueue) });
  return new events.Rule(scope, id, {
    eventBus: props.eventBus,
    description: `${props.detailType} commands for the dynamic scheduler`,
    eventPattern: { source: props.sources, detailType: [props.detailType] },
    targets: [new targets.LambdaFunction(props.handler, {
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    })],
  });
}
