/**
 * Security: IAM least privilege in the synthesized template. Each function and the state machine may touch only
 * this scheduler's table, its bus (events:PutEvents), this state machine and its executions, and the dead-letter
 * queue; no action wildcards; no `*` resource except where AWS accepts no ARN (Step Functions' CloudWatch Logs
 * delivery actions, and X-Ray when tracing is on).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DynamicScheduler, DynamicSchedulerProps, SchedulerEngine } from '../../src';

/** Actions Step Functions needs on "*" to deliver its logs (they take no resource ARN). */
const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
];
/** X-Ray's write actions take no resource ARN either. */
const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'];

interface Grant {
  readonly action: string;
  /** The resource as a compact string: logical ids of what it references, or the literal ARN pattern. */
  readonly resource: string;
}

function synth(props: (stack: Stack) => DynamicSchedulerProps = () => ({})) {
  const app = new App();
  const stack = new Stack(app, 'AppStack');
  const scheduler = new DynamicScheduler(stack, 'Scheduler', props(stack));
  const template = Template.fromStack(stack).toJSON();
  const logicalId = (construct: any) => stack.getLogicalId(construct.node.defaultChild);
  return { stack, scheduler, template, logicalId };
}

/** `{"Fn::GetAtt":["Table1","Arn"]}` → `Table1.Arn`; `{"Ref":"X"}` → `X`; Fn::Join of strings and refs → joined. */
function compact(value: any): string {
  if (typeof value === 'string') return value;
  if (value.Ref) return value.Ref.startsWith('AWS::') ? `<${value.Ref}>` : value.Ref;
  if (value['Fn::GetAtt']) return value['Fn::GetAtt'].join('.');
  if (value['Fn::Join']) return value['Fn::Join'][1].map(compact).join(value['Fn::Join'][0]);
  if (value['Fn::Select']) return `select(${compact(value['Fn::Select'][1])})`;
  if (value['Fn::Split']) return compact(value['Fn::Split'][1]);
  return JSON.stringify(value);
}

/** Every (action, resource) a role is allowed, from its inline policies. */
function grantsOf(template: any, roleId: string): Grant[] {
  const grants: Grant[] = [];
  for (const resource of Object.values<any>(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    if (!resource.Properties.Roles.some((r: any) => r.Ref === roleId)) continue;
    for (const statement of resource.Properties.PolicyDocument.Statement) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.NotAction ?? statement.NotResource).toBeUndefined();
      const actions = [statement.Action].flat();
      const resources = [statement.Resource].flat();
      for (const action of actions) for (const r of resources) grants.push({ action, resource: compact(r) });
    }
  }
  return grants;
}

/** The logical id of the role of a function (`Role`) or a state machine (`RoleArn`). */
const roleOf = (template: any, id: string) => (template.Resources[id].Properties.Role ?? template.Resources[id].Properties.RoleArn)['Fn::GetAtt'][0];

