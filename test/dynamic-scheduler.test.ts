import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DynamicScheduler, DynamicSchedulerProps, ScheduleEventType } from '../src';
import { DETAIL_TYPE } from '../src/contract';

function synth(props: DynamicSchedulerProps = {}, withBus = true) {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const eventBus = withBus ? new events.EventBus(stack, 'Bus', { eventBusName: 'app-bus' }) : undefined;
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus, ...props });
  return { stack, scheduler, template: () => Template.fromStack(stack) };
}

const definitionOf = (template: Template): any => {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
  const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  // Tokens (ARNs, names) become placeholders; the structure is what these tests read.
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
};

describe('resources', () => {
  test('the table is keyed by id, on demand, with TTL, point-in-time recovery and retained by default', () => {
    const { template } = synth();
    template().hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('removalPolicy applies to the table', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY });
    template().hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  test('the table is encrypted with an AWS owned key by default (no KMS key, no KMS charges)', () => {
    const { template } = synth();
    const [table] = Object.values(template().findResources('AWS::DynamoDB::Table')) as any[];
    // CloudFormation's default, SSEEnabled false, is DynamoDB's encryption at rest with an AWS owned key.
    expect(table.Properties.SSESpecification?.SSEEnabled ?? false).toBe(false);
    template().resourceCountIs('AWS::KMS::Key', 0);
  });

  test('a customer managed key encrypts the table when given', () => {
    const app = new App();
    const stack = new Stack(app, 'KeyStack');
    const encryptionKey = new kms.Key(stack, 'Key');
    new DynamicScheduler(stack, 'Scheduler', { encryptionKey });
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
    });
  });

  test('the state machine is a Standard state machine using JSONPath', () => {
    const { template } = synth();
    template().hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' });
    const definition = definitionOf(template());
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(JSON.stringify(definition)).not.toMatch(/JSONata/);
  });

  test('four Node.js 24 functions on arm64 with their configuration in the environment', () => {
    const { template } = synth({ finishedScheduleRetention: Duration.days(2) });
    const functions = template().findResources('AWS::Lambda::Function', {
      Properties: { Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' },
    });
    expect(Object.keys(functions)).toHaveLength(4);
    for (const fn of Object.values(functions) as any[]) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        SCHEDULER_TICK_SOURCE: 'com.TestStack',
        SCHEDULER_RETENTION_SECONDS: '172800',
        SCHEDULER_TABLE_NAME: { Ref: expect.stringMatching(/Table/) },
        SCHEDULER_EVENT_BUS_NAME: { Ref: expect.stringMatching(/Bus/) },
      });
    }
  });

  test.each([
    [{}, undefined],
    [{ emitStartedAndCompleted: true }, undefined],
    [{ emitStartedAndCompleted: false }, 'false'],
  ])('emitStartedAndCompleted %j reaches the handlers as SCHEDULER_STARTED_AND_COMPLETED_EVENTS=%s', (props, expected) => {
    const { template } = synth(props);
    const functions = Object.values(template().findResources('AWS::Lambda::Function')) as any[];
    expect(functions.length).toBeGreaterThanOrEqual(3);
    expect(new Set(functions.map((fn) => fn.Properties.Environment.Variables.SCHEDULER_STARTED_AND_COMPLETED_EVENTS))).toEqual(new Set([expected]));
  });

  test('only the start function knows the state machine ARN', () => {
    const { template } = synth();
    const withArn = template().findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { SCHEDULER_STATE_MACHINE_ARN: Match.anyValue() } } },
    });
    expect(Object.keys(withArn)).toEqual([expect.stringMatching(/StartFunction/)]);
  });

  test('the default bus and tick source', () => {
    const { template } = synth({}, false);
    template().hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: { 'source': [{ 'anything-but': ['com.TestStack'] }], 'detail-type': ['Schedule Start'] },
    });
  });
});

