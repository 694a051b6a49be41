import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { conditionFailed, mockAwsClients, useFakeClock, useHandlerEnv } from './handler-env';
import { computePlan } from '../../../lambda/domain/machine-state';
import { handler, PlanEvent } from '../../../lambda/handlers/plan';
import { ENV, MachineState, ScheduleSpec, TICKS_PER_EXECUTION } from '../../../src/contract';

const { dynamo, sfn } = mockAwsClients();
useHandlerEnv();

const NOW = new Date('2026-01-01T01:40:00.000Z');
useFakeClock(NOW);
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Scheduler';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:Scheduler:me';
const spec: ScheduleSpec = { kind: 'every', expression: '1m', everyMs: 60_000, anchor: '2026-01-01T00:01:00.000Z', timezone: 'UTC' };

beforeEach(() => {
  dynamo.on(UpdateItemCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'next', startDate: NOW });
});

/** A state whose last plan emitted 100 ticks, 00:01 to 01:40. */
function stateAfterBatch(overrides: Partial<MachineState> = {}): MachineState {
  const cursor = { sequence: 0, after: '2026-01-01T00:00:00.000Z', executionTicks: 0 };
  const plan = computePlan({ id: 'a', runId: 'r1', spec }, cursor, new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'));
  return { id: 'a', runId: 'r1', generation: 0, spec, common: { id: 'a', runId: 'r1' }, cursor, plan, ...overrides };
}
const event = (state: MachineState, startTime = '2026-01-01T00:00:00.000Z'): PlanEvent =>
  ({ state, executionArn: EXECUTION, executionStartTime: startTime, stateMachineArn: MACHINE });

test('plans the next batch after the emitted one and records progress conditionally on the run', async () => {
  const next = await handler(event(stateAfterBatch({ started: { id: 'a' } })));
  expect(next.plan.action).toBe('emit');
  expect(next.plan.ticks![0]).toMatchObject({ sequence: 101, scheduledAt: '2026-01-01T01:41:00.000Z' });
  expect(next.cursor).toEqual({ sequence: 100, after: '2026-01-01T01:40:00.000Z', executionTicks: 100 });
  expect(next.started).toBeUndefined();

  const update = dynamo.commandCalls(UpdateItemCommand)[0].args[0].input;
  expect(update.ConditionExpression).toBe('runId = :runId AND #status = :running AND executionArn = :executionArn');
  expect(update.ExpressionAttributeValues![':ticks']).toEqual({ N: '100' });
  expect(update.ExpressionAttributeValues![':executionArn']).toEqual({ S: EXECUTION });
});

test('ends quietly when the run is no longer this execution\'s (stopped or replaced)', async () => {
  dynamo.on(UpdateItemCommand).rejects(conditionFailed());
  const next = await handler(event(stateAfterBatch()));
  expect(next.plan).toEqual({ action: 'end' });
  expect(sfn.calls()).toHaveLength(0);
});

test('completes a limited run and records completion with a TTL', async () => {
  const next = await handler(event(stateAfterBatch({ spec: { ...spec, limit: 100 } })));
  expect(next.plan).toEqual({ action: 'complete', completed: { id: 'a', runId: 'r1', ticks: 100, reason: 'limit' } });
  const update = dynamo.commandCalls(UpdateItemCommand)[0].args[0].input;
  expect(update.UpdateExpression).toContain('#status = :completed');
  expect(Number(update.ExpressionAttributeValues![':expires'].N)).toBe(Math.floor(NOW.getTime() / 1000) + 86400);
});

test('with Completed turned off, a completed run is recorded and the execution ends without the event', async () => {
  process.env[ENV.STARTED_AND_COMPLETED] = 'false';
  const next = await handler(event(stateAfterBatch({ spec: { ...spec, limit: 100 } })));
  expect(next.plan).toEqual({ action: 'end' });
  expect(dynamo.commandCalls(UpdateItemCommand)[0].args[0].input.UpdateExpression).toContain('#status = :completed');
});

test('hands over to a new execution before the history quota, naming it in the item first', async () => {
  const state = stateAfterBatch();
  const full = { ...state, cursor: { ...state.cursor, executionTicks: TICKS_PER_EXECUTION - 50 } };
  const next = await handler(event(full));
  expect(next.plan).toEqual({ action: 'end' });

  const update = dynamo.commandCalls(UpdateItemCommand)[0];
  const start = sfn.commandCalls(StartExecutionCommand)[0];
  expect(update.calledBefore(start)).toBe(true);
  expect(update.args[0].input.ConditionExpression).toBe('runId = :runId AND #status = :running AND executionArn IN (:executionArn, :nextArn)');
  expect(start.args[0].input.name).toMatch(/-1$/);
  expect(update.args[0].input.ExpressionAttributeValues![':nextArn']).toEqual({ S: `arn:aws:states:eu-west-1:123456789012:execution:Scheduler:${start.args[0].input.name}` });
  const input = JSON.parse(start.args[0].input.input!);
  expect(input).toMatchObject({ generation: 1, plan: { action: 'check' }, cursor: { sequence: 100, executionTicks: 0 } });
});

test('hands over before the execution\'s one-year limit', async () => {
  const next = await handler(event(stateAfterBatch(), '2025-02-01T00:00:00.000Z'));
  expect(next.plan.action).toBe('end');
  expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
});

test('does not start the next execution when the hand-over write finds the run gone', async () => {
  dynamo.on(UpdateItemCommand).rejects(conditionFailed());
  const state = stateAfterBatch();
  await handler(event({ ...state, cursor: { ...state.cursor, executionTicks: TICKS_PER_EXECUTION } }));
  expect(sfn.calls()).toHaveLength(0);
});