describe.each([
  ['the default configuration', () => ({})],
  ['a custom bus, a customer managed key and tracing', (stack: Stack) => ({
    eventBus: new events.EventBus(stack, 'Bus'),
    encryptionKey: new kms.Key(stack, 'Key'),
    tracingEnabled: true,
  })],
])('least privilege with %s', (_name, props: (stack: Stack) => DynamicSchedulerProps) => {
  const { scheduler, template, logicalId } = synth(props);
  const table = logicalId(scheduler.table);
  const machine = logicalId(scheduler.stateMachine);
  const queue = logicalId(scheduler.deadLetterQueue);
  const plan = logicalId(scheduler.planFunction);
  const custom = template.Resources.Bus !== undefined || Object.keys(template.Resources).some((id) => id.startsWith('Bus'));
  const bus = custom ? `${Object.keys(template.Resources).find((id) => id.startsWith('Bus') && template.Resources[id].Type === 'AWS::Events::EventBus')}.Arn`
    : 'arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/default';
  const key = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::KMS::Key');
  const tracing = JSON.stringify(template).includes('xray:PutTraceSegments');

  const tableGrants = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'].map((action) => ({ action, resource: `${table}.Arn` }));
  const keyGrants = key ? ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'].map((action) => ({ action, resource: `${key}.Arn` })) : [];
  const xrayGrants = tracing ? ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'].map((action) => ({ action, resource: '*' })) : [];
  const executionsOfMachine = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:select(${machine}):*`;
  const deadLetter = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'].map((action) => ({ action, resource: `${queue}.Arn` }));
  /** Writing to the function's own log group, and no other. */
  const logGrants = (fnId: string) => {
    const logGroup = template.Resources[fnId].Properties.LoggingConfig.LogGroup.Ref;
    return ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({ action, resource: `${logGroup}.Arn` }));
  };
  const sorted = (grants: Grant[]) => [...grants].sort((a, b) => `${a.action} ${a.resource}`.localeCompare(`${b.action} ${b.resource}`));

  test('the start function: its table, its bus, starting this state machine and stopping its executions, the dead-letter queue', () => {
    expect(sorted(grantsOf(template, roleOf(template, logicalId(scheduler.startFunction))))).toEqual(sorted([
      ...tableGrants, ...keyGrants, ...xrayGrants, ...deadLetter, ...logGrants(logicalId(scheduler.startFunction)),
      { action: 'events:PutEvents', resource: bus },
      { action: 'states:StartExecution', resource: machine },
      { action: 'states:StopExecution', resource: executionsOfMachine },
    ]));
  });

  test('the stop function: its table, its bus, stopping this state machine\'s executions, the dead-letter queue', () => {
    expect(sorted(grantsOf(template, roleOf(template, logicalId(scheduler.stopFunction))))).toEqual(sorted([
      ...tableGrants, ...keyGrants, ...xrayGrants, ...deadLetter, ...logGrants(logicalId(scheduler.stopFunction)),
      { action: 'events:PutEvents', resource: bus },
      { action: 'states:StopExecution', resource: executionsOfMachine },
    ]));
  });

  test('the plan function: its table and starting this state machine (the hand-over); no bus, no stop', () => {
    expect(sorted(grantsOf(template, roleOf(template, plan)))).toEqual(sorted([
      ...tableGrants, ...keyGrants, ...xrayGrants, ...logGrants(plan),
      { action: 'states:StartExecution', resource: machine },
    ]));
  });

  test('the state machine: invoking the plan function, updating its table, putting on its bus, and log delivery', () => {
    // (Grants on the customer managed key: see the customer managed key test below.)
    const grants = grantsOf(template, roleOf(template, machine)).filter((g) => !g.action.startsWith('kms:'));
    expect(sorted(grants.filter((g) => g.resource !== '*'))).toEqual(sorted([
      { action: 'lambda:InvokeFunction', resource: `${plan}.Arn` },
      { action: 'lambda:InvokeFunction', resource: `${plan}.Arn:*` },
      { action: 'dynamodb:UpdateItem', resource: `arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/${table}` },
      { action: 'events:PutEvents', resource: bus },
    ]));
    expect(grants.filter((g) => g.resource === '*').map((g) => g.action).sort())
      .toEqual([...LOG_DELIVERY_ACTIONS, ...(tracing ? XRAY_ACTIONS : [])].sort());
  });

  test('no action wildcard but CDK\'s KMS action groups, and "*" only for actions that take no resource ARN', () => {
    const everyGrant = Object.values<any>(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement)
      .flatMap((s: any) => [s.Action].flat()
        .flatMap((action: string) => [s.Resource].flat().map((res: any) => ({ action, resource: compact(res) }))));
    expect(everyGrant.filter((g) => g.action.includes('*') && !['kms:ReEncrypt*', 'kms:GenerateDataKey*'].includes(g.action))).toEqual([]);
    expect(everyGrant.filter((g) => g.resource === '*' && ![...LOG_DELIVERY_ACTIONS, ...XRAY_ACTIONS].includes(g.action))).toEqual([]);
  });

  test('no role carries a managed policy: not even AWSLambdaBasicExecutionRole, which allows logs on every log group', () => {
    const managed = (roleId: string) => (template.Resources[roleId].Properties.ManagedPolicyArns ?? []).map(compact);
    for (const fn of [scheduler.startFunction, scheduler.stopFunction, scheduler.planFunction, scheduler.failedFunction]) {
      expect(managed(roleOf(template, logicalId(fn)))).toEqual([]);
    }
    expect(managed(roleOf(template, machine))).toEqual([]);
  });

  test('the failed function: one conditional update on its table, its bus, the dead-letter queue; no state machine', () => {
    const failed = logicalId(scheduler.failedFunction);
    expect(sorted(grantsOf(template, roleOf(template, failed)))).toEqual(sorted([
      { action: 'dynamodb:UpdateItem', resource: `${table}.Arn` },
      ...keyGrants, ...xrayGrants, ...deadLetter, ...logGrants(failed),
      { action: 'events:PutEvents', resource: bus },
    ]));
  });

  test('only the Start, Stop and ExecutionFailed rules may invoke the handlers, and nothing may invoke the plan function but the state machine', () => {
    const permissions = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Permission').map((r) => r.Properties);
    expect(permissions.map((p) => [compact(p.FunctionName), p.Principal, compact(p.SourceArn)]).sort()).toEqual([
      [`${logicalId(scheduler.startFunction)}.Arn`, 'events.amazonaws.com', `${logicalId(scheduler.startRule)}.Arn`],
      [`${logicalId(scheduler.stopFunction)}.Arn`, 'events.amazonaws.com', `${logicalId(scheduler.stopRule)}.Arn`],
      [`${logicalId(scheduler.failedFunction)}.Arn`, 'events.amazonaws.com', `${logicalId(scheduler.executionFailedRule)}.Arn`],
    ].sort());
  });
});

// KNOWN BUG, reported to the lead: with `encryptionKey`, the state machine's role gets dynamodb:UpdateItem on the
// table (MarkFailed) but no grant on the key, so marking a failed run FAILED would be refused by KMS on AWS. The fix
// is one line in the DynamicScheduler constructor: `props.encryptionKey?.grantEncryptDecrypt(stateMachine);`.
test('with a customer managed key, the state machine may use the key to update the encrypted table', () => {
  const { scheduler, template, logicalId } = synth((stack) => ({ encryptionKey: new kms.Key(stack, 'Key') }));
  const key = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::KMS::Key');
  const grants = grantsOf(template, roleOf(template, logicalId(scheduler.stateMachine)));
  expect(grants).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*']
    .map((action) => ({ action, resource: `${key}.Arn` }))));
});

test('grantSchedule lets a principal put only Schedule Start and Schedule Stop on the scheduler\'s bus', () => {
  const app = new App();
  const stack = new Stack(app, 'AppStack');
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: new events.EventBus(stack, 'Bus') });
  const role = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  scheduler.grantSchedule(role);
  const template = Template.fromStack(stack).toJSON();
  const producerPolicy = Object.values<any>(template.Resources)
    .find((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles[0].Ref.startsWith('Producer'));
  expect(producerPolicy.Properties.PolicyDocument.Statement).toEqual([{
    Action: 'events:PutEvents',
    Effect: 'Allow',
    Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Bus/), 'Arn'] },
    Condition: { 'ForAllValues:StringEquals': { 'events:detail-type': ['Schedule Start', 'Schedule Stop'] } },
  }]);
});

describe.each([
  ['the default configuration', () => ({ engine: SchedulerEngine.sharded() })],
  ['a custom bus, a customer managed key and tracing', (stack: Stack) => ({
    engine: SchedulerEngine.sharded(),
    eventBus: new events.EventBus(stack, 'Bus'),
    encryptionKey: new kms.Key(stack, 'Key'),
    tracingEnabled: true,
  })],
])('least privilege of the sharded engine with %s', (_name, props: (stack: Stack) => DynamicSchedulerProps) => {
  const { scheduler, template, logicalId } = synth(props);
  const table = logicalId(scheduler.table);
  const shards = logicalId(scheduler.shardTable);
  const supervisor = logicalId(scheduler.stateMachine);
  const windowId = Object.keys(template.Resources).find((id) => id.startsWith('SchedulerWindow') && template.Resources[id].Type === 'AWS::StepFunctions::StateMachine')!;
  const queue = logicalId(scheduler.deadLetterQueue);
  const shard = logicalId(scheduler.planFunction);
  const custom = Object.keys(template.Resources).some((id) => id.startsWith('Bus'));
  const bus = custom ? `${Object.keys(template.Resources).find((id) => id.startsWith('Bus') && template.Resources[id].Type === 'AWS::Events::EventBus')}.Arn`
    : 'arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/default';
  const key = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::KMS::Key');
  const tracing = JSON.stringify(template).includes('xray:PutTraceSegments');
  const on = (resource: string, ...actions: string[]) => actions.map((action) => ({ action: `dynamodb:${action}`, resource: `${resource}.Arn` }));
  const keyGrants = key ? ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'].map((action) => ({ action, resource: `${key}.Arn` })) : [];
  const xrayGrants = tracing ? ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'].map((action) => ({ action, resource: '*' })) : [];
  const deadLetter = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'].map((action) => ({ action, resource: `${queue}.Arn` }));
  const logGrants = (fnId: string) => {
    const logGroup = template.Resources[fnId].Properties.LoggingConfig.LogGroup.Ref;
    return ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({ action, resource: `${logGroup}.Arn` }));
  };
  const sorted = (grants: Grant[]) => [...grants].sort((a, b) => `${a.action} ${a.resource}`.localeCompare(`${b.action} ${b.resource}`));

  test('the start function: claims in its table, roster and shard state, its bus, starting supervisors; no StopExecution', () => {
    const start = logicalId(scheduler.startFunction);
    expect(sorted(grantsOf(template, roleOf(template, start)))).toEqual(sorted([
      ...on(table, 'GetItem', 'PutItem', 'UpdateItem'), ...on(shards, 'GetItem', 'PutItem', 'UpdateItem'),
      ...keyGrants, ...xrayGrants, ...deadLetter, ...logGrants(start),
      { action: 'events:PutEvents', resource: bus },
      { action: 'states:StartExecution', resource: supervisor },
    ]));
  });

  test('the stop function: its table, stop markers and roster deletes in the shard table, its bus; no state machine', () => {
    const stop = logicalId(scheduler.stopFunction);
    expect(sorted(grantsOf(template, roleOf(template, stop)))).toEqual(sorted([
      ...on(table, 'GetItem', 'PutItem', 'UpdateItem'), ...on(shards, 'PutItem', 'DeleteItem'),
      ...keyGrants, ...xrayGrants, ...deadLetter, ...logGrants(stop),
      { action: 'events:PutEvents', resource: bus },
    ]));
  });

  test('the shard function: completions and payloads in its table, the shard table, its bus, starting supervisors', () => {
    expect(sorted(grantsOf(template, roleOf(template, shard)))).toEqual(sorted([
      ...on(table, 'UpdateItem', 'BatchGetItem'), ...on(shards, 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'),
      // No dead-letter queue: a keep that fails is run again by the next minute's rule.
      ...keyGrants, ...xrayGrants, ...logGrants(shard),
      { action: 'events:PutEvents', resource: bus },
      { action: 'states:StartExecution', resource: supervisor },
    ]));
  });

  test('the supervisor: invoking the shard function, running the window synchronously, and log delivery; no table, no bus', () => {
    const grants = grantsOf(template, roleOf(template, supervisor));
    expect(sorted(grants.filter((g) => g.resource !== '*'))).toEqual(sorted([
      { action: 'lambda:InvokeFunction', resource: `${shard}.Arn` },
      { action: 'lambda:InvokeFunction', resource: `${shard}.Arn:*` },
      { action: 'states:StartExecution', resource: windowId },
      { action: 'states:DescribeExecution', resource: `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:select(${windowId})*` },
      { action: 'states:StopExecution', resource: `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:select(${windowId})*` },
      ...['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({
        action, resource: 'arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
      })),
    ]));
    expect(grants.filter((g) => g.resource === '*').map((g) => g.action).sort()).toEqual([...LOG_DELIVERY_ACTIONS, ...(tracing ? XRAY_ACTIONS : [])].sort());
  });

  test('no action wildcard but CDK\'s KMS action groups, "*" only for actions that take no resource ARN, no managed policy', () => {
    const everyGrant = Object.values<any>(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement)
      .flatMap((s: any) => [s.Action].flat()
        .flatMap((action: string) => [s.Resource].flat().map((res: any) => ({ action, resource: compact(res) }))));
    expect(everyGrant.filter((g) => g.action.includes('*') && !['kms:ReEncrypt*', 'kms:GenerateDataKey*'].includes(g.action))).toEqual([]);
    expect(everyGrant.filter((g) => g.resource === '*' && ![...LOG_DELIVERY_ACTIONS, ...XRAY_ACTIONS].includes(g.action))).toEqual([]);
    const roles = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role');
    expect(roles.flatMap((r) => r.Properties.ManagedPolicyArns ?? [])).toEqual([]);
  });

  test('the window: invoking the shard function and log delivery only', () => {
    const grants = grantsOf(template, roleOf(template, windowId));
    expect(sorted(grants.filter((g) => g.resource !== '*'))).toEqual(sorted([
      { action: 'lambda:InvokeFunction', resource: `${shard}.Arn` },
      { action: 'lambda:InvokeFunction', resource: `${shard}.Arn:*` },
    ]));
    expect(grants.filter((g) => g.resource === '*').map((g) => g.action).sort()).toEqual([...LOG_DELIVERY_ACTIONS, ...(tracing ? XRAY_ACTIONS : [])].sort());
  });

  test('only the Start and Stop rules invoke their handlers, and only the keeper and supervisor-failed rules the shard function', () => {
    const permissions = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Permission').map((r) => r.Properties);
    expect(permissions.map((p) => [compact(p.FunctionName), p.Principal, compact(p.SourceArn)]).sort()).toEqual([
      [`${logicalId(scheduler.startFunction)}.Arn`, 'events.amazonaws.com', `${logicalId(scheduler.startRule)}.Arn`],
      [`${logicalId(scheduler.stopFunction)}.Arn`, 'events.amazonaws.com', `${logicalId(scheduler.stopRule)}.Arn`],
      [`${shard}.Arn`, 'events.amazonaws.com', `${logicalId(scheduler.keeperRule)}.Arn`],
      [`${shard}.Arn`, 'events.amazonaws.com', `${logicalId(scheduler.executionFailedRule)}.Arn`],
    ].sort());
  });
});
