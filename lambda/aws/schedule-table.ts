import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { clientConfig } from './client-config';
import { log } from './handler-config';
import { ScheduleSpec, STATUS, TTL_ATTRIBUTE } from '../../src/contract';
import { isRunningAt } from '../domain/run-status';

/**
 * The schedules table: one item per schedule id. Every write is conditional, either on the
 * order of commands (`lastCommand`) or on the run and execution it belongs to, never read-then-write.
 */

/** Created once per Lambda environment, reused across invocations. */
const dynamodb = new DynamoDBClient(clientConfig);

/** A schedule's item as stored. */
export interface ScheduleItem {
  readonly id: string;
  readonly status: string;
  /** Order key of the last Start/Stop applied: `<event time ISO>#<event id>`; later commands sort higher. */
  readonly lastCommand: string;
  readonly runId?: string;
  readonly spec?: ScheduleSpec;
  readonly payloadJson?: string;
  /** The execution that is really running this run (updated before a hand-over starts the next). */
  readonly executionArn?: string;
  readonly previousExecutionArn?: string;
  readonly generation?: number;
  /** Sharded engine: the shard that runs this run (it never moves). */
  readonly shard?: number;
  /** Sharded engine: the run this one replaced while it was running (a redelivered Start finishes stopping it). */
  readonly previousRunId?: string;
  /** Ticks emitted before the batch in flight. */
  readonly ticks?: number;
  /** The batch in flight: occurrences after `batchAfter`, at most `batchSize` of them. */
  readonly batchAfter?: string;
  readonly batchSize?: number;
  readonly nextAt?: string;
  readonly reason?: string;
  /** The execution whose failure (reported by a status-change event) marked the run FAILED. */
  readonly failedExecutionArn?: string;
  /** Set once the `Schedule Failed` for `failedExecutionArn` was put on the bus. */
  readonly failureReported?: boolean;
  /** Set once the `Schedule Stopped` of the Stop in `lastCommand` was put on the bus. */
  readonly stopReported?: boolean;
  readonly startedAt?: string;
  readonly updatedAt?: string;
  readonly finishedAt?: string;
  /** Sharded one-shots: the tick's `scheduledAt`; the run reads as complete from then on (`statusAt`). */
  readonly completesAt?: string;
  readonly [TTL_ATTRIBUTE]?: number;
}

/**
 * The order of commands for one id. EventBridge's `time` has one-second precision; the event id
 * breaks ties deterministically, and a redelivered event compares equal, so it is never applied twice.
 */
export function commandKey(eventTime: string, eventId: string): string {
  const parsed = Date.parse(eventTime);
  const iso = Number.isNaN(parsed) ? new Date(0).toISOString() : new Date(parsed).toISOString();
  return `${iso}#${eventId}`;
}

const isConditionFailure = (error: unknown): error is ConditionalCheckFailedException =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';

const expiresAt = (now: Date, retentionSeconds: number) => Math.floor(now.getTime() / 1000) + retentionSeconds;

/**
 * A `RUNNING` item's run is still running at `:now`: not a sharded one-shot whose tick is due (`statusAt`, the same
 * rule in a condition; ISO timestamps of one format compare as strings).
 */
const RUNNING_NOW = '(attribute_not_exists(completesAt) OR completesAt > :now)';

function itemOf(error: ConditionalCheckFailedException): ScheduleItem | undefined {
  return error.Item ? (unmarshall(error.Item) as ScheduleItem) : undefined;
}

export async function getSchedule(tableName: string, id: string): Promise<ScheduleItem | undefined> {
  const result = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: marshall({ id }), ConsistentRead: true }));
  return result.Item ? (unmarshall(result.Item) as ScheduleItem) : undefined;
}

