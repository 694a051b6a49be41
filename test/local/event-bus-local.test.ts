import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { closeSharedDynamoDb, sharedDynamoDb } from '../../local/src/dynamodb-local';
import { LocalEventBus, transformInput } from '../../local/src/event-bus-local';
import { LocalFunction } from '../../local/src/lambda-local';
import { TaskError } from '../../local/src/step-functions-local';
import { dynamoDbTask, isDynamoDbTask, isLambdaArn, LAMBDA_INVOKE, lambdaTask } from '../../local/src/task-integrations';
import { RuleInfo } from '../../local/src/template-resolver';
import { VirtualClock } from '../../local/src/virtual-clock';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const FN = 'arn:aws:lambda:us-east-1:123456789012:function:start';

const startRule: RuleInfo = {
  logicalId: 'StartRule',
  name: 'start-rule',
  eventBusName: 'sched',
  eventPattern: { 'source': [{ 'anything-but': ['scheduler'] }], 'detail-type': ['Schedule Start'] },
  state: 'ENABLED',
  targets: [{ id: 'T1', arn: FN }],
};

describe('LocalEventBus', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = VirtualClock.install({ now: T0 });
  });
  afterEach(() => clock.uninstall());

  test('PutEvents wraps, records and delivers matching events to targets, after the call returns', async () => {
    const delivered: any[] = [];
    const bus = new LocalEventBus({ buses: ['sched'], rules: [startRule], deliver: (t, input) => { delivered.push([t.arn, input]); } });
    const out = bus.putEvents({
      Entries: [
        { Source: 'my.app', DetailType: 'Schedule Start', Detail: '{"id":"a"}', EventBusName: 'sched' },
        { Source: 'scheduler', DetailType: 'Schedule Start', Detail: '{"id":"b"}', EventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/sched' },
        { Source: 'my.app', DetailType: 'Schedule Start', Detail: '{"id":"c"}' }, // default bus: no rule
      ],
    });
    expect(out.FailedEntryCount).toBe(0);
    expect(delivered).toEqual([]);
    await clock.settle();
    expect(delivered).toEqual([[FN, {
      'version': '0',
      'id': out.Entries[0].EventId,
      'detail-type': 'Schedule Start',
      'source': 'my.app',
      'account': '123456789012',
      'time': '2030-01-01T00:00:00Z',
      'region': 'us-east-1',
      'resources': [],
      'detail': { id: 'a' },
    }]]);
    expect(bus.events().map(e => [e.eventBusName, e.detail.id])).toEqual([['sched', 'a'], ['sched', 'b'], ['default', 'c']]);
  });

  test('per-entry failures and the 10-entry limit', () => {
    const bus = new LocalEventBus({ deliver: () => undefined });
    const out = bus.putEvents({
      Entries: [
        { Source: 's', DetailType: 'd', Detail: 'not json' },
        { Source: 's', DetailType: 'd', Detail: '[1]' },
        { Source: 's', DetailType: 'd', Detail: '{}', EventBusName: 'nope' },
        { Source: 's', DetailType: 'd' },
        { Source: 's', DetailType: 'd', Detail: '{}' },
      ],
    });
    expect(out.FailedEntryCount).toBe(4);
    expect(out.Entries.map(e => e.ErrorCode ?? 'ok')).toEqual(['MalformedDetail', 'MalformedDetail', 'ResourceNotFoundException', 'InvalidArgument', 'ok']);
    expect(() => bus.putEvents({ Entries: Array(11).fill({ Source: 's', DetailType: 'd', Detail: '{}' }) }))
      .toThrow(expect.objectContaining({ type: 'ValidationException' }));
  });

  test('the putEvents Task integration takes Detail objects and fails with EventBridge.FailedEntry', () => {
    const bus = new LocalEventBus({ deliver: () => undefined });
    const ok = bus.putEventsTask({ Entries: [{ Source: 's', DetailType: 'd', Detail: { a: 1 } }] });
    expect(ok).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
    expect(bus.events()[0].detail).toEqual({ a: 1 });
    expect(() => bus.putEventsTask({ Entries: [{ Source: 's', DetailType: 'd', Detail: {}, EventBusName: 'missing' }] }))
      .toThrow(expect.objectContaining({ name: 'EventBridge.FailedEntry' }));
  });

  test('a failing delivery is retried after 1 and 2 minutes (virtual), then recorded as failed', async () => {
    const attempts: number[] = [];
    const bus = new LocalEventBus({
      buses: ['sched'],
      rules: [startRule],
      deliver: () => { attempts.push(Date.now() - T0); throw new Error('handler failed'); },
    });
    bus.putEvents({ Entries: [{ Source: 'x', DetailType: 'Schedule Start', Detail: '{}', EventBusName: 'sched' }] });
    await clock.advanceBy(10 * 60_000);
    expect(attempts).toEqual([0, 60_000, 180_000]);
    expect(bus.deliveries()).toEqual([expect.objectContaining({ status: 'FAILED', attempts: 3, error: 'Error: handler failed' })]);
  });

  test('Input, InputPath and InputTransformer', async () => {
    const got: any[] = [];
    const rule: RuleInfo = {
      ...startRule,
      targets: [
        { id: 'a', arn: 'x', input: '{"fixed":true}' },
        { id: 'b', arn: 'x', inputPath: '$.detail' },
        { id: 'c', arn: 'x', inputTransformer: { InputPathsMap: { id: '$.detail.id', n: '$.detail.n' }, InputTemplate: '{"schedule": <id>, "count": <n>}' } },
      ],
    };
    const bus = new LocalEventBus({ buses: ['sched'], rules: [rule], deliver: (_t, input) => { got.push(input); } });
    bus.putEvents({ Entries: [{ Source: 'x', DetailType: 'Schedule Start', Detail: '{"id":"s1","n":3}', EventBusName: 'sched' }] });
    await clock.settle();
    expect(got).toEqual([{ fixed: true }, { id: 's1', n: 3 }, { schedule: 's1', count: 3 }]);
    expect(transformInput({ InputPathsMap: { id: '$.detail.id' }, InputTemplate: '"id is <id>"' }, { detail: { id: 'q' } })).toBe('id is q');
  });
});

