import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ExecutionAlreadyExists, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import { commandEvent, mockAwsClients, useFakeClock, useHandlerEnv } from './handler-env';
import { handler } from '../../../lambda/handlers/start';
import { ENV } from '../../../src/contract';

const { dynamo, sfn, bus } = mockAwsClients();
useHandlerEnv();

const NOW = new Date('2026-11-22T10:00:00.000Z');
useFakeClock(NOW);
const OLD_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:Scheduler:old';

beforeEach(() => {
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: NOW });
  sfn.on(StopExecutionCommand).resolves({ stopDate: NOW });
});

/** The item as the re-read after StartExecution sees it. */
function currentItemIs(item: Record<string, unknown> | undefined) {
  dynamo.on(GetItemCommand).resolves({ Item: item ? marshall(item) : undefined });
}
const startedInput = () => JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!);
const putDetails = (detailType: string) => bus.commandCalls(PutEventsCommand)
  .flatMap((call) => call.args[0].input.Entries ?? [])
  .filter((entry) => entry.DetailType === detailType)
  .map((entry) => JSON.parse(entry.Detail!));

describe('start handler: rejections', () => {
  test.each([
    ['a duration with no unit', { id: 'x', duration: '5' }, 'duration'],
    ['an ambiguous uppercase M', { id: 'x', every: '5M' }, 'every'],
    ['a zero interval', { id: 'x', every: '0s' }, 'every'],
    ['a negative interval', { id: 'x', every: '-5m' }, 'every'],
    ['an unknown unit', { id: 'x', duration: '5y' }, 'duration'],
    ['an impossible cron', { id: 'x', cron: '0 0 31 2 *' }, 'cron'],
    ['endAt before startAt', { id: 'x', every: '5m', startAt: '2026-12-02T00:00:00Z', endAt: '2026-12-01T00:00:00Z' }, 'endAt'],
    ['an unknown field', { id: 'x', every: '5m', color: 'red' }, 'color'],
    ['a wrong type', { id: 'x', every: 5 }, 'every'],
    ['a limit of zero', { id: 'x', cron: '* * * * *', limit: 0 }, 'limit'],
    ['a missing id', { every: '5m' }, 'id'],
    ['no timing field', { id: 'x' }, 'cron'],
  ])('%s is rejected with an error naming the field, and nothing is written or started', async (_name, detail, field) => {
    currentItemIs(undefined);
    await handler(commandEvent('Schedule Start', detail));

    const [rejected] = putDetails('Schedule Rejected');
    expect(rejected.received).toEqual(detail);
    expect(rejected.command).toBe('Schedule Start');
    expect(rejected.errors.map((e: any) => e.field).join(' ')).toContain(field);
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('a detail that is not an object is rejected', async () => {
    await handler(commandEvent('Schedule Start', 'start please'));
    const [rejected] = putDetails('Schedule Rejected');
    expect(rejected.errors[0].field).toBe('detail');
    expect(rejected.id).toBeUndefined();
  });

  test('the rejection names the id when the id itself was valid', async () => {
    await handler(commandEvent('Schedule Start', { id: 'x', duration: '5' }));
    expect(putDetails('Schedule Rejected')[0].id).toBe('x');
  });

  test('a huge received detail is summarised, not echoed', async () => {
    await handler(commandEvent('Schedule Start', { id: 'x', every: '5m', payload: 'y'.repeat(20_000) }));
    const [rejected] = putDetails('Schedule Rejected');
    expect(rejected.errors.map((e: any) => e.field)).toContain('payload');
    expect(rejected.received).toMatchObject({ truncated: true });
  });
});

describe('start handler: every rejection fits one PutEvents entry', () => {
  /** EventBridge's entry size: UTF-8 bytes of Source, DetailType and Detail (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html). */
  const entryBytes = (entry: { Source?: string; DetailType?: string; Detail?: string }) =>
    Buffer.byteLength(entry.Source!, 'utf8') + Buffer.byteLength(entry.DetailType!, 'utf8') + Buffer.byteLength(entry.Detail!, 'utf8');

  test('GIVEN a Start with 1,600 unknown fields THEN Schedule Rejected lists the first 20 errors, counts them all, and fits 256 KB', async () => {
    const detail: Record<string, unknown> = { id: 'x', every: '5m' };
    for (let i = 0; i < 1_600; i++) detail[`unknownField${i}_${'k'.repeat(60)}`] = 'v'.repeat(100);
    await handler(commandEvent('Schedule Start', detail));

    const entries = bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(entries).toHaveLength(1);
    expect(entryBytes(entries[0])).toBeLessThanOrEqual(256 * 1024);
    const rejected = JSON.parse(entries[0].Detail!);
    expect(rejected.errors).toHaveLength(20);
    expect(rejected).toMatchObject({ id: 'x', command: 'Schedule Start', errorCount: 1_600, errorsOmitted: 1_580, received: { truncated: true } });
  });

  test('GIVEN a Start with multi-byte unknown fields THEN the size is counted in UTF-8 bytes and still fits', async () => {
    const detail: Record<string, unknown> = { id: 'x', every: '5m' };
    for (let i = 0; i < 400; i++) detail[`${'é'.repeat(200)}${i}`] = '€'.repeat(2_000);
    await handler(commandEvent('Schedule Start', detail));

    const [entry] = bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(entryBytes(entry)).toBeLessThanOrEqual(256 * 1024);
    expect(JSON.parse(entry.Detail!)).toMatchObject({ errorCount: 400, errorsOmitted: 380 });
  });

  test('a rejection with a few errors lists them all: errorCount equals their number and nothing is omitted', async () => {
    await handler(commandEvent('Schedule Start', { id: 'x', duration: '5', color: 'red' }));
    expect(putDetails('Schedule Rejected')[0]).toMatchObject({ errorCount: 2, errorsOmitted: 0 });
  });
});

describe('start handler: accepted starts', () => {
  test('claims the run with a conditional write and starts the first execution with the first batch', async () => {
    const event = commandEvent('Schedule Start', { id: 'report', cron: '*/15 * * * *', limit: 3, payload: { to: 'ops' } }, { id: 'evt-1' });
    currentItemIs(undefined);
    dynamo.on(GetItemCommand).callsFake(async () => {
      const put = dynamo.commandCalls(PutItemCommand)[0].args[0].input;
      return { Item: put.Item };
    });
    await handler(event);

    const put = dynamo.commandCalls(PutItemCommand)[0].args[0].input;
    expect(put.ConditionExpression).toBe('attribute_not_exists(id) OR lastCommand < :command');
    expect(put.Item!.status).toEqual({ S: 'RUNNING' });
    expect(put.Item!.lastCommand).toEqual({ S: '2026-11-22T10:00:00.000Z#evt-1' });

    const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(start.stateMachineArn).toBe('arn:aws:states:eu-west-1:123456789012:stateMachine:Scheduler');
    expect(start.name).toMatch(/^[0-9a-f]{32}-[0-9a-f]{20}-0$/);
    expect(put.Item!.executionArn).toEqual({ S: `arn:aws:states:eu-west-1:123456789012:execution:Scheduler:${start.name}` });

    const input = startedInput();
    expect(input.common).toEqual({ id: 'report', runId: input.runId, payload: { to: 'ops' } });
    expect(input.started).toMatchObject({ id: 'report', kind: 'cron', nextAt: '2026-11-22T10:15:00.000Z', limit: 3 });
    expect(input.plan.ticks.map((t: any) => t.scheduledAt)).toEqual([
      '2026-11-22T10:15:00.000Z', '2026-11-22T10:30:00.000Z', '2026-11-22T10:45:00.000Z',
    ]);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  test('with Started and Completed turned off, the first execution has no Started detail to announce', async () => {
    process.env[ENV.STARTED_AND_COMPLETED] = 'false';
    currentItemIs(undefined);
    dynamo.on(GetItemCommand).callsFake(async () => ({ Item: dynamo.commandCalls(PutItemCommand)[0].args[0].input.Item }));
    await handler(commandEvent('Schedule Start', { id: 'quiet', every: '1h' }));
    const input = startedInput();
    expect(input).not.toHaveProperty('started');
    expect(input.plan.action).toBe('emit');
  });

  test('the execution name is deterministic for the same event and differs for another event', async () => {
    currentItemIs(undefined);
    const detail = { id: 'same', every: '1h' };
    await handler(commandEvent('Schedule Start', detail, { id: 'e-1' }));
    await handler(commandEvent('Schedule Start', detail, { id: 'e-1' }));
    await handler(commandEvent('Schedule Start', detail, { id: 'e-2' }));
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names[0]).toBe(names[1]);
    expect(names[2]).not.toBe(names[0]);
    expect(names.every((n) => n!.length <= 80 && !n!.includes('same'))).toBe(true);
  });

  test('a start that replaces a running schedule stops the old execution before starting the new one', async () => {
    dynamo.on(PutItemCommand).resolves({ Attributes: marshall({ id: 'a', status: 'RUNNING', runId: 'old', executionArn: OLD_ARN, lastCommand: '0' }) });
    dynamo.on(GetItemCommand).callsFake(async () => ({ Item: dynamo.commandCalls(PutItemCommand)[0].args[0].input.Item }));
    await handler(commandEvent('Schedule Start', { id: 'a', every: '10m' }));

    const stop = sfn.commandCalls(StopExecutionCommand)[0];
    const start = sfn.commandCalls(StartExecutionCommand)[0];
    expect(stop.args[0].input.executionArn).toBe(OLD_ARN);
    expect(stop.calledBefore(start)).toBe(true);
    expect(startedInput().started.replacedRunId).toBe('old');
  });

  test('a redelivered start (same event) starts the same execution again, which Step Functions treats as the same', async () => {
    const event = commandEvent('Schedule Start', { id: 'a', every: '10m' }, { id: 'dup' });
    dynamo.on(GetItemCommand).callsFake(async () => ({ Item: dynamo.commandCalls(PutItemCommand)[0].args[0].input.Item }));
    await handler(event);
    const firstName = sfn.commandCalls(StartExecutionCommand)[0].args[0].input.name;
    const stored = dynamo.commandCalls(PutItemCommand)[0].args[0].input.Item!;

    dynamo.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {}, Item: stored }));
    dynamo.on(GetItemCommand).resolves({ Item: stored });
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(handler(event)).resolves.toBeUndefined();
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toEqual([firstName, firstName]);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  test('a start older than the last command for the id is ignored', async () => {
    dynamo.on(PutItemCommand).rejects(new ConditionalCheckFailedException({
      message: 'failed', $metadata: {}, Item: marshall({ id: 'a', status: 'STOPPED', lastCommand: '2026-11-22T10:00:05.000Z#stop' }),
    }));
    await handler(commandEvent('Schedule Start', { id: 'a', every: '10m' }, { time: '2026-11-22T10:00:00Z' }));
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(putDetails('Schedule Rejected')).toHaveLength(0);
  });

  test('a stop applied between the claim and the start stops the new execution', async () => {
    currentItemIs({ id: 'a', status: 'STOPPED', runId: 'whatever', lastCommand: 'z' });
    await handler(commandEvent('Schedule Start', { id: 'a', every: '10m' }));
    const started = sfn.commandCalls(StartExecutionCommand)[0].args[0].input.name;
    const stopped = sfn.commandCalls(StopExecutionCommand)[0].args[0].input.executionArn;
    expect(stopped).toBe(`arn:aws:states:eu-west-1:123456789012:execution:Scheduler:${started}`);
  });

  test('events from the tick source are ignored', async () => {
    await handler(commandEvent('Schedule Start', { id: 'a', every: '10m' }, { source: 'com.test' }));
    expect(dynamo.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
    expect(bus.calls()).toHaveLength(0);
  });

  test('a failed PutEvents entry fails the invocation so it is retried', async () => {
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }] });
    await expect(handler(commandEvent('Schedule Start', { id: 'x', duration: '5' })))
      .rejects.toThrow('PutEvents failed for "Schedule Rejected": InternalFailure boom');
  });
});