export interface NewRun {
  readonly id: string;
  readonly runId: string;
  readonly command: string;
  readonly spec: ScheduleSpec;
  readonly payloadJson?: string;
  /** The execution running the run (per-schedule engine); none on the sharded engine. */
  readonly executionArn?: string;
  /** The shard running the run (sharded engine). */
  readonly shard?: number;
  readonly nextAt?: string;
  readonly batchAfter: string;
  readonly batchSize: number;
  /**
   * Sharded one-shots: the tick's `scheduledAt`. The completion is derived from it, not written (`statusAt`), so the
   * item gets its TTL now: `finishedScheduleRetention` after the tick, as a completed item would.
   */
  readonly completes?: { readonly at: string; readonly expiresAt: number };
  readonly now: Date;
}

export type ClaimResult =
  /** This command is the newest: the run is recorded; `previous` is the item it replaced. */
  | { readonly outcome: 'claimed'; readonly previous?: ScheduleItem }
  /** The same command was applied before (a redelivery): carry on idempotently. */
  | { readonly outcome: 'duplicate'; readonly current: ScheduleItem }
  /** A newer command was applied already: ignore this one. */
  | { readonly outcome: 'stale'; readonly current?: ScheduleItem };

/** Record a new run for `id` if this Start is newer than the last command applied. */
export async function claimRun(tableName: string, run: NewRun): Promise<ClaimResult> {
  const item: Record<string, unknown> = {
    id: run.id,
    status: STATUS.RUNNING,
    lastCommand: run.command,
    runId: run.runId,
    spec: run.spec,
    payloadJson: run.payloadJson,
    executionArn: run.executionArn,
    shard: run.shard,
    generation: 0,
    ticks: 0,
    batchAfter: run.batchAfter,
    batchSize: run.batchSize,
    nextAt: run.nextAt,
    startedAt: run.now.toISOString(),
    updatedAt: run.now.toISOString(),
    completesAt: run.completes?.at,
    [TTL_ATTRIBUTE]: run.completes?.expiresAt,
  };
  try {
    const result = await dynamodb.send(new PutItemCommand({
      TableName: tableName,
      Item: marshall(item, { removeUndefinedValues: true }),
      ConditionExpression: 'attribute_not_exists(id) OR lastCommand < :command',
      ExpressionAttributeValues: marshall({ ':command': run.command }),
      ReturnValues: 'ALL_OLD',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }));
    const previous = result.Attributes ? (unmarshall(result.Attributes) as ScheduleItem) : undefined;
    if (previous?.status === STATUS.RUNNING && previous.executionArn) {
      // Remember the replaced execution, so a redelivered Start can finish stopping it.
      await dynamodb.send(new UpdateItemCommand({
        TableName: tableName,
        Key: marshall({ id: run.id }),
        UpdateExpression: 'SET previousExecutionArn = :previous',
        ConditionExpression: 'runId = :runId',
        ExpressionAttributeValues: marshall({ ':previous': previous.executionArn, ':runId': run.runId }),
      })).catch((error) => {
        if (isConditionFailure(error)) return;
        // The run is claimed either way, and this invocation stops the replaced execution itself; only a
        // redelivery after a later failure would miss the reminder (the old execution then ends at its next plan).
        log('WARN', 'Could not record the replaced execution on the new run', { id: run.id, runId: run.runId, error: String(error) });
      });
    }
    if (isRunningAt(previous, run.now) && !previous?.executionArn && previous?.runId && run.shard !== undefined) {
      // Sharded engine: remember the replaced run, so a redelivered Start can finish fencing its ticks out.
      await dynamodb.send(new UpdateItemCommand({
        TableName: tableName,
        Key: marshall({ id: run.id }),
        UpdateExpression: 'SET previousRunId = :previous',
        ConditionExpression: 'runId = :runId',
        ExpressionAttributeValues: marshall({ ':previous': previous.runId, ':runId': run.runId }),
      })).catch((error) => {
        if (isConditionFailure(error)) return;
        log('WARN', 'Could not record the replaced run on the new run', { id: run.id, runId: run.runId, error: String(error) });
      });
    }
    return { outcome: 'claimed', previous };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const current = itemOf(error);
    if (current && current.lastCommand === run.command) return { outcome: 'duplicate', current };
    return { outcome: 'stale', current };
  }
}

