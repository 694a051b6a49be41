import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import {
  findResources, functionEnvironment, localAppContext, resolveIntrinsics, rules, stateMachineDefinition,
  TemplateResolver,
} from '../../local/src/template-resolver';

function buildStack() {
  const assetDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resolver-asset-'));
  fs.writeFileSync(path.join(assetDir, 'index.js'), 'exports.handler = async () => ({ ok: true });');
  const app = new App({ context: localAppContext });
  const stack = new Stack(app, 'LocalStack');
  const bus = new events.EventBus(stack, 'Bus', { eventBusName: 'my-bus' });
  const table = new dynamodb.Table(stack, 'Table', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: 'expiresAt',
  });
  const worker = new lambda.Function(stack, 'Worker', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async (e) => e;'),
  });
  const fromAsset = new lambda.Function(stack, 'FromAsset', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(assetDir),
    timeout: Duration.seconds(30),
  });
  const map = new sfn.Map(stack, 'Each', { itemsPath: '$.items', maxConcurrency: 5 });
  map.itemProcessor(new sfn.Wait(stack, 'WaitItem', { time: sfn.WaitTime.timestampPath('$.at') }).next(
    new tasks.EventBridgePutEvents(stack, 'EmitItem', {
      entries: [{
        eventBus: bus,
        source: 'local.test',
        detailType: 'Item',
        detail: sfn.TaskInput.fromJsonPathAt('$.detail'),
      }],
      resultPath: sfn.JsonPath.DISCARD,
    }),
  ));
  const definition = new sfn.Wait(stack, 'WaitStart', { time: sfn.WaitTime.secondsPath('$.delay') })
    .next(new tasks.LambdaInvoke(stack, 'Invoke', { lambdaFunction: worker, resultPath: '$.plan' }))
    .next(map);
  const machine = new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(definition) });
  fromAsset.addEnvironment('TABLE_NAME', table.tableName);
  fromAsset.addEnvironment('TABLE_ARN', table.tableArn);
  fromAsset.addEnvironment('MACHINE_ARN', machine.stateMachineArn);
  fromAsset.addEnvironment('BUS_NAME', bus.eventBusName);
  fromAsset.addEnvironment('REGION', stack.region);
  new events.Rule(stack, 'StartRule', {
    eventBus: bus,
    eventPattern: { detailType: ['Schedule Start'], source: [{ 'anything-but': ['com.x'] }] as any },
    targets: [new targets.LambdaFunction(fromAsset)],
  });
  new events.Rule(stack, 'DefaultBusRule', {
    eventPattern: { source: ['aws.ec2'] },
    targets: [new targets.LambdaFunction(worker, { event: events.RuleTargetInput.fromObject({ fixed: 1 }) })],
  });
  return { template: Template.fromStack(stack).toJSON(), assetDir };
}

