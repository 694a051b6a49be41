import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { mockClient } from 'aws-sdk-client-mock';
import { commandEvent, useHandlerEnv } from './lambda/handlers/handler-env';
import { handler as startHandler } from '../lambda/handlers/start';
import { handler as stopHandler } from '../lambda/handlers/stop';
import { ScheduleEvents, ScheduleStartOptions } from '../src';

const NOW = new Date('2026-11-22T10:00:00.000Z');

beforeEach(() => jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

/** The message `start()` throws, or undefined when it returns. */
function startError(options: unknown): string | undefined {
  try {
    ScheduleEvents.start(options as ScheduleStartOptions);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('ScheduleEvents.start builds a PutEvents entry', () => {
  test('a valid Start becomes a Schedule Start entry from the default source with only the fields given', () => {
    const entry = ScheduleEvents.start({ id: 'report:daily', cron: '0 9 * * MON-FRI', timezone: 'Europe/Rome', limit: 20 });

    expect(entry).toEqual({
      source: 'cdk-dynamic-scheduler.client',
      detailType: 'Schedule Start',
      detail: '{"id":"report:daily","cron":"0 9 * * MON-FRI","limit":20,"timezone":"Europe/Rome"}',
    });
  });

  test('the detail keeps the event contract order and carries the payload unchanged', () => {
    const payload = { queue: 'orders', nested: { list: [1, 'two', null, true] } };
    const entry = ScheduleEvents.start({
      payload,
      endAt: '2026-12-31T23:00:00Z',
      startAt: '2026-12-01T00:00:00+01:00',
      every: '30s',
      id: 'poll:orders',
    });

    expect(Object.keys(JSON.parse(entry.detail))).toEqual(['id', 'every', 'startAt', 'endAt', 'payload']);
    expect(JSON.parse(entry.detail).payload).toEqual(payload);
  });

  test.each([
    ['cron', { id: 'a', cron: 'cron(0 12 ? * 2-6 *)' }],
    ['every', { id: 'b', every: 'PT5M', limit: 3 }],
    ['duration', { id: 'c', duration: '90m' }],
    ['at', { id: 'd', at: '2026-12-24T18:00:00+01:00' }],
  ])('a valid %s Start is accepted', (_kind, options) => {
    expect(JSON.parse(ScheduleEvents.start(options).detail)).toEqual(options);
  });

  test('source and eventBusName go into the entry, and toPutEventsEntry names the fields like PutEvents', () => {
    const entry = ScheduleEvents.start({ id: 'x', every: '5m', source: 'billing', eventBusName: 'app-bus' });

    expect(ScheduleEvents.toPutEventsEntry(entry)).toEqual({
      Source: 'billing',
      DetailType: 'Schedule Start',
      Detail: '{"id":"x","every":"5m"}',
      EventBusName: 'app-bus',
    });
  });

  test('toPutEventsEntry leaves EventBusName out when the entry has none (PutEvents then uses the default bus)', () => {
    expect(Object.keys(ScheduleEvents.toPutEventsEntry(ScheduleEvents.stop('x')))).toEqual(['Source', 'DetailType', 'Detail']);
  });

  test('an unresolved event bus name passes through for CDK code (integration tests, custom resources)', () => {
    const stack = new Stack(new App(), 'Stack');
    const bus = new events.EventBus(stack, 'Bus');
    const entry = ScheduleEvents.start({ id: 'x', every: '5m', eventBusName: bus.eventBusName });

    expect(stack.resolve(entry.eventBusName)).toEqual({ Ref: 'BusEA82B648' });
  });
});

describe('ScheduleEvents.start validates like the start handler', () => {
  test('one problem is one line naming the value and the fix', () => {
    expect(startError({ id: 'x', duration: '5' })).toBe('Invalid Schedule Start: duration "5" has no unit; write e.g. "5m" or "PT5M"');
  });

  test('every problem is listed, one per line', () => {
    const message = startError({ id: '', every: '5M', limit: 0 });

    expect(message?.split('\n')).toEqual([
      'Invalid Schedule Start, 3 problems:',
      expect.stringMatching(/^- id "" is empty/),
      expect.stringMatching(/^- every "5M" is ambiguous/),
      expect.stringMatching(/^- limit must be a whole number from 1 to 1000000000; received 0/),
    ]);
  });

  test('an instant in the past is refused against the local clock', () => {
    expect(startError({ id: 'x', at: '2026-11-22T09:59:59Z' })).toMatch(/^Invalid Schedule Start: at "2026-11-22T09:59:59Z" is not in the future \(now is 2026-11-22T10:00:00.000Z\)/);
  });

  test('a payload over 8 KiB is refused', () => {
    expect(startError({ id: 'x', every: '5m', payload: { text: 'y'.repeat(9_000) } })).toMatch(/^Invalid Schedule Start: payload is 9\d{3} bytes as JSON \(UTF-8\); at most 8192 bytes are allowed$/);
  });

  test('a field the contract does not have is reported, not dropped', () => {
    expect(startError({ id: 'x', every: '5m', colour: 'red' })).toMatch(/^Invalid Schedule Start: unknown field "colour"; allowed fields are id, cron/);
  });

  describe('the messages are the ones the start handler puts in Schedule Rejected', () => {
    const dynamo = mockClient(DynamoDBClient);
    const sfn = mockClient(SFNClient);
    const bus = mockClient(EventBridgeClient);
    useHandlerEnv();
    beforeEach(() => {
      for (const client of [dynamo, sfn, bus]) client.reset();
      bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
      dynamo.on(GetItemCommand).resolves({});
      dynamo.on(PutItemCommand).resolves({});
      dynamo.on(UpdateItemCommand).resolves({});
      sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: NOW });
      sfn.on(StopExecutionCommand).resolves({ stopDate: NOW });
    });
    const rejectedMessages = () => bus.commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .filter((entry) => entry.DetailType === 'Schedule Rejected')
      .flatMap((entry) => JSON.parse(entry.Detail!).errors.map((e: { message: string }) => e.message));
    const listed = (message: string | undefined) => (message ?? '').replace(/^Invalid Schedule (Start|Stop)(: |, \d+ problems:\n- )/, '').split('\n- ');

    test.each([
      ['no unit', { id: 'x', duration: '5' }],
      ['ambiguous M', { id: 'x', every: '5M' }],
      ['an impossible cron', { id: 'x', cron: '0 0 31 2 *' }],
      ['an unknown zone', { id: 'x', cron: '0 9 * * *', timezone: 'Mars/Olympus' }],
      ['endAt before startAt', { id: 'x', every: '5m', startAt: '2026-12-02T00:00:00Z', endAt: '2026-12-01T00:00:00Z' }],
      ['two timing fields', { id: 'x', every: '5m', cron: '* * * * *' }],
      ['no timing field and a bad limit', { id: 'x', limit: 1.5 }],
      ['a limit on a one-shot', { id: 'x', duration: '5m', limit: 2 }],
      ['a wrong type', { id: 'x', every: 5 }],
      ['a control character in the id', { id: 'a\u0007b', every: '5m' }],
      ['an offset-less instant', { id: 'x', at: '2026-12-24T18:00:00' }],
    ])('%s', async (_name, detail) => {
      await startHandler(commandEvent('Schedule Start', detail));

      const fromHandler = rejectedMessages();
      expect(fromHandler.length).toBeGreaterThan(0);
      expect(listed(startError(detail))).toEqual(fromHandler);
    });

    test('an empty id in a Stop', async () => {
      await stopHandler(commandEvent('Schedule Stop', { id: '' }));

      let thrown: string | undefined;
      try {
        ScheduleEvents.stop('');
      } catch (error) {
        thrown = (error as Error).message;
      }
      expect(listed(thrown)).toEqual(rejectedMessages());
      expect(thrown).toMatch(/^Invalid Schedule Stop: id "" is empty/);
    });
  });
});

describe('ScheduleEvents.stop', () => {
  test('builds a Schedule Stop with the id only', () => {
    expect(ScheduleEvents.stop('report:daily', { source: 'billing', eventBusName: 'app-bus' })).toEqual({
      source: 'billing',
      detailType: 'Schedule Stop',
      detail: '{"id":"report:daily"}',
      eventBusName: 'app-bus',
    });
  });
});

describe('sources and buses EventBridge would refuse', () => {
  test('a source starting with "aws." is refused, naming the value', () => {
    expect(() => ScheduleEvents.stop('x', { source: 'aws.events' })).toThrow('source cannot start with "aws." (reserved for AWS services), got: "aws.events"');
  });

  test('an empty source is refused', () => {
    expect(() => ScheduleEvents.start({ id: 'x', every: '5m', source: '' })).toThrow('source must be 1 to 256 characters long, got 0: ""');
  });

  test('an empty event bus name is refused', () => {
    expect(() => ScheduleEvents.stop('x', { eventBusName: '' })).toThrow('eventBusName cannot be empty; omit it to send to the default bus');
  });
});