export type StopResult =
  /** A running schedule was stopped by this command. */
  | { readonly outcome: 'stopped'; readonly previous: ScheduleItem }
  /** This Stop was applied before (a redelivery). */
  | { readonly outcome: 'duplicate'; readonly current: ScheduleItem }
  /** Nothing was running: the command is recorded (a tombstone for unknown ids) so that an older Start cannot resurrect it. */
  | { readonly outcome: 'recorded' }
  /** A newer command was applied already. */
  | { readonly outcome: 'stale' };

/**
 * Apply a Stop: mark the run stopped if it is running and this command is the newest, else record the command (a
 * tombstone for an unknown id) so that older commands stay ignored. A Start applied concurrently, between the two
 * conditional writes, is seen by the second one's condition: the Stop then tries again, and stops that run if the
 * Stop is the newer command.
 */
export async function applyStop(tableName: string, id: string, command: string, now: Date, retentionSeconds: number): Promise<StopResult> {
  const values = {
    ':command': command,
    ':stopped': STATUS.STOPPED,
    ':running': STATUS.RUNNING,
    ':now': now.toISOString(),
    ':expires': expiresAt(now, retentionSeconds),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await dynamodb.send(new UpdateItemCommand({
        TableName: tableName,
        Key: marshall({ id }),
        UpdateExpression: 'SET #status = :stopped, lastCommand = :command, reason = :reason, finishedAt = :now, updatedAt = :now, #ttl = :expires',
        ConditionExpression: `attribute_exists(id) AND #status = :running AND ${RUNNING_NOW} AND lastCommand < :command`,
        ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: marshall({ ...values, ':reason': 'stopped' }),
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }));
      return { outcome: 'stopped', previous: unmarshall(result.Attributes!) as ScheduleItem };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const settled = settledStop(itemOf(error), command);
      if (settled) return settled;
    }
    // Not running (unknown, finished): record the command so older commands stay ignored.
    try {
      await dynamodb.send(new UpdateItemCommand({
        TableName: tableName,
        Key: marshall({ id }),
        UpdateExpression: 'SET lastCommand = :command, updatedAt = :now, #status = if_not_exists(#status, :stopped), #ttl = if_not_exists(#ttl, :expires)',
        ConditionExpression: `(attribute_not_exists(id) OR lastCommand < :command) AND (attribute_not_exists(#status) OR #status <> :running OR NOT ${RUNNING_NOW})`,
        ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: marshall(values),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }));
      return { outcome: 'recorded' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = itemOf(error);
      const settled = settledStop(current, command);
      if (settled) return settled;
      // An older Start claimed the id between the two writes: it is running now, and this Stop is newer.
      if (!isRunningAt(current, now) || attempt >= MAX_STOP_ATTEMPTS) return { outcome: 'stale' };
    }
  }
}

/** Writes of a Stop that meet concurrent Starts before giving up (each round trip is two conditional writes). */
const MAX_STOP_ATTEMPTS = 5;

/** The outcome of a Stop whose write failed its condition on `current`, when that settles it. */
function settledStop(current: ScheduleItem | undefined, command: string): StopResult | undefined {
  if (current && current.lastCommand === command) return { outcome: 'duplicate', current };
  if (current && current.lastCommand > command) return { outcome: 'stale' };
  return undefined;
}

/** Remember that the `Schedule Stopped` of this Stop went out, so a redelivery does not send it again. */
export async function recordStopReported(tableName: string, id: string, command: string): Promise<void> {
  await conditionalUpdate(tableName, id, {
    update: 'SET stopReported = :true',
    condition: 'lastCommand = :command',
    values: { ':true': true, ':command': command },
  });
}

const RUN_CONDITION = 'runId = :runId AND #status = :running AND executionArn = :executionArn';

