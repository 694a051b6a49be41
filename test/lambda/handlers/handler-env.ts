import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { putEventsTransport, sendPutEventsWithClient } from '../../../lambda/aws/scheduler-events';
import { ENV } from '../../../src/contract';

/** The environment the construct gives the handlers, for handler unit tests. */
export const TEST_ENV = {
  [ENV.TABLE_NAME]: 'schedules',
  [ENV.EVENT_BUS_NAME]: 'app-bus',
  [ENV.TICK_SOURCE]: 'com.test',
  [ENV.RETENTION_SECONDS]: '86400',
  [ENV.STATE_MACHINE_ARN]: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Scheduler',
};

export function useHandlerEnv(): void {
  const saved = { ...process.env };
  beforeEach(() => Object.assign(process.env, TEST_ENV));
  afterEach(() => {
    process.env = { ...saved };
  });
}

let counter = 0;
/** An EventBridge event as a rule target receives it. */
export function commandEvent(detailType: string, detail: unknown, overrides: Partial<{ id: string; time: string; source: string }> = {}) {
  counter += 1;
  return {
    'version': '0',
    'id': overrides.id ?? `event-${counter}`,
    'detail-type': detailType,
    'source': overrides.source ?? 'my.app',
    'account': '123456789012',
    'time': overrides.time ?? '2026-11-22T10:00:00Z',
    'region': 'eu-west-1',
    'resources': [],
    detail,
  } as any;
}

/**
 * The three AWS clients the handlers use, mocked (aws-sdk-client-mock), reset before each test, with the bus
 * accepting every entry by default.
 */
export function mockAwsClients() {
  const clients = { dynamo: mockClient(DynamoDBClient), sfn: mockClient(SFNClient), bus: mockClient(EventBridgeClient) };
  beforeEach(() => {
    clients.dynamo.reset();
    clients.sfn.reset();
    clients.bus.reset();
    clients.bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    // The emitter's lean PutEvents sender bypasses the client: send through the mocked client instead.
    putEventsTransport.send = sendPutEventsWithClient;
  });
  return clients;
}

/** DynamoDB's answer to a write whose condition failed, carrying the item it was checked against (if any). */
export const conditionFailed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: item ? marshall(item) : undefined });

/** Handlers read the time with `new Date()`: fix it at `now` for each test (promises and I/O stay real). */
export function useFakeClock(now: Date): void {
  beforeEach(() => jest.useFakeTimers({ now, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());
}