describe('rules', () => {
  test.each([
    ['Schedule Start', 'StartFunction'],
    ['Schedule Stop', 'StopFunction'],
  ])('the %s rule matches any source but the tick source and targets the %s', (detailType, fn) => {
    const { template } = synth();
    template().hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('Bus') },
      EventPattern: { 'source': [{ 'anything-but': ['com.TestStack'] }], 'detail-type': [detailType] },
      State: 'ENABLED',
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp(fn), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      })],
    });
  });

  test('allowedSources restricts the command rules to those sources', () => {
    const { template } = synth({ allowedSources: ['orders', 'billing'] });
    const rules = template().findResources('AWS::Events::Rule');
    const patterns = Object.values(rules).map((rule: any) => rule.Properties.EventPattern);
    expect(patterns).toEqual(expect.arrayContaining([
      { 'source': ['orders', 'billing'], 'detail-type': ['Schedule Start'] },
      { 'source': ['orders', 'billing'], 'detail-type': ['Schedule Stop'] },
    ]));
  });

  test('the documented Start event of the ancestor design is matched by the start rule pattern', () => {
    // The seed design's rule never matched its own documented events; ours must.
    const { template } = synth({}, false);
    const [startRule] = Object.values(template().findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { 'detail-type': ['Schedule Start'] } },
    })) as any[];
    const pattern = startRule.Properties.EventPattern;
    const documented = { 'source': 'test', 'detail-type': 'Schedule Start', 'detail': { id: 'test:schedule', cron: '30 * * * *' } };
    expect(pattern['detail-type']).toContain(documented['detail-type']);
    expect(pattern.source[0]['anything-but']).not.toContain(documented.source);
  });

  test('failed asynchronous invocations go to the dead-letter queue', () => {
    const { template } = synth();
    template().resourceCountIs('AWS::Lambda::EventInvokeConfig', 3);
    template().hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } } },
    });
    template().hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  });

  test('a dead-letter queue can be given', () => {
    const app = new App();
    const stack = new Stack(app, 'DlqStack');
    const deadLetterQueue = new sqs.Queue(stack, 'MyDlq');
    const scheduler = new DynamicScheduler(stack, 'Scheduler', { deadLetterQueue });
    expect(scheduler.deadLetterQueue).toBe(deadLetterQueue);
    Template.fromStack(stack).resourceCountIs('AWS::SQS::Queue', 1);
  });
});

describe('onTick and onScheduleEvent', () => {
  test('onTick matches ticks from the tick source', () => {
    const { scheduler, template } = synth();
    scheduler.onTick('AllTicks');
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['com.TestStack'], 'detail-type': ['Schedule Tick'] },
    });
  });

  test('onTick filters by exact schedule id', () => {
    const { scheduler, template } = synth();
    scheduler.onTick('OneSchedule', { scheduleId: 'invoice:42' });
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['com.TestStack'], 'detail-type': ['Schedule Tick'], 'detail': { id: ['invoice:42'] } },
    });
  });

  test('onTick filters by id prefix and adds the target', () => {
    const { stack, scheduler, template } = synth();
    const queue = new sqs.Queue(stack, 'TickQueue');
    scheduler.onTick('Tenant', { scheduleIdPrefix: 'tenant-7:', target: new targets.SqsQueue(queue) });
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { id: [{ prefix: 'tenant-7:' }] } },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TickQueue'), 'Arn'] } })],
    });
  });

  test('onTick rejects scheduleId together with scheduleIdPrefix', () => {
    const { scheduler } = synth();
    expect(() => scheduler.onTick('Both', { scheduleId: 'a', scheduleIdPrefix: 'b' }))
      .toThrow('Give scheduleId or scheduleIdPrefix, not both; got scheduleId: "a", scheduleIdPrefix: "b"');
  });

  test.each([
    [ScheduleEventType.STARTED, 'Schedule Started'],
    [ScheduleEventType.COMPLETED, 'Schedule Completed'],
    [ScheduleEventType.STOPPED, 'Schedule Stopped'],
    [ScheduleEventType.REJECTED, 'Schedule Rejected'],
    [ScheduleEventType.FAILED, 'Schedule Failed'],
  ])('onScheduleEvent(%s) matches "%s"', (type, detailType) => {
    const { scheduler, template } = synth();
    scheduler.onScheduleEvent('Lifecycle', type);
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['com.TestStack'], 'detail-type': [detailType] },
    });
  });

  test('the public event types equal the handlers\' wire contract', () => {
    expect(Object.values(ScheduleEventType).sort()).toEqual(
      Object.values(DETAIL_TYPE).filter((t) => t !== DETAIL_TYPE.START && t !== DETAIL_TYPE.STOP).sort(),
    );
  });
});

