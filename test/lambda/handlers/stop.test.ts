import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ExecutionDoesNotExist, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import { commandEvent, conditionFailed, mockAwsClients, useFakeClock, useHandlerEnv } from './handler-env';
import { handler } from '../../../lambda/handlers/stop';

const { dynamo, sfn, bus } = mockAwsClients();
useHandlerEnv();

const NOW = new Date('2026-11-22T10:00:00.000Z');
useFakeClock(NOW);
const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:Scheduler:run';

const running = {
  id: 'a',
  status: 'RUNNING',
  runId: 'r1',
  executionArn: ARN,
  lastCommand: '2026-11-22T09:00:00.000Z#start',
  // 4 ticks out before this batch; the batch runs every 10 minutes from 09:10.
  ticks: 4,
  batchAfter: '2026-11-22T09:09:59.999Z',
  batchSize: 100,
  spec: { kind: 'every', expression: '10m', everyMs: 600_000, anchor: '2026-11-22T08:30:00.000Z', timezone: 'UTC' },
};

beforeEach(() => {
  sfn.on(StopExecutionCommand).resolves({ stopDate: NOW });
});

const putDetails = (detailType: string) => bus.commandCalls(PutEventsCommand)
  .flatMap((call) => call.args[0].input.Entries ?? [])
  .filter((entry) => entry.DetailType === detailType)
  .map((entry) => JSON.parse(entry.Detail!));

test('stopping a running schedule marks it stopped, stops its execution and reports the ticks emitted', async () => {
  dynamo.on(UpdateItemCommand).resolves({ Attributes: marshall(running) });
  await handler(commandEvent('Schedule Stop', { id: 'a' }, { id: 'stop-1' }));

  const update = dynamo.commandCalls(UpdateItemCommand)[0].args[0].input;
  expect(update.ConditionExpression).toBe(
    'attribute_exists(id) AND #status = :running AND (attribute_not_exists(completesAt) OR completesAt > :now) AND lastCommand < :command');
  expect(sfn.commandCalls(StopExecutionCommand)[0].args[0].input.executionArn).toBe(ARN);
  // 4 before the batch + 09:10, 09:20, ..., 10:00 (6) due by 10:00.
  expect(putDetails('Schedule Stopped')).toEqual([{ id: 'a', runId: 'r1', ticks: 10 }]);
});

test('a stop for an unknown id writes a tombstone so a late start cannot resurrect it, and emits nothing', async () => {
  dynamo.on(UpdateItemCommand).rejectsOnce(conditionFailed(undefined)).resolves({});
  await handler(commandEvent('Schedule Stop', { id: 'ghost' }));
  const tombstone = dynamo.commandCalls(UpdateItemCommand)[1].args[0].input;
  expect(tombstone.UpdateExpression).toContain('lastCommand = :command');
  expect(tombstone.ConditionExpression).toContain('attribute_not_exists(id) OR lastCommand < :command');
  expect(sfn.calls()).toHaveLength(0);
  expect(bus.calls()).toHaveLength(0);
});

test('a stop for a finished schedule is a no-op that only records the command', async () => {
  dynamo.on(UpdateItemCommand).rejectsOnce(conditionFailed({ ...running, status: 'COMPLETED' })).resolves({});
  await handler(commandEvent('Schedule Stop', { id: 'a' }));
  expect(sfn.calls()).toHaveLength(0);
  expect(bus.calls()).toHaveLength(0);
});

test('a stop older than the last command is ignored', async () => {
  dynamo.on(UpdateItemCommand).rejectsOnce(conditionFailed({ ...running, lastCommand: '2026-11-22T11:00:00.000Z#newer' }));
  await handler(commandEvent('Schedule Stop', { id: 'a' }, { time: '2026-11-22T10:00:00Z' }));
  expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
  expect(sfn.calls()).toHaveLength(0);
});

test('a redelivered stop stops the execution again (idempotent) without a second event', async () => {
  const applied = { ...running, status: 'STOPPED', lastCommand: '2026-11-22T10:00:00.000Z#stop-1' };
  dynamo.on(UpdateItemCommand).rejectsOnce(conditionFailed(applied));
  sfn.on(StopExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'gone', $metadata: {} }));
  await handler(commandEvent('Schedule Stop', { id: 'a' }, { id: 'stop-1' }));
  expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(1);
  expect(bus.calls()).toHaveLength(0);
});

test.each([
  [{}, 'id'],
  [{ id: '' }, 'id'],
  [{ id: 'a', now: true }, 'now'],
  ['a', 'detail'],
])('an invalid stop %j is rejected naming "%s"', async (detail, field) => {
  await handler(commandEvent('Schedule Stop', detail));
  const [rejected] = putDetails('Schedule Rejected');
  expect(rejected.command).toBe('Schedule Stop');
  expect(rejected.errors.map((e: any) => e.field)).toContain(field);
  expect(dynamo.calls()).toHaveLength(0);
});

test('events from the tick source are ignored', async () => {
  await handler(commandEvent('Schedule Stop', { id: 'a' }, { source: 'com.test' }));
  expect(dynamo.calls()).toHaveLength(0);
});
