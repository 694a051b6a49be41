import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** A rule that delivers one kind of event (`Schedule Start`, `Schedule Stop`, a failed execution) to its handler. */
export interface CommandRuleProps {
  readonly eventBus: events.IEventBus;
  readonly description: string;
  readonly eventPattern: events.EventPattern;
  readonly handler: lambda.Function;
  /** Receives what still fails after EventBridge's and Lambda's retries, with the original event. */
  readonly deadLetterQueue: sqs.IQueue;
}

/** EventBridge and CloudFormation refuse rule descriptions longer than this. */
export const MAX_RULE_DESCRIPTION = 512;

/**
 * A rule description of at most 512 characters: a longer one is cut, and ends with `…` to say so.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
 */
export function ruleDescription(text: string): string {
  return text.length <= MAX_RULE_DESCRIPTION ? text : `${text.slice(0, MAX_RULE_DESCRIPTION - 1)}…`;
}

/**
 * The rule and its delivery: EventBridge retries delivery for up to 24 hours (185 attempts), then dead-letters the
 * event; Lambda retries a failed asynchronous invocation twice, then sends it to the same queue.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 */
export function commandRule(scope: Construct, id: string, props: CommandRuleProps): events.Rule {
  props.handler.configureAsyncInvoke({ retryAttempts: 2, onFailure: new destinations.SqsDestination(props.deadLetterQueue) });
  const rule = new events.Rule(scope, id, {
    eventBus: props.eventBus,
    description: ruleDescription(props.description),
    eventPattern: props.eventPattern,
    targets: [new targets.LambdaFunction(props.handler, {
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    })],
  });
  return rule;
}

/**
 * EventBridge sends to an SQS dead-letter queue as `events.amazonaws.com`. With a customer managed KMS key, SQS
 * needs that principal to be allowed `kms:GenerateDataKey` and `kms:Decrypt` by the key policy; CDK adds the queue
 * policy but not this (aws/aws-cdk#33169). The statement is scoped to this account's rules (`aws:SourceAccount`,
 * `aws:SourceArn`): naming the rules themselves would close a cycle (key -> rule -> queue -> key). For an imported
 * key (`kms.Key.fromKeyArn`) `addToResourcePolicy` changes nothing: its owner must add the statement (see README).
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
 */
export function allowEventBridgeToUseDeadLetterKey(queue: sqs.IQueue): void {
  const stack = Stack.of(queue);
  queue.encryptionMasterKey?.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowEventBridgeToSendDeadLetters',
    principals: [new iam.ServicePrincipal('events.amazonaws.com')],
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resources: ['*'],
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/*` },
    },
  }));
}