describe('IAM', () => {
  const statementsOf = (template: Template, policyIdPattern: RegExp) => {
    const policies = template.findResources('AWS::IAM::Policy');
    return Object.entries(policies)
      .filter(([id]) => policyIdPattern.test(id))
      .flatMap(([, policy]: [string, any]) => policy.Properties.PolicyDocument.Statement);
  };

  test('no policy statement uses a "*" resource, except the log delivery actions that accept nothing else', () => {
    const { template } = synth();
    const statements = statementsOf(template(), /Scheduler/);
    expect(statements.length).toBeGreaterThan(5);
    const wildcard = statements.filter((statement: any) => [statement.Resource].flat().includes('*'));
    // Vended log delivery for Step Functions does not support resource-level permissions.
    // https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
    expect(wildcard).toEqual([expect.objectContaining({
      Action: expect.arrayContaining(['logs:CreateLogDelivery', 'logs:PutResourcePolicy']),
    })]);
    expect([wildcard[0].Action].flat().every((action: string) => action.startsWith('logs:'))).toBe(true);
  });

  test('the start function may read and write only its table, start this machine, stop its executions and put on its bus', () => {
    const { template } = synth();
    const statements = statementsOf(template(), /StartFunctionRoleDefaultPolicy/);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: expect.arrayContaining([{ 'Fn::GetAtt': [expect.stringMatching(/Table/), 'Arn'] }]),
      }),
      expect.objectContaining({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [expect.stringMatching(/Bus/), 'Arn'] } }),
      expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: expect.stringMatching(/StateMachine/) } }),
      expect.objectContaining({ Action: 'states:StopExecution' }),
    ]));
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:DeleteItem']));
    expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:Scan']));
  });

  test('stop executions are scoped to this state machine\'s executions', () => {
    const { template } = synth();
    const statements = statementsOf(template(), /StopFunctionRoleDefaultPolicy/);
    const stop = statements.find((s: any) => s.Action === 'states:StopExecution');
    expect(JSON.stringify(stop.Resource)).toMatch(/:execution:/);
    expect(JSON.stringify(stop.Resource)).toMatch(/Fn::Select.*SchedulerStateMachine/);
  });

  test('the plan function may start only this state machine, through a policy of its own', () => {
    const { template } = synth();
    const statements = statementsOf(template(), /PlanFunctionHandoverPolicy/);
    expect(statements).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: expect.stringMatching(/StateMachine/) } },
    ]);
  });

  test('the state machine may invoke the plan function, put on its bus and update its table only', () => {
    const { template } = synth();
    const statements = statementsOf(template(), /StateMachineRoleDefaultPolicy/);
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['lambda:InvokeFunction', 'events:PutEvents', 'dynamodb:UpdateItem']));
    expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:DeleteItem']));
  });

  test('grantSchedule lets a principal put only Start and Stop events on the bus', () => {
    const { stack, scheduler, template } = synth();
    const role = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    scheduler.grantSchedule(role);
    template().hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('Producer') }],
      PolicyDocument: {
        Statement: [{
          Action: 'events:PutEvents',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('Bus'), 'Arn'] },
          Condition: { 'ForAllValues:StringEquals': { 'events:detail-type': ['Schedule Start', 'Schedule Stop'] } },
        }],
      },
    });
  });
});

