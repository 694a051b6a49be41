/**
 * The stop handler under races and partial failures (aws-sdk-client-mock): a Start claimed between the Stop's two
 * conditional writes, and a retry after the first attempt failed once the Stop was recorded.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import { commandEvent, conditionFailed, mockAwsClients, useFakeClock, useHandlerEnv } from './handler-env';
import { handler } from '../../../lambda/handlers/stop';

const { dynamo, sfn, bus } = mockAwsClients();
useHandlerEnv();

const NOW = new Date('2026-11-22T10:00:00.000Z');
useFakeClock(NOW);
const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:Scheduler:run';
const STOP_COMMAND = '2026-11-22T10:00:00.000Z#stop-1';
const running = {
  id: 'a',
  status: 'RUNNING',
  runId: 'r1',
  executionArn: ARN,
  lastCommand: '2026-11-22T09:59:59.000Z#older-start',
  ticks: 0,
  spec: { kind: 'every', expression: '10m', everyMs: 600_000, anchor: '2026-11-22T10:10:00.000Z', timezone: 'UTC' },
};

beforeEach(() => {
  sfn.on(StopExecutionCommand).resolves({ stopDate: NOW });
});

const stoppedEvents = () => bus.commandCalls(PutEventsCommand)
  .flatMap((call) => call.args[0].input.Entries ?? [])
  .filter((entry) => entry.DetailType === 'Schedule Stopped')
  .map((entry) => JSON.parse(entry.Detail!));

test('GIVEN an unknown id WHEN an older Start claims it between the Stop\'s two writes THEN the Stop tries again and stops that run', async () => {
  dynamo.on(UpdateItemCommand)
    .rejectsOnce(conditionFailed(undefined)) // 1. stop a running schedule: there is none yet
    .rejectsOnce(conditionFailed(running)) // 2. record a tombstone: the Start got there first
    .resolvesOnce({ Attributes: marshall(running) }) // 3. stop a running schedule: now it is
    .resolves({});

  await handler(commandEvent('Schedule Stop', { id: 'a' }, { id: 'stop-1', time: '2026-11-22T10:00:00Z' }));

  expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([ARN]);
  expect(stoppedEvents()).toEqual([{ id: 'a', runId: 'r1', ticks: 0 }]);
});

test('GIVEN a newer Start claimed between the Stop\'s two writes THEN the Stop is stale and stops nothing', async () => {
  dynamo.on(UpdateItemCommand)
    .rejectsOnce(conditionFailed(undefined))
    .rejectsOnce(conditionFailed({ ...running, lastCommand: '2026-11-22T10:00:01.000Z#newer-start' }));

  await handler(commandEvent('Schedule Stop', { id: 'a' }, { id: 'stop-1', time: '2026-11-22T10:00:00Z' }));

  expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(2);
  expect(sfn.calls()).toHaveLength(0);
  expect(stoppedEvents()).toEqual([]);
});

test('GIVEN a Stop recorded by an attempt that then failed to stop the execution WHEN it is retried THEN it stops it and reports Schedule Stopped once', async () => {
  dynamo.on(UpdateItemCommand).resolvesOnce({ Attributes: marshall(running) }).resolves({});
  sfn.on(StopExecutionCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  const event = commandEvent('Schedule Stop', { id: 'a' }, { id: 'stop-1', time: '2026-11-22T10:00:00Z' });

  await expect(handler(event)).rejects.toThrow('Rate exceeded');
  expect(stoppedEvents()).toEqual([]);

  // The retry finds its own command applied (a duplicate), with the Stopped event not sent yet.
  const applied = { ...running, status: 'STOPPED', reason: 'stopped', lastCommand: STOP_COMMAND, finishedAt: NOW.toISOString() };
  dynamo.reset();
  dynamo.on(UpdateItemCommand).rejectsOnce(conditionFailed(applied)).resolves({});
  await handler(event);

  expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([ARN, ARN]);
  expect(stoppedEvents()).toEqual([{ id: 'a', runId: 'r1', ticks: 0 }]);
  const reported = dynamo.commandCalls(UpdateItemCommand).map((c) => c.args[0].input).find((i) => i.UpdateExpression === 'SET stopReported = :true');
  expect(reported?.ConditionExpression).toBe('lastCommand = :command');

  // A later redelivery finds it reported: nothing more is sent.
  dynamo.reset();
  dynamo.on(UpdateItemCommand).rejectsOnce(conditionFailed({ ...applied, stopReported: true }));
  await handler(event);
  expect(stoppedEvents()).toHaveLength(1);
});
