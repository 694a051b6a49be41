/**
 * The engine choice: `SchedulerEngine` validation, and the resources the sharded engine adds (and leaves out).
 */
import { App, Size, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DynamicScheduler, DynamicSchedulerProps, SchedulerEngine } from '../src';

function synth(props: (stack: Stack) => DynamicSchedulerProps) {
  const stack = new Stack(new App(), 'AppStack');
  const scheduler = new DynamicScheduler(stack, 'Scheduler', props(stack));
  return { stack, scheduler, template: Template.fromStack(stack) };
}
const definitionOf = (template: Template, type: 'STANDARD' | 'EXPRESS') => {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineType: type } }));
  const parts = machine.Properties.DefinitionString['Fn::Join'][1];
  return parts.map((part: unknown) => (typeof part === 'string' ? part : 'REF')).join('');
};

describe('SchedulerEngine', () => {
  test('perSchedule() is named PER_SCHEDULE and has no shards', () => {
    expect(SchedulerEngine.perSchedule()).toMatchObject({ name: 'PER_SCHEDULE', shards: 0 });
  });

  test('sharded() defaults to 4 shards', () => {
    expect(SchedulerEngine.sharded()).toMatchObject({ name: 'SHARDED', shards: 4 });
    expect(SchedulerEngine.sharded({ shards: 256 }).shards).toBe(256);
  });

  test.each([0, -1, 257, 1.5, NaN])('sharded({ shards: %p }) is refused with a message naming the value', (shards) => {
    expect(() => SchedulerEngine.sharded({ shards })).toThrow(`shards must be an integer from 1 to 256, got: ${shards}`);
  });
});

describe('emitterMemorySize', () => {
  const shardFunctionMemory = (engine: SchedulerEngine) => {
    const { template } = synth(() => ({ engine }));
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('Plans, emits and keeps') } });
    return Object.values(functions).map((f) => f.Properties.MemorySize);
  };

  test('sizes the shard function: 512 MiB by default, 1,769 MiB (one vCPU) when asked', () => {
    expect(shardFunctionMemory(SchedulerEngine.sharded())).toEqual([512]);
    expect(shardFunctionMemory(SchedulerEngine.sharded({ emitterMemorySize: Size.mebibytes(1769) }))).toEqual([1769]);
    expect(SchedulerEngine.sharded({ emitterMemorySize: Size.gibibytes(1) }).emitterMemoryMebibytes).toBe(1024);
  });

  test.each([
    ['64 MiB', Size.mebibytes(64), 'emitterMemorySize must be from 128 to 10240 MiB (Lambda\'s range), got: 64 MiB'],
    ['11 GiB', Size.gibibytes(11), 'emitterMemorySize must be from 128 to 10240 MiB (Lambda\'s range), got: 11264 MiB'],
    ['200,000 KiB', Size.kibibytes(200_000), 'emitterMemorySize must be a whole number of MiB, got: 195.3125 MiB'],
    ['a token', Size.mebibytes(Token.asNumber({ Ref: 'Memory' })), 'emitterMemorySize must be known at synth time, got a token'],
  ])('%s is refused with a message naming it', (_label, size, message) => {
    expect(() => SchedulerEngine.sharded({ emitterMemorySize: size })).toThrow(message);
  });
});