describe('TemplateResolver', () => {
  const { template, assetDir } = buildStack();
  const r = new TemplateResolver(template);
  const logicalId = (type: string, prefix: string) => findResources(template, type)
    .find(x => x.logicalId.startsWith(prefix))!.logicalId;

  test('pseudo parameters and generated physical names', () => {
    expect(r.stackName).toBe('LocalStack');
    expect(resolveIntrinsics(template, { Ref: 'AWS::Region' })).toBe('us-east-1');
    expect(resolveIntrinsics(template, { Ref: 'AWS::AccountId' })).toBe('123456789012');
    expect(resolveIntrinsics(template, { Ref: 'AWS::Partition' })).toBe('aws');
    expect(resolveIntrinsics(template, { Ref: 'AWS::URLSuffix' })).toBe('amazonaws.com');
    expect(resolveIntrinsics(template, { Ref: 'AWS::StackName' })).toBe('LocalStack');
    const tableId = logicalId('AWS::DynamoDB::Table', 'Table');
    expect(r.ref(tableId)).toBe(`LocalStack-${tableId}-local`);
    expect(new TemplateResolver(template, { suffix: 'x2' }).ref(tableId)).toBe(`LocalStack-${tableId}-x2`);
    expect(r.ref(logicalId('AWS::Events::EventBus', 'Bus'))).toBe('my-bus');
    const fnName = r.ref(logicalId('AWS::Lambda::Function', 'FromAsset')) as string;
    expect(fnName.length).toBeLessThanOrEqual(64);
  });

  test('GetAtt Arn of functions, state machines, tables and buses; Ref of a state machine is its ARN', () => {
    const fnId = logicalId('AWS::Lambda::Function', 'Worker');
    expect(r.arn(fnId)).toBe(`arn:aws:lambda:us-east-1:123456789012:function:${r.physicalName(fnId)}`);
    const smId = logicalId('AWS::StepFunctions::StateMachine', 'Machine');
    expect(r.ref(smId)).toBe(`arn:aws:states:us-east-1:123456789012:stateMachine:${r.physicalName(smId)}`);
    expect(r.getAtt(smId, 'Name')).toBe(r.physicalName(smId));
    const tableId = logicalId('AWS::DynamoDB::Table', 'Table');
    expect(r.arn(tableId)).toBe(`arn:aws:dynamodb:us-east-1:123456789012:table/${r.physicalName(tableId)}`);
    expect(r.arn(logicalId('AWS::Events::EventBus', 'Bus'))).toBe('arn:aws:events:us-east-1:123456789012:event-bus/my-bus');
  });

  test('Fn::Join, Fn::Sub (both forms), Fn::Select, Fn::Split', () => {
    const tableId = logicalId('AWS::DynamoDB::Table', 'Table');
    expect(r.resolve({ 'Fn::Join': ['-', ['a', { Ref: 'AWS::Region' }, 'b']] })).toBe('a-us-east-1-b');
    expect(r.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${' + tableId + '}/${!Literal}' }))
      .toBe(`arn:aws:x:us-east-1:123456789012:${r.physicalName(tableId)}/\${Literal}`);
    expect(r.resolve({ 'Fn::Sub': ['${A}-${' + tableId + '.Arn}', { A: { Ref: 'AWS::AccountId' } }] }))
      .toBe(`123456789012-${r.arn(tableId)}`);
    expect(r.resolve({ 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] })).toBe('b');
    expect(r.resolve({ 'Fn::Select': [0, ['x', 'y']] })).toBe('x');
    expect(() => r.resolve({ 'Fn::If': ['C', 1, 2] })).toThrow(/not supported/);
  });

  test('the state machine definition is parsed with every token resolved', () => {
    const asl = stateMachineDefinition(template);
    const text = JSON.stringify(asl);
    expect(text).not.toMatch(/Fn::|"Ref"|\$\{Token/);
    expect(asl.StartAt).toBe('WaitStart');
    expect(asl.States.WaitStart).toEqual({ Type: 'Wait', SecondsPath: '$.delay', Next: 'Invoke' });
    const invoke = asl.States.Invoke;
    expect(invoke.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(invoke.Parameters.FunctionName).toBe(r.arn(logicalId('AWS::Lambda::Function', 'Worker')));
    const map = asl.States.Each;
    expect(map.Type).toBe('Map');
    expect(map.ItemProcessor.States.WaitItem).toMatchObject({ Type: 'Wait', TimestampPath: '$.at' });
    const emit = map.ItemProcessor.States.EmitItem;
    expect(emit.Resource).toBe('arn:aws:states:::events:putEvents');
    expect(emit.Parameters.Entries[0]).toEqual({
      'Detail.$': '$.detail',
      'DetailType': 'Item',
      // CDK passes the bus ARN; PutEvents accepts a name or an ARN
      'EventBusName': 'arn:aws:events:us-east-1:123456789012:event-bus/my-bus',
      'Source': 'local.test',
    });
  });

  test('rules: bus, pattern and targets', () => {
    const all = rules(template);
    const start = all.find(x => x.logicalId.startsWith('StartRule'))!;
    expect(start.eventBusName).toBe('my-bus');
    expect(start.eventPattern).toEqual({ 'detail-type': ['Schedule Start'], 'source': [{ 'anything-but': ['com.x'] }] });
    expect(start.state).toBe('ENABLED');
    expect(start.targets).toEqual([expect.objectContaining({
      arn: r.arn(logicalId('AWS::Lambda::Function', 'FromAsset')),
    })]);
    expect(start.targets[0].input).toBeUndefined();
    const onDefault = all.find(x => x.logicalId.startsWith('DefaultBusRule'))!;
    expect(onDefault.eventBusName).toBe('default');
    expect(JSON.parse(onDefault.targets[0].input!)).toEqual({ fixed: 1 });
  });

  test('function environment, timeout, asset path', () => {
    const id = logicalId('AWS::Lambda::Function', 'FromAsset');
    const env = functionEnvironment(template, id);
    const tableId = logicalId('AWS::DynamoDB::Table', 'Table');
    expect(env).toEqual({
      TABLE_NAME: r.physicalName(tableId),
      TABLE_ARN: r.arn(tableId),
      MACHINE_ARN: r.arn(logicalId('AWS::StepFunctions::StateMachine', 'Machine')),
      BUS_NAME: 'my-bus',
      REGION: 'us-east-1',
    });
    const fn = r.functions().find(f => f.logicalId === id)!;
    expect(fn.timeout).toBe(30);
    expect(fn.handler).toBe('index.handler');
    expect(fn.assetPath).toBe(assetDir);
    expect(r.functionByArn(fn.arn)?.logicalId).toBe(id);
    expect(r.functionByArn(`${fn.arn}:$LATEST`)?.logicalId).toBe(id);
    const inline = r.functions().find(f => f.logicalId.startsWith('Worker'))!;
    expect(inline.inlineCode).toContain('exports.handler');
    expect(inline.timeout).toBe(3);
  });

  test('tables: resolved properties with the physical name', () => {
    const [table] = r.tables();
    expect(table.properties).toMatchObject({
      TableName: table.name,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  test('event buses', () => {
    expect(r.eventBuses()).toEqual([expect.objectContaining({ name: 'my-bus' })]);
  });
});