/** Record a plan step's progress; false when the run is no longer this execution's (stopped, replaced, handed over). */
export async function recordProgress(tableName: string, progress: {
  id: string; runId: string; executionArn: string; ticks: number; batchAfter: string; batchSize: number; nextAt?: string; now: Date;
}): Promise<boolean> {
  return conditionalUpdate(tableName, progress.id, {
    update: 'SET ticks = :ticks, batchAfter = :batchAfter, batchSize = :batchSize, updatedAt = :now' + (progress.nextAt ? ', nextAt = :nextAt' : ' REMOVE nextAt'),
    condition: RUN_CONDITION,
    values: {
      ':runId': progress.runId,
      ':running': STATUS.RUNNING,
      ':executionArn': progress.executionArn,
      ':ticks': progress.ticks,
      ':batchAfter': progress.batchAfter,
      ':batchSize': progress.batchSize,
      ':now': progress.now.toISOString(),
      ...(progress.nextAt ? { ':nextAt': progress.nextAt } : {}),
    },
  });
}

/**
 * Mark the run completed; false when it is no longer running, or (when `executionArn` is given, on the per-schedule
 * engine) no longer this execution's. The sharded engine has no execution per run: its condition is the run alone.
 */
export async function recordCompletion(tableName: string, done: {
  id: string; runId: string; executionArn?: string; ticks: number; reason: string; now: Date; retentionSeconds: number;
}): Promise<boolean> {
  return conditionalUpdate(tableName, done.id, {
    update: 'SET #status = :completed, ticks = :ticks, reason = :reason, finishedAt = :now, updatedAt = :now, #ttl = :expires, batchSize = :zero REMOVE nextAt',
    condition: done.executionArn !== undefined ? RUN_CONDITION : SHARDED_RUN_CONDITION,
    values: {
      ':runId': done.runId,
      ':running': STATUS.RUNNING,
      ':executionArn': done.executionArn,
      ':completed': STATUS.COMPLETED,
      ':ticks': done.ticks,
      ':reason': done.reason,
      ':zero': 0,
      ':now': done.now.toISOString(),
      ':expires': expiresAt(done.now, done.retentionSeconds),
    },
  });
}

const SHARDED_RUN_CONDITION = 'runId = :runId AND #status = :running';

/**
 * Sharded engine: the run's checkpoint moved (occurrences were skipped, which use no sequence number), so a Stop's
 * count of ticks emitted (`ticks` + occurrences after `batchAfter`) counts from it. False when the run is over.
 */
export async function recordShardCheckpoint(tableName: string, checkpoint: {
  id: string; runId: string; sequence: number; after: string; now: Date;
}): Promise<boolean> {
  return conditionalUpdate(tableName, checkpoint.id, {
    update: 'SET ticks = :ticks, batchAfter = :after, updatedAt = :now',
    condition: SHARDED_RUN_CONDITION,
    values: {
      ':runId': checkpoint.runId,
      ':running': STATUS.RUNNING,
      ':ticks': checkpoint.sequence,
      ':after': checkpoint.after,
      ':now': checkpoint.now.toISOString(),
    },
  });
}

/**
 * Sharded engine: mark a poisoned run FAILED (its entry could not be planned); false when the run is over or replaced.
 */
export async function recordShardFailure(tableName: string, failure: {
  id: string; runId: string; reason: string; now: Date; retentionSeconds: number;
}): Promise<boolean> {
  return conditionalUpdate(tableName, failure.id, {
    update: 'SET #status = :failed, reason = :reason, finishedAt = :now, updatedAt = :now, #ttl = :expires REMOVE nextAt',
    condition: SHARDED_RUN_CONDITION,
    values: {
      ':runId': failure.runId,
      ':running': STATUS.RUNNING,
      ':failed': STATUS.FAILED,
      ':reason': failure.reason,
      ':now': failure.now.toISOString(),
      ':expires': expiresAt(failure.now, failure.retentionSeconds),
    },
  });
}

