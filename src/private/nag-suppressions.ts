import { CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IConstruct } from 'constructs';
import type { DynamicScheduler, DynamicSchedulerProps } from '../dynamic-scheduler';

/**
 * cdk-nag (AwsSolutions) findings that the scheduler's design accepts, recorded as `cdk_nag` metadata on the exact
 * resources, each with the reason: users who run cdk-nag see no error from this construct, and every other finding
 * on their stack stays theirs. This is metadata only: the library does not depend on cdk-nag.
 *
 * Granular findings (IAM5) are suppressed only for the finding they name (`applies_to`), so a new wildcard
 * added by mistake is still reported.
 * @see https://github.com/cdklabs/cdk-nag#suppressing-a-rule
 */


interface Suppression {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: (string | { readonly regex: string })[];
}

/** StopExecution on `arn:...:execution:<this state machine's name>:*`. */
const EXECUTIONS_OF_THIS_MACHINE = {
  regex: '/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:\\{"Fn::Select":\\[6,\\{"Fn::Split":\\[":",\\{"Ref":"[A-Za-z0-9]+"\\}\\]\\}\\]\\}:\\*$/',
};

const KMS_ACTION_GROUPS = ['Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*'];

/** Records the accepted findings on the resources of `scheduler`, built from `props`. */
export function addNagSuppressions(scheduler: DynamicScheduler, props: DynamicSchedulerProps): void {
  const { stateMachine } = scheduler;
  const functions: lambda.IFunction[] = [scheduler.startFunction, scheduler.stopFunction, scheduler.planFunction, scheduler.failedFunction];
  const tracingEnabled = props.tracingEnabled ?? false;

  // A queue passed in by the user is the user's to configure.
  if (!props.deadLetterQueue) {
    suppress(scheduler.deadLetterQueue, [{
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the Start and Stop rules\' targets and of the handlers\' '
        + 'asynchronous invocations; a dead-letter queue of a dead-letter queue would only move the problem.',
    }]);
  }

  const machineFindings: Suppression[] = [];
  if ((props.stateMachineLogLevel ?? sfn.LogLevel.ERROR) !== sfn.LogLevel.ALL) {
    machineFindings.push({
      id: 'AwsSolutions-SF1',
      reason: 'The state machine logs ERROR by default: ALL would log every tick (two state transitions each), costing '
        + 'more than the ticks themselves. Failures are logged and emitted as Schedule Failed; set stateMachineLogLevel to ALL to audit.',
    });
  }
  if (!tracingEnabled) {
    machineFindings.push({
      id: 'AwsSolutions-SF2',
      reason: 'X-Ray tracing is opt-in (tracingEnabled), as it adds a trace per execution of a long-running schedule.',
    });
  }
  suppress(stateMachine, machineFindings);

  // The state machine's role: invoking the plan function (and its versions), and Step Functions' log delivery.
  const machineRole = (stateMachine as sfn.StateMachine).role;
  suppress(machineRole?.node.tryFindChild('DefaultPolicy'), [{
    id: 'AwsSolutions-IAM5',
    reason: 'Resource "*" holds only the CloudWatch Logs log-delivery actions (CreateLogDelivery, GetLogDelivery, '
      + 'ListLogDeliveries, PutResourcePolicy, ...) and, with tracingEnabled, X-Ray\'s PutTraceSegments: those APIs accept no '
      + 'resource ARN (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html). "<plan function>:*" is the '
      + 'plan function\'s versions and aliases, which CDK grants with lambda:InvokeFunction on the function. With '
      + 'encryptionKey, kms:ReEncrypt* and kms:GenerateDataKey* are CDK\'s encrypt/decrypt action groups on that one key.',
    applies_to: ['Resource::*', { regex: '/^Resource::<[A-Za-z0-9]+\\.Arn>:\\*$/' }, ...(props.encryptionKey ? KMS_ACTION_GROUPS : [])],
  }]);

  for (const fn of functions) {
    const role = fn.role as iam.Role | undefined;
    const appliesTo: Suppression['applies_to'] = [];
    if (fn === scheduler.startFunction || fn === scheduler.stopFunction) appliesTo.push(EXECUTIONS_OF_THIS_MACHINE);
    if (tracingEnabled) appliesTo.push('Resource::*');
    if (props.encryptionKey) appliesTo.push(...KMS_ACTION_GROUPS);
    if (appliesTo.length === 0) continue;
    suppress(role?.node.tryFindChild('DefaultPolicy'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'states:StopExecution is granted on the executions of this state machine only ("execution:<machine>:*"): '
        + 'execution names are made at run time from a hash of the schedule id. With tracingEnabled, X-Ray\'s '
        + 'PutTraceSegments/PutTelemetryRecords accept no resource ARN ("*"). With encryptionKey, kms:ReEncrypt* and '
        + 'kms:GenerateDataKey* are CDK\'s encrypt/decrypt action groups on that one key.',
      applies_to: appliesTo,
    }]);
  }
}

/** Adds suppressions to the CloudFormation resource of `scope` (the resource itself, or its default child). */
function suppress(scope: IConstruct | undefined, suppressions: Suppression[]): void {
  if (!scope || suppressions.length === 0) return;
  const resource = (CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild) as CfnResource | undefined;
  if (!resource || !CfnResource.isCfnResource(resource)) return;
  const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: Suppression[] } | undefined)?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...suppressions] });
}