describe('the sharded engine', () => {
  const { scheduler, template, stack } = synth(() => ({ engine: SchedulerEngine.sharded({ shards: 8 }) }));

  test('adds a shard table: pk and sk strings, on demand, point-in-time recovery, TTL on expiresAt, encrypted as the schedules table', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    const [schedules, shards] = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(shards.Properties.SSESpecification).toEqual(schedules.Properties.SSESpecification);
    expect(scheduler.shardTable).toBeDefined();
  });

  test('the shard table uses the customer managed key when the schedules table does', () => {
    const { template: withKey } = synth((s) => ({ engine: SchedulerEngine.sharded(), encryptionKey: new kms.Key(s, 'Key') }));
    const tables = Object.values(withKey.findResources('AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(2);
    for (const table of tables) expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
  });

  test('one shard function (512 MB, arm64) is the plan and failed function; no per-schedule plan or failed function', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Plans, emits and keeps the shards of the dynamic scheduler',
      MemorySize: 512,
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ SCHEDULER_ENGINE: 'SHARDED', SCHEDULER_SHARDS: '8', SCHEDULER_SHARD_TABLE_NAME: Match.anyValue() }) },
    });
    expect(scheduler.planFunction).toBe(scheduler.failedFunction);
    template.resourceCountIs('AWS::Lambda::Function', 3);
    expect(stack.node.findChild('Scheduler').node.tryFindChild('PlanFunction')).toBeUndefined();
  });

  test('the start function knows the engine, the shard table and the supervisor; not a per-schedule state machine', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Handles Schedule Start events',
      Environment: {
        Variables: Match.objectLike({
          SCHEDULER_ENGINE: 'SHARDED',
          SCHEDULER_SUPERVISOR_ARN: { Ref: stack.getLogicalId(scheduler.stateMachine.node.defaultChild as any) },
          SCHEDULER_STATE_MACHINE_ARN: Match.absent(),
        }),
      },
    });
  });

  test('a Standard supervisor (the stateMachine property) and an Express window with a 280-s timeout', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    expect(definitionOf(template, 'EXPRESS')).toContain('"TimeoutSeconds":280');
    expect(stack.getLogicalId(scheduler.stateMachine.node.defaultChild as any)).toMatch(/^SchedulerSupervisor/);
  });

  test('the supervisor plans, runs the window with startExecution.sync:2, sleeps until $.sleepUntil, and routes every plan outcome', () => {
    const definition = JSON.parse(definitionOf(template, 'STANDARD'));
    expect(definition.StartAt).toBe('Plan');
    expect(definition.States.RunWindow.Resource).toMatch(/:states:::states:startExecution\.sync:2$/);
    expect(definition.States.RunWindow.Parameters['Input.$']).toBe('$.window');
    expect(definition.States.Sleep).toMatchObject({ Type: 'Wait', TimestampPath: '$.sleepUntil', Next: 'Plan' });
    expect(definition.States.Route.Choices.map((c: any) => [c.StringEquals, c.Next])).toEqual([
      ['window', 'RunWindow'], ['sleep', 'Sleep'], ['handover', 'Done'], ['fenced', 'Done'],
    ]);
    expect(definition.States.Plan.Parameters).toMatchObject({ 'op': 'plan', 'supervisorArn.$': '$$.StateMachine.Id' });
  });

  test('the window waits for each active second ($.at) and emits it, until no second is left', () => {
    const definition = JSON.parse(definitionOf(template, 'EXPRESS'));
    expect(definition.StartAt).toBe('WaitNext');
    expect(definition.States.WaitNext).toMatchObject({ Type: 'Wait', TimestampPath: '$.at', Next: 'Emit' });
    expect(definition.States.Emit.Parameters).toMatchObject({ 'op': 'emit', 'window.$': '$' });
    expect(definition.States.More.Choices).toEqual([{ Variable: '$.more', BooleanEquals: true, Next: 'WaitNext' }]);
  });

  test('a keeper rule runs the shard function\'s keep every minute, naming the supervisor', () => {
    const [keeper] = Object.values(template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'rate(1 minute)' } }));
    const input = JSON.stringify(keeper.Properties.Targets[0].Input);
    expect(input).toContain('{\\"op\\":\\"keep\\",\\"supervisorArn\\":\\"');
    expect(input).toContain(stack.getLogicalId(scheduler.stateMachine.node.defaultChild as any));
  });

  test('the supervisor-failed rule matches FAILED and TIMED_OUT supervisor executions and passes the execution to keep', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        'detail': { status: ['FAILED', 'TIMED_OUT'], stateMachineArn: [{ Ref: Match.stringLikeRegexp('^SchedulerSupervisor') }] },
      },
      Targets: [Match.objectLike({ InputTransformer: Match.objectLike({ InputPathsMap: { 'detail-executionArn': '$.detail.executionArn' } }) })],
    });
  });
});