describe('state machine definition', () => {
  test('steady state is a Wait and a PutEvents per tick inside a sequential Map', () => {
    const { template } = synth();
    const definition = definitionOf(template());
    const map = definition.States.EmitTicks;
    expect(map.Type).toBe('Map');
    expect(map.MaxConcurrency).toBe(1);
    expect(map.ItemsPath).toBe('$.plan.ticks');
    const inner = map.ItemProcessor.States;
    expect(Object.keys(inner).sort()).toEqual(['EmitTick', 'WaitForTick']);
    expect(inner.WaitForTick).toMatchObject({ Type: 'Wait', TimestampPath: '$.tick.scheduledAt', Next: 'EmitTick' });
    expect(inner.EmitTick).toMatchObject({
      Type: 'Task',
      Resource: expect.stringContaining('events:putEvents'),
      ResultPath: null,
      OutputPath: '$.tick.sequence',
    });
    expect(inner.EmitTick.Parameters.Entries[0]).toMatchObject({
      'Detail.$': 'States.JsonMerge($.common, $.tick, false)',
      'DetailType': 'Schedule Tick',
      'Source': 'com.TestStack',
    });
    expect(map.Next).toBe('Plan');
  });

  test('every task retries transient errors with backoff and jitter', () => {
    const { template } = synth();
    const definition = definitionOf(template());
    const tasks: any[] = [
      ...Object.values(definition.States),
      ...Object.values(definition.States.EmitTicks.ItemProcessor.States),
    ].filter((state: any) => state.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(6);
    for (const task of tasks) {
      const retriers = task.Retry.filter((retrier: any) => retrier.MaxAttempts > 0);
      expect(retriers.length).toBeGreaterThan(0);
      for (const retrier of retriers) expect(retrier).toMatchObject({ BackoffRate: 2, JitterStrategy: 'FULL', MaxDelaySeconds: 30 });
    }
  });

  const backoff = (maxAttempts: number) => ({ IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: maxAttempts, MaxDelaySeconds: 30, JitterStrategy: 'FULL' });
  const eventBridgeRetry = [
    { ErrorEquals: ['EventBridge.FailedEntry'], ...backoff(8) },
    { ErrorEquals: ['States.TaskFailed'], ...backoff(3) },
  ];
  test.each([
    ['EmitTick', eventBridgeRetry],
    ['EmitStarted', eventBridgeRetry],
    ['EmitCompleted', eventBridgeRetry],
    ['EmitFailed', eventBridgeRetry],
    ['Plan', [
      { ErrorEquals: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'Lambda.ClientExecutionTimeoutException'], ...backoff(8) },
      { ErrorEquals: ['States.TaskFailed'], ...backoff(8) },
    ]],
    ['MarkFailed', [
      { ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 },
      { ErrorEquals: ['DynamoDB.ProvisionedThroughputExceededException', 'DynamoDB.ThrottlingException', 'DynamoDB.RequestLimitExceeded', 'DynamoDB.InternalServerErrorException', 'DynamoDB.AmazonDynamoDBException'], ...backoff(6) },
      { ErrorEquals: ['States.TaskFailed'], ...backoff(3) },
    ]],
  ])('%s retries only the error names AWS documents for its integration, then States.TaskFailed a bounded number of times', (name, retry) => {
    const { template } = synth();
    const definition = definitionOf(template());
    const state = definition.States[name] ?? definition.States.EmitTicks.ItemProcessor.States[name];
    expect(state.Retry).toEqual(retry);
  });

  test('no retrier waits for States.Timeout, which a Task without TimeoutSeconds never raises', () => {
    const { template } = synth();
    const text = JSON.stringify(definitionOf(template()));
    expect(text).not.toContain('States.Timeout');
    expect(text).not.toContain('TimeoutSeconds');
  });

  test('the failure path reads no optional field: the Catch output goes out whole, and the Fail states say whether it was reported', () => {
    const { template } = synth();
    const definition = definitionOf(template());
    expect(JSON.stringify(definition)).not.toContain('$.failure.Cause');
    expect(definition.States.EmitFailed.Parameters.Entries[0].Detail).toMatchObject({ 'failure.$': '$.failure', 'error.$': '$.failure.Error' });
    expect(definition.States.EmitFailed.Next).toBe('Failed');
    expect(definition.States.EmitFailed.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.emitFailedError', Next: 'FailedUnreported' }]);
    expect(definition.States.Failed).toMatchObject({ Type: 'Fail', Error: 'ScheduleFailed', Cause: expect.any(String) });
    expect(definition.States.FailedUnreported).toMatchObject({ Type: 'Fail', Error: 'ScheduleFailedUnreported', Cause: expect.any(String) });
  });

  test('failures are caught, mark the item failed and emit Schedule Failed', () => {
    const { template } = synth();
    const definition = definitionOf(template());
    for (const name of ['Plan', 'EmitTicks', 'EmitStarted', 'EmitCompleted']) {
      expect(definition.States[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'MarkFailed' }]);
    }
    expect(definition.States.MarkFailed).toMatchObject({ Resource: expect.stringContaining('dynamodb:updateItem'), Next: 'EmitFailed' });
    expect(definition.States.EmitFailed.Parameters.Entries[0].DetailType).toBe('Schedule Failed');
    expect(definition.States.Failed.Type).toBe('Fail');
  });

  test('the plan step gets the state, the execution and the state machine from the context', () => {
    const { template } = synth();
    const definition = definitionOf(template());
    expect(definition.States.Plan.Parameters).toEqual({
      'state.$': '$',
      'executionArn.$': '$$.Execution.Id',
      'executionStartTime.$': '$$.Execution.StartTime',
      'stateMachineArn.$': '$$.StateMachine.Id',
    });
  });

  test('every plan action is routed by name, and an unknown one fails the execution', () => {
    const { template } = synth();
    const definition = definitionOf(template());
    const routes = Object.fromEntries(definition.States.Route.Choices.map((choice: any) => [choice.StringEquals, choice.Next]));
    expect(routes).toEqual({ emit: 'EmitTicks', sleep: 'Sleep', complete: 'EmitCompleted', end: 'Done', check: 'Plan' });
    expect(definition.States[definition.States.Route.Default]).toMatchObject({ Type: 'Fail', Error: 'UnknownPlanAction' });
  });
});