/**
 * Point the item at the next execution before it is started, so a Stop always finds the execution
 * that is really running. Idempotent for a retried plan step (the item may already name `nextArn`).
 */
export async function recordHandover(tableName: string, handover: {
  id: string; runId: string; executionArn: string; nextArn: string; generation: number; ticks: number; now: Date;
}): Promise<boolean> {
  return conditionalUpdate(tableName, handover.id, {
    update: 'SET executionArn = :nextArn, generation = :generation, ticks = :ticks, batchSize = :zero, batchAfter = :now, updatedAt = :now',
    condition: 'runId = :runId AND #status = :running AND executionArn IN (:executionArn, :nextArn)',
    values: {
      ':runId': handover.runId,
      ':running': STATUS.RUNNING,
      ':executionArn': handover.executionArn,
      ':nextArn': handover.nextArn,
      ':generation': handover.generation,
      ':ticks': handover.ticks,
      ':zero': 0,
      ':now': handover.now.toISOString(),
    },
  });
}

async function conditionalUpdate(tableName: string, id: string, args: {
  update: string; condition: string; values: Record<string, unknown>;
}): Promise<boolean> {
  const names: Record<string, string> = {};
  if (args.update.includes('#status') || args.condition.includes('#status')) names['#status'] = 'status';
  if (args.update.includes('#ttl')) names['#ttl'] = TTL_ATTRIBUTE;
  try {
    await dynamodb.send(new UpdateItemCommand({
      TableName: tableName,
      Key: marshall({ id }),
      UpdateExpression: args.update,
      ConditionExpression: args.condition,
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: marshall(args.values, { removeUndefinedValues: true }),
    }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export type FailureResult =
  /** The run was this execution's and running: it is now FAILED. */
  | { readonly outcome: 'marked' }
  /** This execution's run was marked FAILED by this handler before (a redelivery); `reported` says if it was announced. */
  | { readonly outcome: 'duplicate'; readonly reported: boolean }
  /** The run is over, superseded, or was never this execution's: nothing to do. */
  | { readonly outcome: 'not-running' };

/**
 * Mark the run FAILED after its execution failed without its own failure path (or timed out): only if the item is
 * still RUNNING and still names this run and this execution, so a stopped, replaced or handed-over run is left alone.
 */
export async function recordExecutionFailure(tableName: string, failure: {
  id: string; runId: string; executionArn: string; reason: string; now: Date; retentionSeconds: number;
}): Promise<FailureResult> {
  try {
    await dynamodb.send(new UpdateItemCommand({
      TableName: tableName,
      Key: marshall({ id: failure.id }),
      UpdateExpression: 'SET #status = :failed, reason = :reason, failedExecutionArn = :executionArn, finishedAt = :now, '
        + 'updatedAt = :now, #ttl = :expires REMOVE nextAt',
      ConditionExpression: RUN_CONDITION,
      ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: marshall({
        ':runId': failure.runId,
        ':running': STATUS.RUNNING,
        ':failed': STATUS.FAILED,
        ':executionArn': failure.executionArn,
        ':reason': failure.reason,
        ':now': failure.now.toISOString(),
        ':expires': expiresAt(failure.now, failure.retentionSeconds),
      }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }));
    return { outcome: 'marked' };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const current = itemOf(error);
    if (current?.status === STATUS.FAILED && current.runId === failure.runId && current.failedExecutionArn === failure.executionArn) {
      return { outcome: 'duplicate', reported: current.failureReported === true };
    }
    return { outcome: 'not-running' };
  }
}

/** Remember that the `Schedule Failed` of this execution went out, so a redelivery does not send it again. */
export async function recordFailureReported(tableName: string, id: string, executionArn: string): Promise<void> {
  await conditionalUpdate(tableName, id, {
    update: 'SET failureReported = :true',
    condition: 'failedExecutionArn = :executionArn',
    values: { ':true': true, ':executionArn': executionArn },
  });
}
