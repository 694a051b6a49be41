/**
 * The naive design's handlers (the seed design), for the benchmark's baseline only: ONE execution per tick.
 *
 * - `start` (a rule target for `Schedule Start`): validates the detail with the same parser as ours, writes the
 *   schedule's item and starts the first execution, which waits for the first tick.
 * - `tick` (the last state of every execution, after `Wait` and the tick's `PutEvents`): reads the item, writes the
 *   new tick count (and the status when done) and starts the next execution for the next fire time.
 *
 * The fire times come from our own `nextOccurrences`, so the comparison measures the design, not the cron library.
 */
import { createHash } from 'crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { nextOccurrences } from '../../lambda/domain/occurrences';
import { parseStartDetail } from '../../lambda/domain/schedule-spec';
import { ScheduleSpec } from '../../src/contract';

const dynamodb = new DynamoDBClient({});
const stepFunctions = new SFNClient({});

/** The input of every execution: the tick it waits for and then emits. */
export interface BaselineTick {
  readonly id: string;
  readonly sequence: number;
  readonly scheduledAt: string;
  readonly payload?: unknown;
}

const executionName = (id: string, sequence: number) =>
  `${createHash('sha256').update(id).digest('hex').slice(0, 32)}-${sequence}`;

async function startTick(stateMachineArn: string, tick: BaselineTick): Promise<void> {
  await stepFunctions.send(new StartExecutionCommand({
    stateMachineArn,
    name: executionName(tick.id, tick.sequence),
    input: JSON.stringify(tick),
  }));
}

export const start = async (event: { detail: unknown }): Promise<void> => {
  const now = new Date();
  const parsed = parseStartDetail(event.detail, now);
  if (!parsed.ok) return;
  const [first] = nextOccurrences(parsed.spec, now, 1);
  if (!first) return;
  await dynamodb.send(new PutItemCommand({
    TableName: process.env.TABLE_NAME,
    Item: {
      id: { S: parsed.id },
      spec: { S: JSON.stringify(parsed.spec) },
      status: { S: 'RUNNING' },
      ticks: { N: '0' },
      nextAt: { S: first.toISOString() },
    },
  }));
  const payload = parsed.hasPayload ? { payload: parsed.payload } : {};
  await startTick(process.env.STATE_MACHINE_ARN!, { id: parsed.id, sequence: 1, scheduledAt: first.toISOString(), ...payload });
};

export const tick = async (event: { tick: BaselineTick; stateMachineArn: string }): Promise<void> => {
  const { tick: done, stateMachineArn } = event;
  const { Item } = await dynamodb.send(new GetItemCommand({
    TableName: process.env.TABLE_NAME,
    Key: { id: { S: done.id } },
    ConsistentRead: true,
  }));
  if (Item?.status?.S !== 'RUNNING') return;
  const spec = JSON.parse(Item.spec.S!) as ScheduleSpec;
  const limited = spec.limit !== undefined && done.sequence >= spec.limit;
  const [next] = limited ? [] : nextOccurrences(spec, new Date(done.scheduledAt), 1);
  await dynamodb.send(new UpdateItemCommand({
    TableName: process.env.TABLE_NAME,
    Key: { id: { S: done.id } },
    UpdateExpression: 'SET ticks = :ticks, #status = :status, nextAt = :nextAt',
    ConditionExpression: '#status = :running',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':ticks': { N: String(done.sequence) },
      ':status': { S: next ? 'RUNNING' : 'COMPLETED' },
      ':running': { S: 'RUNNING' },
      ':nextAt': { S: next ? next.toISOString() : '-' },
    },
  }));
  if (next) await startTick(stateMachineArn, { ...done, sequence: done.sequence + 1, scheduledAt: next.toISOString() });
};