describe('validation', () => {
  test.each([
    [{ tickSource: 'aws.events' }, 'tickSource cannot start with "aws." (reserved for AWS services), got: "aws.events"'],
    [{ tickSource: 'x'.repeat(257) }, 'tickSource must be 1 to 256 characters long, got 257'],
    [{ allowedSources: [] }, 'allowedSources cannot be empty'],
    [{ tickSource: 'ticks', allowedSources: ['orders', 'ticks'] }, 'allowedSources cannot include the tick source "ticks"'],
    [{ allowedSources: ['a', 'a'] }, 'allowedSources has duplicates: ["a"]'],
    [{ finishedScheduleRetention: Duration.seconds(10) }, 'finishedScheduleRetention must be at least 1 minute, got: 10 seconds'],
  ])('%j is rejected', (props, message) => {
    expect(() => synth(props as DynamicSchedulerProps)).toThrow(message);
  });

  test('a custom tick source is used for rules and emitted events', () => {
    const { scheduler, template } = synth({ tickSource: 'acme.scheduler' });
    expect(scheduler.tickSource).toBe('acme.scheduler');
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [{ 'anything-but': ['acme.scheduler'] }] },
    });
    expect(definitionOf(template()).States.EmitTicks.ItemProcessor.States.EmitTick.Parameters.Entries[0].Source).toBe('acme.scheduler');
  });
});

