/**
 * Security: cdk-nag's AwsSolutions pack finds no error and no warning on a stack with the construct, in its default
 * configuration and with every option on; the findings the design accepts are suppressed on the exact resources
 * and findings, with a reason, so anything new is still reported.
 */
import { App, Aspects, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DynamicScheduler, DynamicSchedulerProps, SchedulerEngine, ScheduleEventType } from '../../src';

function nagged(configure: (stack: Stack) => DynamicSchedulerProps = () => ({}), extend?: (scheduler: DynamicScheduler, stack: Stack) => void) {
  const app = new App();
  const stack = new Stack(app, 'AppStack');
  const scheduler = new DynamicScheduler(stack, 'Scheduler', configure(stack));
  extend?.(scheduler, stack);
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  const pattern = Match.stringLikeRegexp('AwsSolutions-.*');
  // "<path>: <rule>[<finding>]", without the rule's explanation.
  const format = (findings: { id: string; entry: { data?: unknown } }[]) =>
    findings.map((f) => `${f.id}: ${/^AwsSolutions-[A-Za-z0-9]+(\[[^\]]*\])?/.exec(String(f.entry.data))?.[0]}`);
  return {
    stack,
    scheduler,
    errors: format(Annotations.fromStack(stack).findError('*', pattern)),
    warnings: format(Annotations.fromStack(stack).findWarning('*', pattern)),
  };
}

test('GIVEN the default configuration THEN AwsSolutions reports no error and no warning', () => {
  const { errors, warnings } = nagged();
  expect(errors).toEqual([]);
  expect(warnings).toEqual([]);
});

test('GIVEN every option on (custom bus, customer key, tracing, ALL logs, allowed sources, alarms, rules) THEN AwsSolutions reports no error and no warning', () => {
  const { errors, warnings } = nagged((stack) => ({
    eventBus: new events.EventBus(stack, 'Bus'),
    encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
    tracingEnabled: true,
    stateMachineLogLevel: sfn.LogLevel.ALL,
    allowedSources: ['billing', 'reminders'],
    logRetention: logs.RetentionDays.ONE_YEAR,
  }), (scheduler, stack) => {
    scheduler.addAlarms();
    scheduler.metricTicksEmitted();
    const queue = new sqs.Queue(stack, 'Ticks', { enforceSSL: true, deadLetterQueue: { queue: new sqs.Queue(stack, 'TicksDlq', { enforceSSL: true }), maxReceiveCount: 3 } });
    scheduler.onTick('ToQueue', { scheduleIdPrefix: 'invoice:', target: new targets.SqsQueue(queue) });
    scheduler.onScheduleEvent('Failed', ScheduleEventType.FAILED);
  });
  // The user's own queues are theirs to configure (AwsSolutions-SQS3 on their DLQ, say); the scheduler's are clean.
  expect(errors.filter((e) => e.includes('/Scheduler/'))).toEqual([]);
  expect(warnings.filter((w) => w.includes('/Scheduler/'))).toEqual([]);
});

test('GIVEN the user\'s own dead-letter queue THEN the scheduler suppresses nothing on it', () => {
  const { stack, errors } = nagged((s) => ({ deadLetterQueue: new sqs.Queue(s, 'MyDlq', { enforceSSL: true }) }));
  const queue = stack.node.findChild('MyDlq').node.defaultChild as CfnResource;
  expect(queue.getMetadata('cdk_nag')).toBeUndefined();
  expect(errors).toEqual(['/AppStack/MyDlq/Resource: AwsSolutions-SQS3']);
});

test('GIVEN a wildcard grant added to a handler WHEN checked THEN it is still reported: the suppressions are narrow', () => {
  const { errors } = nagged(() => ({}), (scheduler) => {
    scheduler.startFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    scheduler.stopFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:*'], resources: [scheduler.stateMachine.stateMachineArn] }));
  });
  expect(errors.sort()).toEqual([
    '/AppStack/Scheduler/StartFunctionRole/DefaultPolicy/Resource: AwsSolutions-IAM5[Resource::*]',
    '/AppStack/Scheduler/StopFunctionRole/DefaultPolicy/Resource: AwsSolutions-IAM5[Action::states:*]',
  ]);
});

test('every suppression names its rule, explains itself, and is granular for IAM5; nothing needs IAM4 (no managed policies)', () => {
  const { stack } = nagged((s) => ({ encryptionKey: new kms.Key(s, 'Key', { enableKeyRotation: true }), tracingEnabled: true }));
  const suppressions = stack.node.findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c))
    .flatMap((resource) => ((resource.getMetadata('cdk_nag') as any)?.rules_to_suppress ?? []).map((s: any) => ({ path: resource.node.path, ...s })));
  expect(suppressions.length).toBeGreaterThanOrEqual(5);
  for (const s of suppressions) {
    expect(s.path).toContain('/Scheduler/');
    expect(s.id).toMatch(/^AwsSolutions-[A-Z]+\d+$/);
    expect(s.reason.length).toBeGreaterThan(60);
    if (s.id === 'AwsSolutions-IAM4' || s.id === 'AwsSolutions-IAM5') expect(s.applies_to?.length).toBeGreaterThan(0);
  }
  expect(new Set(suppressions.map((s: any) => s.id))).toEqual(new Set(['AwsSolutions-SQS3', 'AwsSolutions-SF1', 'AwsSolutions-IAM5']));
});

describe('the sharded engine', () => {
  test('GIVEN its default configuration THEN AwsSolutions reports no error and no warning', () => {
    const { errors, warnings } = nagged(() => ({ engine: SchedulerEngine.sharded() }));
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test('GIVEN every option on (custom bus, customer key, tracing, ALL logs, allowed sources, alarms) THEN AwsSolutions reports no error and no warning', () => {
    const { errors, warnings } = nagged((stack) => ({
      engine: SchedulerEngine.sharded({ shards: 16 }),
      eventBus: new events.EventBus(stack, 'Bus'),
      encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
      tracingEnabled: true,
      stateMachineLogLevel: sfn.LogLevel.ALL,
      allowedSources: ['billing', 'reminders'],
    }), (scheduler) => {
      scheduler.addAlarms();
    });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test('GIVEN a wildcard grant added to the shard function or the window WHEN checked THEN it is still reported', () => {
    const { errors } = nagged(() => ({ engine: SchedulerEngine.sharded() }), (scheduler) => {
      scheduler.planFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
      scheduler.startFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:*'], resources: [scheduler.stateMachine.stateMachineArn] }));
    });
    expect(errors.sort()).toEqual([
      '/AppStack/Scheduler/ShardFunctionRole/DefaultPolicy/Resource: AwsSolutions-IAM5[Resource::*]',
      '/AppStack/Scheduler/StartFunctionRole/DefaultPolicy/Resource: AwsSolutions-IAM5[Action::states:*]',
    ]);
  });
});