describe('task integrations', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'task-int-'));
  fs.writeFileSync(path.join(dir, 'index.js'), `
    exports.handler = async (e) => { if (e.fail) { const x = new Error('bad'); x.name = 'PlanError'; throw x; } return { echo: e }; };
  `);
  const fn = new LocalFunction({ name: 'plan', arn: 'arn:aws:lambda:us-east-1:123456789012:function:plan', modulePath: path.join(dir, 'index.js') });
  const resolve = (nameOrArn: string) => (nameOrArn === fn.arn || nameOrArn === fn.name ? fn : undefined);

  afterAll(() => closeSharedDynamoDb());

  test('resource recognizers', () => {
    expect(isLambdaArn(fn.arn)).toBe(true);
    expect(isLambdaArn(`${fn.arn}:$LATEST`)).toBe(true);
    expect(isLambdaArn(LAMBDA_INVOKE)).toBe(false);
    expect(isDynamoDbTask('arn:aws:states:::dynamodb:updateItem')).toBe(true);
    expect(isDynamoDbTask('arn:aws:states:::aws-sdk:dynamodb:updateItem')).toBe(true);
    expect(isDynamoDbTask('arn:aws:states:::events:putEvents')).toBe(false);
  });

  test('Lambda: function ARN resource and lambda:invoke shapes; errors named after errorType', async () => {
    expect(await lambdaTask(fn.arn, { a: 1 }, resolve)).toEqual({ echo: { a: 1 } });
    expect(await lambdaTask(LAMBDA_INVOKE, { FunctionName: fn.arn, Payload: { a: 2 } }, resolve)).toMatchObject({
      ExecutedVersion: '$LATEST', Payload: { echo: { a: 2 } }, StatusCode: 200, SdkHttpMetadata: { HttpStatusCode: 200 },
    });
    const err = await lambdaTask(fn.arn, { fail: true }, resolve).catch(e => e);
    expect(err).toBeInstanceOf(TaskError);
    expect(err.name).toBe('PlanError');
    expect(JSON.parse(err.message)).toMatchObject({ errorType: 'PlanError', errorMessage: 'bad' });
    await expect(lambdaTask('arn:aws:lambda:us-east-1:123456789012:function:nope', {}, resolve))
      .rejects.toMatchObject({ name: 'Lambda.ResourceNotFoundException' });
  });

  test('DynamoDB: optimized and AWS SDK integrations; error names', async () => {
    const dynamo = await sharedDynamoDb();
    await dynamo.createTable({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    }, 'task-int');
    const update = {
      TableName: 'task-int',
      Key: { id: { S: 'a' } },
      UpdateExpression: 'SET #s = :s',
      ConditionExpression: 'attribute_exists(id)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': { S: 'FAILED' } },
    };
    await expect(dynamoDbTask('arn:aws:states:::dynamodb:updateItem', update, dynamo))
      .rejects.toMatchObject({ name: 'DynamoDB.ConditionalCheckFailedException' });
    await expect(dynamoDbTask('arn:aws:states:::aws-sdk:dynamodb:updateItem', update, dynamo))
      .rejects.toMatchObject({ name: 'DynamoDb.ConditionalCheckFailedException' });
    await dynamoDbTask('arn:aws:states:::dynamodb:putItem', { TableName: 'task-int', Item: { id: { S: 'a' } } }, dynamo);
    const out = await dynamoDbTask('arn:aws:states:::dynamodb:updateItem', { ...update, ReturnValues: 'ALL_NEW' }, dynamo);
    expect(out).toMatchObject({ Attributes: { id: { S: 'a' }, status: { S: 'FAILED' } }, SdkHttpMetadata: { HttpStatusCode: 200 } });
    expect(await dynamo.getItem('task-int', 'a')).toEqual({ id: 'a', status: 'FAILED' });
  });
});