describe('AWS fidelity of the resources', () => {
  test('the state machine logs to a log group under /aws/vendedlogs/states/, named after the stack and the scheduler', () => {
    const { template } = synth();
    template().hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/TestStack-.*Scheduler.*[0-9A-F]{8}$'),
    });
    const groups = template().findResources('AWS::Logs::LogGroup');
    const machineLogs = Object.keys(groups).filter((id) => id.includes('StateMachineLogs'));
    expect(machineLogs).toHaveLength(1);
    expect(groups[machineLogs[0]].Properties.LogGroupName.length).toBeLessThanOrEqual(512);
  });

  test('two schedulers in one stack get distinct log group names', () => {
    const app = new App();
    const stack = new Stack(app, 'TwoStack');
    new DynamicScheduler(stack, 'A');
    new DynamicScheduler(stack, 'B');
    const names = Object.values<any>(Template.fromStack(stack).findResources('AWS::Logs::LogGroup'))
      .map((group) => group.Properties.LogGroupName).filter((name) => typeof name === 'string' && name.startsWith('/aws/vendedlogs/'));
    expect(new Set(names).size).toBe(2);
  });

  test('failed and timed-out executions of this state machine, on the default bus, go to the failed handler with retries and the dead-letter queue', () => {
    const app = new App();
    const stack = new Stack(app, 'BusStack');
    const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: new events.EventBus(stack, 'Bus') });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: {
        'source': ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        'detail': { stateMachineArn: [{ Ref: stack.getLogicalId(scheduler.stateMachine.node.defaultChild as any) }], status: ['FAILED', 'TIMED_OUT'] },
      },
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [stack.getLogicalId(scheduler.failedFunction.node.defaultChild as any), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
      })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: stack.getLogicalId(scheduler.failedFunction.node.defaultChild as any) },
      MaximumRetryAttempts: 2,
    });
  });

  test('onScheduleEvent with a 256-character id and a 256-character tick source keeps its description within 512 characters', () => {
    const { scheduler, template } = synth({ tickSource: 's'.repeat(256) });
    scheduler.onScheduleEvent('Worst', ScheduleEventType.COMPLETED, { scheduleIdPrefix: 'p'.repeat(256) });
    scheduler.metricTicksEmitted();
    const descriptions = Object.values<any>(template().findResources('AWS::Events::Rule')).map((rule) => rule.Properties.Description);
    expect(Math.max(...descriptions.map((d: string) => d.length))).toBe(512);
    for (const description of descriptions) expect(description.length).toBeLessThanOrEqual(512);
    expect(descriptions).toContainEqual(expect.stringMatching(/^Schedule Completed events of schedule p{256}\* from s+…$/));
  });

  test('a description over 512 characters given to onScheduleEvent is refused, naming its length', () => {
    const { scheduler } = synth();
    expect(() => scheduler.onTick('TooLong', { description: 'd'.repeat(513) })).toThrow('description cannot be longer than 512 characters, got 513');
  });
});

describe('a dead-letter queue encrypted with a customer managed key', () => {
  function withEncryptedQueue() {
    const app = new App();
    const stack = new Stack(app, 'KmsStack');
    const key = new kms.Key(stack, 'QueueKey');
    const deadLetterQueue = new sqs.Queue(stack, 'Dlq', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });
    const scheduler = new DynamicScheduler(stack, 'Scheduler', { deadLetterQueue });
    return { stack, scheduler, template: Template.fromStack(stack), keyId: stack.getLogicalId(key.node.defaultChild as any) };
  }

  test('the key policy lets EventBridge encrypt what it dead-letters from this account\'s rules (aws/aws-cdk#33169)', () => {
    const { template, keyId } = withEncryptedQueue();
    template.hasResource('AWS::KMS::Key', {
      Properties: {
        KeyPolicy: {
          Statement: Match.arrayWith([{
            Sid: 'AllowEventBridgeToSendDeadLetters',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Resource: '*',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':rule/*']] } },
            },
          }]),
        },
      },
    });
    expect(keyId).toBeDefined();
  });

  test('each handler role may use the key to send to the queue (Lambda\'s on-failure destination sends with the function role)', () => {
    const { stack, scheduler, template, keyId } = withEncryptedQueue();
    for (const fn of [scheduler.startFunction, scheduler.stopFunction, scheduler.failedFunction]) {
      const roleId = stack.getLogicalId((fn.role as iam.Role).node.defaultChild as any);
      const statements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
        .filter((policy) => policy.Properties.Roles.some((r: any) => r.Ref === roleId))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
      expect(statements).toContainEqual(expect.objectContaining({
        Action: expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:Decrypt']),
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      }));
    }
  });

  test('an imported key cannot be changed: the handlers still get the key, and the README says which key-policy statement to add', () => {
    const app = new App();
    const stack = new Stack(app, 'ImportedKeyStack');
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555');
    const deadLetterQueue = sqs.Queue.fromQueueAttributes(stack, 'Dlq', { queueArn: 'arn:aws:sqs:us-east-1:123456789012:dlq', keyArn: key.keyArn });
    const scheduler = new DynamicScheduler(stack, 'Scheduler', { deadLetterQueue });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    const roleId = stack.getLogicalId((scheduler.failedFunction.role as iam.Role).node.defaultChild as any);
    const statements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => policy.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Resource: key.keyArn }));
  });
});
