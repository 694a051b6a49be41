import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, InvalidName, ListExecutionsCommand, SFNClient,
  StartExecutionCommand, StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { applyAwsEnvironment, awsEnvironment, AwsError, closeSharedAwsEndpoint, LocalAwsEndpoint, sharedAwsEndpoint } from '../../local/src/aws-endpoint';
import { closeSharedDynamoDb, DynamoDbLocal, sharedDynamoDb } from '../../local/src/dynamodb-local';
import { VirtualClock } from '../../local/src/virtual-clock';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:m';

describe('LocalAwsEndpoint with real SDK v3 clients', () => {
  let endpoint: LocalAwsEndpoint;
  let dynamo: DynamoDbLocal;
  let restoreEnv: () => void;
  let unroute: () => void;
  const executions = new Map<string, any>();
  const events: any[] = [];

  beforeAll(async () => {
    endpoint = await sharedAwsEndpoint();
    dynamo = await sharedDynamoDb();
    expect(await sharedAwsEndpoint()).toBe(endpoint); // a process-wide singleton
    restoreEnv = applyAwsEnvironment(awsEnvironment(endpoint.url, dynamo.endpoint));
    unroute = endpoint.route({
      sfn: {
        StartExecution: (input: any) => {
          if (!/^[0-9A-Za-z_-]{1,80}$/.test(input.name)) throw new AwsError('InvalidName', `Invalid Name: '${input.name}'`);
          const arn = `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`;
          if (executions.has(arn)) throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
          executions.set(arn, { ...input, status: 'RUNNING', startDate: new Date() });
          return { executionArn: arn, startDate: new Date() };
        },
        StopExecution: (input: any) => {
          const e = executions.get(input.executionArn);
          if (!e) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
          e.status = 'ABORTED';
          return { stopDate: new Date() };
        },
        DescribeExecution: (input: any) => {
          const e = executions.get(input.executionArn);
          if (!e) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
          return {
            executionArn: input.executionArn,
            stateMachineArn: e.stateMachineArn,
            name: e.name,
            status: e.status,
            startDate: e.startDate,
            input: e.input,
          };
        },
      },
      events: {
        PutEvents: (input: any) => {
          events.push(...input.Entries);
          return { FailedEntryCount: 0, Entries: input.Entries.map((_: any, i: number) => ({ EventId: `e-${events.length}-${i}` })) };
        },
      },
    });
  });

  afterAll(async () => {
    unroute();
    restoreEnv();
    await closeSharedAwsEndpoint();
    await closeSharedDynamoDb();
  });

  test('service-specific endpoint variables reach the local endpoint (SFN)', async () => {
    const sfn = new SFNClient({}); // created after the variables are set; no explicit endpoint
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'one', input: '{"a":1}' }));
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:m:one');
    expect(started.startDate).toBeInstanceOf(Date);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described).toMatchObject({ status: 'RUNNING', name: 'one', input: '{"a":1}' });
    await sfn.send(new StopExecutionCommand({ executionArn: started.executionArn }));
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }))).status).toBe('ABORTED');
    expect(endpoint.calls().map(c => c.operation)).toEqual(expect.arrayContaining(['StartExecution', 'DescribeExecution', 'StopExecution']));
  });

  test('AWS-shaped errors map to the SDK exception classes', async () => {
    const sfn = new SFNClient({});
    await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'dup' }));
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'dup' })))
      .rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(sfn.send(new StopExecutionCommand({ executionArn: `${ARN}:nope` })))
      .rejects.toBeInstanceOf(ExecutionDoesNotExist);
    const invalid = await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'bad name!' })).catch(e => e);
    expect(invalid).toBeInstanceOf(InvalidName);
    expect(invalid.name).toBe('InvalidName');
    expect(invalid.$metadata.httpStatusCode).toBe(400);
  });

  test('EventBridge PutEvents reaches the endpoint (AWS JSON 1.1)', async () => {
    const eb = new EventBridgeClient({});
    const out = await eb.send(new PutEventsCommand({
      Entries: [{ Source: 'my.app', DetailType: 'Schedule Start', Detail: '{"id":"x"}', EventBusName: 'bus' }],
    }));
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries?.[0].EventId).toMatch(/^e-/);
    expect(events[events.length - 1]).toEqual({ Source: 'my.app', DetailType: 'Schedule Start', Detail: '{"id":"x"}', EventBusName: 'bus' });
  });

  test('unimplemented operations fail with UnknownOperationException', async () => {
    await expect(new SFNClient({}).send(new ListExecutionsCommand({ stateMachineArn: ARN })))
      .rejects.toMatchObject({ name: 'UnknownOperationException' });
  });

  test('DynamoDB clients reach dynalite; writes and conditional failures are counted', async () => {
    await dynamo.createTable({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }, 'endpoint-test');
    const ddb = new DynamoDBClient({});
    await ddb.send(new PutItemCommand({ TableName: 'endpoint-test', Item: { id: { S: 'a' }, n: { N: '1' } } }));
    await expect(ddb.send(new PutItemCommand({
      TableName: 'endpoint-test', Item: { id: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(id)',
    }))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const got = await ddb.send(new GetItemCommand({ TableName: 'endpoint-test', Key: { id: { S: 'a' } } }));
    expect(got.Item).toEqual({ id: { S: 'a' }, n: { N: '1' } });
    expect(await dynamo.getItem('endpoint-test', 'a')).toEqual({ id: 'a', n: 1 });
    expect(dynamo.stats('endpoint-test')).toMatchObject({ writes: 1, conditionalCheckFailures: 1, reads: 2 });
  });

  test('capacity units are billed by item size, as on-demand DynamoDB bills them', async () => {
    await dynamo.createTable({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }, 'units-test');
    const ddb = new DynamoDBClient({});
    const key = (sk: string) => ({ pk: { S: 'p' }, sk: { S: sk } });
    // 3,000 B of attribute value: 3 WRU (1 per KB, rounded up); a small item: 1 WRU.
    await ddb.send(new PutItemCommand({ TableName: 'units-test', Item: { ...key('big'), v: { S: 'x'.repeat(3_000) } } }));
    await ddb.send(new PutItemCommand({ TableName: 'units-test', Item: { ...key('small'), v: { S: 'y' } } }));
    expect(dynamo.stats('units-test')).toMatchObject({ writes: 2, writeUnits: 4 });
    // An update is billed for the larger of the item before and after: 3 WRU, though it writes one byte.
    await ddb.send(new UpdateItemCommand({
      TableName: 'units-test', Key: key('big'), UpdateExpression: 'SET w = :w', ExpressionAttributeValues: { ':w': { S: 'z' } },
    }));
    expect(dynamo.stats('units-test').writeUnits).toBe(7);
    // A refused condition is billed as a write.
    await expect(ddb.send(new PutItemCommand({
      TableName: 'units-test', Item: key('small'), ConditionExpression: 'attribute_not_exists(pk)',
    }))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(dynamo.stats('units-test').writeUnits).toBe(8);
    // Reads: 1 RRU per 4 KB strongly consistent, half eventually consistent; a Query sums the items it read.
    await ddb.send(new GetItemCommand({ TableName: 'units-test', Key: key('big'), ConsistentRead: true }));
    await ddb.send(new GetItemCommand({ TableName: 'units-test', Key: key('small') }));
    await ddb.send(new QueryCommand({
      TableName: 'units-test', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } }, ConsistentRead: true,
    }));
    expect(dynamo.stats('units-test')).toMatchObject({ reads: 3, readUnits: 2.5 });
    // A Query that reads nothing is billed its minimum: 1 RRU strongly consistent, 0.5 eventually consistent.
    const empty = { TableName: 'units-test', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'none' } } };
    await ddb.send(new QueryCommand({ ...empty, ConsistentRead: true }));
    await ddb.send(new QueryCommand({ ...empty, ReturnConsumedCapacity: 'NONE' }));
    expect(dynamo.stats('units-test').readUnits).toBe(4);
  });

  describe('under the virtual clock', () => {
    let clock: VirtualClock;
    beforeEach(() => {
      clock = VirtualClock.install({ now: Date.parse('2030-01-01T00:00:00Z') });
    });
    afterEach(() => {
      endpoint.clearFaults();
      clock.uninstall();
    });

    test('the Date header and timestamps are virtual', async () => {
      const sfn = new SFNClient({});
      const out = await clock.track(sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'virtual' })));
      expect(out.startDate?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    });

    test('throttling faults are retried by the SDK with a back-off on fake timers', async () => {
      endpoint.injectFault('events:PutEvents', new AwsError('ThrottlingException', 'Rate exceeded'), 2);
      const eb = new EventBridgeClient({});
      const before = endpoint.calls().length;
      const sent = clock.track(eb.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] })));
      await clock.advanceBy(60_000);
      const out = await sent;
      expect(out.FailedEntryCount).toBe(0);
      const calls = endpoint.calls().slice(before);
      expect(calls.map(c => c.errorType ?? 'ok')).toEqual(['ThrottlingException', 'ThrottlingException', 'ok']);
      expect(clock.timersFired()).toBeGreaterThanOrEqual(2); // the two back-off sleeps
    });

    test('a fault the SDK does not retry surfaces as its type', async () => {
      endpoint.injectFault('sfn:StartExecution', new AwsError('StateMachineDoesNotExist', 'nope'));
      await expect(clock.track(new SFNClient({}).send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'x1' }))))
        .rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    });

    test('dynalite creates tables and serves requests with fake timers installed', async () => {
      expect((globalThis.setTimeout as any).clock).toBeDefined();
      const { ignored } = await dynamo.createTable({
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      }, 'fake-clock-table');
      expect(ignored).toEqual(['TimeToLiveSpecification', 'PointInTimeRecoverySpecification', 'SSESpecification']);
      expect((globalThis.setTimeout as any).clock).toBeDefined(); // the fake is back
      const ddb = new DynamoDBClient({});
      await clock.track(ddb.send(new PutItemCommand({ TableName: 'fake-clock-table', Item: { id: { S: 'k' } } })));
      expect(await dynamo.getItem('fake-clock-table', 'k')).toEqual({ id: 'k' });
      expect(clock.nowMs()).toBe(Date.parse('2030-01-01T00:00:00Z'));
      await dynamo.deleteTable('fake-clock-table');
    });
  });
});
