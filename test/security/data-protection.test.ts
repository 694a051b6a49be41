/**
 * Security: data at rest and user strings. The table is encrypted (an AWS key by default, the customer's key with
 * `encryptionKey`) and has point-in-time recovery; the dead-letter queue is encrypted and refuses plain HTTP; no
 * schedule id (a user string) reaches an execution name or ARN, in the first execution, a hand-over or a restart.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { LocalScheduler } from '../../local/src';
import { DynamicScheduler, DynamicSchedulerProps } from '../../src';

function template(props: (stack: Stack) => DynamicSchedulerProps = () => ({})): Template {
  const stack = new Stack(new App(), 'AppStack');
  new DynamicScheduler(stack, 'Scheduler', props(stack));
  return Template.fromStack(stack);
}

describe('the schedules table', () => {
  test('is encrypted at rest with an AWS key by default (never a plain-text table), with point-in-time recovery', () => {
    const [table] = Object.values(template().findResources('AWS::DynamoDB::Table'));
    const sse = table.Properties.SSESpecification;
    // AWS owned key (no SSESpecification, or SSEEnabled false) or the AWS managed key (SSEEnabled true, no key id):
    // DynamoDB encrypts every table; neither names a customer key.
    expect(sse?.KMSMasterKeyId).toBeUndefined();
    expect(sse === undefined || typeof sse.SSEEnabled === 'boolean').toBe(true);
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  test('uses the customer managed key given as encryptionKey', () => {
    const t = template((stack) => ({ encryptionKey: new kms.Key(stack, 'Key') }));
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

test('the dead-letter queue is encrypted and refuses requests over plain HTTP', () => {
  const t = template();
  t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  t.hasResourceProperties('AWS::SQS::QueuePolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
  });
});

test('the state machine logs no execution data (payloads stay out of CloudWatch Logs)', () => {
  template().hasResourceProperties('AWS::StepFunctions::StateMachine', {
    LoggingConfiguration: Match.objectLike({ IncludeExecutionData: false }),
  });
});

describe('execution names, end to end', () => {
  let local: LocalScheduler;
  afterEach(async () => {
    await local?.close();
  });

  test('GIVEN ids full of user data WHEN runs start, hand over and restart THEN no execution name or ARN contains any of it', async () => {
    local = await LocalScheduler.create({ now: new Date('2026-05-04T08:00:00Z') });
    const ids = ['customer:alice@example.com/invoice#42', 'UPPER lower 123', 'ünïcødé—名前', 'a'.repeat(256)];
    for (const id of ids) await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id, every: '1s' } });
    await local.advanceBy(1_850_000); // past the hand-over after 1,800 ticks
    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: ids[0], every: '1m' } });
    await local.advanceBy(60_000);

    const names = local.executions().map((e) => e.name);
    expect(names.length).toBe(ids.length * 2 + 1);
    for (const execution of local.executions()) {
      // The ARN is the state machine's, plus the name: a hash of the id, the run id and the generation.
      expect(execution.executionArn).toBe(`${execution.stateMachineArn.replace(':stateMachine:', ':execution:')}:${execution.name}`);
      expect(execution.name).toMatch(/^[0-9a-f]{32}-[0-9a-f]{20}-\d+$/);
      for (const id of ids) {
        for (const fragment of id.split(/[^A-Za-z]+/).filter((f) => f.length >= 3)) expect(execution.name).not.toContain(fragment);
      }
    }
    // The ids are still in the events and the items, where they belong.
    expect(local.ticks(ids[3]).length).toBeGreaterThan(1_800);
  });
});
