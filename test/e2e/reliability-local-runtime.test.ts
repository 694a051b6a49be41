/**
 * The local runtime behaves like AWS where the reliability tests depend on it, and its fault hooks do what they say:
 * - dynalite returns the item of a failed condition (`ReturnValuesOnConditionCheckFailure`), which the handlers
 *   use to tell a redelivery from a stale command;
 * - dynalite's responses carry the virtual time, so the SDK never "corrects its clock" and retries a failed
 *   condition (it did, five times, when the virtual clock was far from the real one);
 * - nothing of a failed execution runs any more (the Map's remaining iterations used to go on ticking);
 * - Lambda, bus and endpoint faults and hooks.
 */
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { LocalScheduler } from '../../local/src';
import { applyAwsEnvironment, AwsError, awsEnvironment, sharedAwsEndpoint } from '../../local/src/aws-endpoint';
import { DynamoDbOperation, sharedDynamoDb } from '../../local/src/dynamodb-local';
import { VirtualClock } from '../../local/src/virtual-clock';

const DAY = 24 * 3600 * 1000;

describe('DynamoDB (dynalite) under a virtual clock far from real time', () => {
  let clock: VirtualClock;
  let restoreEnv: () => void;
  const operations: DynamoDbOperation[] = [];
  let stopListening: () => void;
  const TABLE = `reliability-runtime-${process.pid}`;

  beforeAll(async () => {
    const [dynamo, endpoint] = await Promise.all([sharedDynamoDb(), sharedAwsEndpoint()]);
    restoreEnv = applyAwsEnvironment(awsEnvironment(endpoint.url, dynamo.endpoint));
    await dynamo.createTable({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }, TABLE);
    stopListening = dynamo.onOperation((op) => operations.push(op));
    clock = VirtualClock.install({ now: Date.parse('2031-03-01T00:00:00Z') });
  });
  afterAll(async () => {
    clock.uninstall();
    stopListening();
    restoreEnv();
    await (await sharedDynamoDb()).deleteTable(TABLE);
  });

  test('a failed condition returns the item it was checked against (ReturnValuesOnConditionCheckFailure: ALL_OLD)', async () => {
    const ddb = new DynamoDBClient({});
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { id: { S: 'a' }, lastCommand: { S: 'z' } } }));
    const conditional = (returnValues?: 'ALL_OLD') => ddb.send(new PutItemCommand({
      TableName: TABLE,
      Item: { id: { S: 'a' }, lastCommand: { S: 'b' } },
      ConditionExpression: 'attribute_not_exists(id) OR lastCommand < :c',
      ExpressionAttributeValues: { ':c': { S: 'b' } },
      ...(returnValues ? { ReturnValuesOnConditionCheckFailure: returnValues } : {}),
    }));

    const failed = await conditional('ALL_OLD').catch((e) => e);
    expect(failed).toBeInstanceOf(ConditionalCheckFailedException);
    expect(failed.Item).toEqual({ id: { S: 'a' }, lastCommand: { S: 'z' } });
    // Without the parameter, no item (as on DynamoDB).
    expect((await conditional().catch((e) => e)).Item).toBeUndefined();
  });

  test('a failed condition is sent once, even after virtual time jumped by days', async () => {
    const ddb = new DynamoDBClient({});
    for (const jump of [0, 3 * DAY, 400 * DAY]) {
      await clock.advanceBy(jump);
      operations.length = 0;
      const update = ddb.send(new UpdateItemCommand({
        TableName: TABLE,
        Key: { id: { S: 'missing' } },
        UpdateExpression: 'SET n = :n',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':n': { N: '1' } },
      }));
      await expect(update).rejects.toBeInstanceOf(ConditionalCheckFailedException);
      expect(operations.filter((op) => op.operation === 'UpdateItem')).toHaveLength(1);
    }
  });
});

describe('LocalScheduler fault hooks and fidelity', () => {
  let local: LocalScheduler;
  beforeEach(async () => {
    local = await LocalScheduler.create({ now: new Date('2026-05-04T08:00:00Z') });
  });
  afterEach(async () => {
    local.endpoint.clearFaults();
    await local.close();
  });

  test('a failed execution runs no state after it failed (no tick of its batch goes out)', async () => {
    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'f', every: '1m' } });
    await local.advanceBy(90_000);
    local.bus.injectFault('InternalFailure', 9, 'Schedule Tick');
    await local.advanceBy(60 * 60_000);

    expect(local.executions().map((e) => e.status)).toEqual(['FAILED']);
    expect(local.ticks('f')).toHaveLength(1);
  });

  test('LocalFunction.injectFault fails the next invocations with the error type, after the delay; intercept wraps them', async () => {
    const plan = local.functions.find((fn) => fn.name.includes('PlanFunction'))!;
    const seen: string[] = [];
    plan.intercept(async (event, proceed) => {
      seen.push(`before ${new Date().toISOString()} ${event.state.id}`);
      try {
        return await proceed();
      } finally {
        seen.push(`after ${new Date().toISOString()}`);
      }
    });
    plan.injectFault({ errorType: 'Lambda.TooManyRequestsException', delayMs: 5_000 }, 1);
    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'p', every: '1s', limit: 101 } });
    await local.advanceBy(200_000);

    expect(plan.errors).toBe(1);
    expect(seen.slice(0, 2)).toEqual(['before 2026-05-04T08:01:40.000Z p', 'after 2026-05-04T08:01:45.000Z']);
    expect(local.ticks('p').map((t) => t.sequence)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
  });

  test('LocalEventBus.injectFault fails entries of one detail type only, and records none of them', async () => {
    local.bus.injectFault('ThrottlingException', 1, 'Schedule Rejected');
    const result = local.bus.putEvents({
      Entries: [
        { Source: 'x', DetailType: 'Other', Detail: '{}' },
        { Source: 'x', DetailType: 'Schedule Rejected', Detail: '{}' },
        { Source: 'x', DetailType: 'Schedule Rejected', Detail: '{}' },
      ],
    });
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries.map((e) => e.ErrorCode ?? 'ok')).toEqual(['ok', 'ThrottlingException', 'ok']);
    expect(local.events().map((e) => e.detailType)).toEqual(['Other', 'Schedule Rejected']);
  });

  test('LocalAwsEndpoint.intercept wraps an operation and is removed by the function it returns', async () => {
    const names: string[] = [];
    const remove = local.endpoint.intercept('sfn:StartExecution', async (input, proceed) => {
      names.push(input.name);
      return proceed(input);
    });
    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'i1', duration: '1m' } });
    remove();
    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'i2', duration: '1m' } });

    expect(names).toHaveLength(1);
    expect(local.executions()).toHaveLength(2);
  });
});

test('GIVEN a runtime closed with faults still armed on the shared AWS endpoint WHEN the next runtime starts THEN none of them leaks into it', async () => {
  const first = await LocalScheduler.create({ now: new Date('2026-05-04T08:00:00Z') });
  first.endpoint.injectFault('sfn:StartExecution', new AwsError('ThrottlingException', 'Rate exceeded', 400), 50);
  first.endpoint.intercept('events:PutEvents', async () => {
    throw new AwsError('InternalException', 'intercepted', 500);
  });
  await first.close();

  const second = await LocalScheduler.create({ now: new Date('2026-05-04T08:00:00Z') });
  try {
    await second.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'clean', duration: '1m' } });
    await second.advanceBy(2 * 60_000);
    expect(second.ticks('clean')).toHaveLength(1);
    expect(second.endpoint.calls().filter((c) => c.errorType)).toEqual([]);
  } finally {
    await second.close();
  }
});
