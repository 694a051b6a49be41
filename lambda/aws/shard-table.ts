import {
  BatchGetItemCommand,
  BatchGetItemCommandInput,
  BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { clientConfig } from './client-config';
import { DUE_TTL_SECONDS, SLOT_TTL_SECONDS, STOP_MARKER_TTL_SECONDS, TTL_ATTRIBUTE } from '../../src/contract';
import { Checkpoint, RosterEntry, SlotEntry } from '../domain/shards';
import { decodeSlotEntries, encodeSlotEntries } from '../domain/slot-codec';

/**
 * The shard table (keys `pk`, `sk`): per shard a state item, a roster of running schedules, slot pages of due
 * ticks, and recent stop markers. Writes that a newer epoch of the shard could contradict are conditional on the
 * epoch; entries of a run are conditional on its runId.
 *
 * | item        | pk                          | sk                                |
 * | ----------- | --------------------------- | --------------------------------- |
 * | state       | `shard#<n>`                 | `state`                           |
 * | roster      | `roster#<n>`                | `<id>`                            |
 * | slot page   | `slot#<n>#<epoch second>`   | `p#<page>`                        |
 * | late entry  | `slot#<n>#<epoch second>`   | `x#<id>#<runId>`                  |
 * | stop marker | `stops#<n>`                 | `<processedAt ISO>#<id>#<runId>`  |
 * | due entry   | `due#<n>#<epoch hour>`      | `<epoch second, 10 digits>#<id>#<runId>` |
 *
 * A due entry is a one-shot's roster entry, keyed by its second: a plan reads only the entries of the seconds it
 * covers (a range of one or two hourly partitions), so one-shots waiting for days cost no plan anything, and none
 * is removed when its run ends (TTL deletes it). An hourly partition takes the one-shots of a shard due in that hour:
 * up to 1,000 writes per second into one partition (the per-partition limit), so a burst of Starts due in the same
 * hour on one shard is bounded by it.
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html
 */

/** Created once per Lambda environment, reused across invocations. */
const dynamodb = new DynamoDBClient(clientConfig);

/** The state item of a shard. Times are epoch seconds. */
export interface ShardState {
  readonly epoch: number;
  /** The last second fully emitted. */
  readonly watermark: number;
  /** The last second planned into slot pages. */
  readonly plannedThrough: number;
  /** When the supervisor plans next (after its window, or after its sleep). */
  readonly sleepUntil: number;
  readonly heartbeatAt: number;
  /** Set while a plan runs (from before it reads the roster until it records its result). */
  readonly planningSince?: number;
  /** While a window runs: the next second it will emit (a Start due before it cannot wait for the window). */
  readonly nextEmit?: number;
  /** Late seconds added by Starts while a window runs: the window visits them too. */
  readonly extras?: Set<number>;
  /** Set by a Start that joined the roster while a plan ran: that plan reads the roster again before it records. */
  readonly replan?: boolean;
  /**
   * The latest second whose send began (set before PutEvents, never lowered, kept across epochs): its ticks may have
   * gone out even if the watermark never reached it, so a plan that skips it still counts its occurrences as numbered.
   */
  readonly emitting?: number;
  /**
   * The first second of the last recorded plan: one-shots due before it were planned, or completed as missed, by
   * that plan, so the next plan reads due entries from here (or the watermark, if later) instead of two days back.
   */
  readonly dueFrom?: number;
}

const key = (pk: string, sk: string) => marshall({ pk, sk });
const stateKey = (shard: number) => key(`shard#${shard}`, 'state');
const rosterPk = (shard: number) => `roster#${shard}`;
const slotPk = (shard: number, second: number) => `slot#${shard}#${second}`;
const stopsPk = (shard: number) => `stops#${shard}`;
const duePk = (shard: number, second: number) => `due#${shard}#${Math.floor(second / 3600)}`;
/** Sorts by second: epoch seconds have 10 digits until the year 2286. */
const dueSk = (second: number, suffix = '') => `${String(second).padStart(10, '0')}${suffix}`;
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';

export async function getShardState(tableName: string, shard: number): Promise<ShardState | undefined> {
  const result = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: stateKey(shard), ConsistentRead: true }));
  return result.Item ? (unmarshall(result.Item) as ShardState) : undefined;
}

/**
 * Move the shard to a new epoch (fencing out every execution of older ones), if its epoch is still `seenEpoch`
 * (undefined: the state does not exist yet). A new state starts with its watermark 11 s back, so the first plan
 * covers the usual 10 s of lateness. Returns the new epoch, or undefined when another waker got there first.
 */
export async function bumpEpoch(tableName: string, shard: number, seenEpoch: number | undefined, now: Date): Promise<number | undefined> {
  const epoch = (seenEpoch ?? 0) + 1;
  const nowSec = seconds(now);
  try {
    await dynamodb.send(new UpdateItemCommand({
      TableName: tableName,
      Key: stateKey(shard),
      UpdateExpression: 'SET epoch = :epoch, heartbeatAt = :now, sleepUntil = :now, '
        + 'watermark = if_not_exists(watermark, :initial), plannedThrough = if_not_exists(plannedThrough, :initial) REMOVE nextEmit, extras',
      ConditionExpression: seenEpoch === undefined ? 'attribute_not_exists(epoch)' : 'epoch = :seen',
      ExpressionAttributeValues: marshall({ ':epoch': epoch, ':now': nowSec, ':initial': nowSec - 11, ...(seenEpoch !== undefined ? { ':seen': seenEpoch } : {}) }),
    }));
    return epoch;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/**
 * A plan begins: set before it reads the roster, so a Start that writes its roster entry while the plan runs sees
 * it and asks for a replan (see {@link requestReplan}); the plan's own earlier request, if any, is consumed here,
 * since the roster is read after this write. False when a newer epoch owns the shard.
 */
export async function markPlanning(tableName: string, shard: number, epoch: number, now: Date): Promise<boolean> {
  return fencedUpdate(tableName, shard, epoch, 'SET planningSince = :now, heartbeatAt = :now REMOVE replan', { ':now': seconds(now) });
}

/**
 * A Start joined the roster while a plan (begun at `since` or later) is running: ask that plan to read the roster
 * again before it records. One conditional write instead of a wake, which would fence the plan and start another
 * supervisor (a burst of Starts would start one per Start). False when no such plan is running any more (it has
 * recorded, or a newer epoch owns the shard): then the Start decides on the state as recorded.
 */
export async function requestReplan(tableName: string, shard: number, epoch: number, since: number): Promise<boolean> {
  try {
    await dynamodb.send(new UpdateItemCommand({
      TableName: tableName,
      Key: stateKey(shard),
      UpdateExpression: 'SET replan = :true',
      ConditionExpression: 'epoch = :epoch AND planningSince >= :since',
      ExpressionAttributeValues: marshall({ ':true': true, ':epoch': epoch, ':since': since }),
    }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Record a plan: planned through `plannedThrough`, next plan at `sleepUntil`. `recorded`; `replan` when a Start
 * asked for one since the plan began (nothing is recorded, and the plan starts over), unless `force`; `fenced` when
 * a newer epoch owns the shard.
 */
export async function recordPlan(tableName: string, shard: number, epoch: number, plan: {
  plannedThrough: number; sleepUntil: number; nextEmit?: number; dueFrom: number; now: Date; force?: boolean;
}): Promise<'recorded' | 'replan' | 'fenced'> {
  // The plan read the whole roster: late seconds of earlier Starts are in its pages, so `extras` starts afresh.
  const window = plan.nextEmit !== undefined ? ', nextEmit = :next' : '';
  try {
    await dynamodb.send(new UpdateItemCommand({
      TableName: tableName,
      Key: stateKey(shard),
      UpdateExpression: `SET plannedThrough = :through, sleepUntil = :sleep, heartbeatAt = :now, dueFrom = :dueFrom${window} `
        + `REMOVE planningSince, extras, replan${window ? '' : ', nextEmit'}`,
      ConditionExpression: plan.force ? 'epoch = :epoch' : 'epoch = :epoch AND attribute_not_exists(replan)',
      ExpressionAttributeValues: marshall({
        ':through': plan.plannedThrough,
        ':sleep': plan.sleepUntil,
        ':dueFrom': plan.dueFrom,
        ':now': seconds(plan.now),
        ':epoch': epoch,
        ...(window ? { ':next': plan.nextEmit } : {}),
      }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }));
    return 'recorded';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const item = (error as { Item?: Record<string, any> }).Item;
    const current = item ? (unmarshall(item) as ShardState) : undefined;
    return current?.epoch === epoch ? 'replan' : 'fenced';
  }
}

/**
 * A Start whose ticks fall in a running window's seconds: add their seconds to `extras`, so the window visits them.
 * Returns the state after the write, or undefined when no window of epoch `epoch` is running (then wake the shard).
 */
export async function addExtraSeconds(tableName: string, shard: number, epoch: number, added: number[]): Promise<ShardState | undefined> {
  try {
    const result = await dynamodb.send(new UpdateItemCommand({
      TableName: tableName,
      Key: stateKey(shard),
      UpdateExpression: 'ADD extras :second',
      ConditionExpression: 'epoch = :epoch AND attribute_exists(nextEmit)',
      ExpressionAttributeValues: marshall({ ':second': new Set(added), ':epoch': epoch }),
      ReturnValues: 'ALL_NEW',
    }));
    return unmarshall(result.Attributes!) as ShardState;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/**
 * A send of second `second` begins: raise `emitting` to it (never lower it). Returns the state, or undefined when a
 * newer epoch owns the shard.
 */
export async function markEmitting(tableName: string, shard: number, epoch: number, second: number): Promise<ShardState | undefined> {
  try {
    const result = await dynamodb.send(new UpdateItemCommand({
      TableName: tableName,
      Key: stateKey(shard),
      UpdateExpression: 'SET emitting = :second',
      ConditionExpression: 'epoch = :epoch AND (attribute_not_exists(emitting) OR emitting < :second)',
      ExpressionAttributeValues: marshall({ ':second': second, ':epoch': epoch }),
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }));
    return unmarshall(result.Attributes!) as ShardState;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // Refused: a newer epoch, or `emitting` already at or past this second (a retried step), which is fine.
    const item = (error as { Item?: Record<string, any> }).Item;
    const current = item ? (unmarshall(item) as ShardState) : undefined;
    return current?.epoch === epoch ? current : undefined;
  }
}

/**
 * After second `second`: set the window's next second, computed from `extras` as read, unless a Start changed
 * `extras` since (then read again and recompute). Returns the next second, undefined when the window is done, or
 * `fenced` when a newer epoch owns the shard.
 */
export async function recordNextEmit(
  tableName: string, shard: number, epoch: number, second: number, rest: number[], now: Date,
): Promise<number | undefined | 'fenced'> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const state = attempt === 0
      ? await updateReturning(tableName, shard, epoch, 'SET watermark = :second, heartbeatAt = :now DELETE extras :done', {
        ':second': second, ':now': seconds(now), ':done': new Set([second]),
      })
      : await getShardState(tableName, shard);
    if (!state || state.epoch !== epoch) return 'fenced';
    const extras = [...(state.extras ?? [])];
    const next = [...rest, ...extras].filter((s) => s > second).sort((a, b) => a - b)[0];
    const same = extras.length === 0 ? 'attribute_not_exists(extras)' : 'size(extras) = :count';
    try {
      await dynamodb.send(new UpdateItemCommand({
        TableName: tableName,
        Key: stateKey(shard),
        UpdateExpression: next !== undefined ? 'SET nextEmit = :next' : 'REMOVE nextEmit',
        ConditionExpression: `epoch = :epoch AND ${same}`,
        ExpressionAttributeValues: marshall({ ':epoch': epoch, ...(extras.length > 0 ? { ':count': extras.length } : {}), ...(next !== undefined ? { ':next': next } : {}) }),
      }));
      return next;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  throw new Error(`extras of shard ${shard} kept changing; the window's next second could not be recorded`);
}

async function updateReturning(
  tableName: string, shard: number, epoch: number, update: string, values: Record<string, unknown>,
): Promise<ShardState | undefined> {
  try {
    const result = await dynamodb.send(new UpdateItemCommand({
      TableName: tableName,
      Key: stateKey(shard),
      UpdateExpression: update,
      ConditionExpression: 'epoch = :epoch',
      ExpressionAttributeValues: marshall({ ...values, ':epoch': epoch }),
      ReturnValues: 'ALL_NEW',
    }));
    return unmarshall(result.Attributes!) as ShardState;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

async function fencedUpdate(tableName: string, shard: number, epoch: number, update: string, values: Record<string, unknown>): Promise<boolean> {
  try {
    await dynamodb.send(new UpdateItemCommand({
      TableName: tableName,
      Key: stateKey(shard),
      UpdateExpression: update,
      ConditionExpression: 'epoch = :epoch',
      ExpressionAttributeValues: marshall({ ...values, ':epoch': epoch }),
    }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Every item of partition `pk` (paged), strongly consistent. */
async function queryAll(input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: QueryCommandInput['ExclusiveStartKey'];
  do {
    const page = await dynamodb.send(new QueryCommand({ ...input, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) items.push(unmarshall(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function queryRoster(tableName: string, shard: number): Promise<RosterEntry[]> {
  const items = await queryAll({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: marshall({ ':pk': rosterPk(shard) }),
  });
  return items.filter((item) => !item.tombstone).map((item) => runEntryOf(item, item.sk as string));
}

/** A roster or due entry as read: the run, its spec and checkpoint, and its payload or where to read it. */
function runEntryOf(item: Record<string, unknown>, id: string): RosterEntry {
  return {
    id,
    runId: item.runId as string,
    spec: item.spec as RosterEntry['spec'],
    checkpoint: item.checkpoint as Checkpoint,
    ...(item.payloadJson !== undefined ? { payloadJson: item.payloadJson as string } : {}),
    ...(item.payloadInItem ? { payloadInItem: true } : {}),
  };
}

/**
 * Add a run to its shard's roster, replacing the id's previous run, unless a newer command already wrote it (a slow
 * handler of an older Start must not bring its run back). A redelivery rewrites the same entry.
 */
export async function putRosterEntry(
  tableName: string, shard: number, entry: RosterEntry, command: string,
): Promise<'written' | 'duplicate' | 'stale'> {
  try {
    await dynamodb.send(new PutItemCommand({
      TableName: tableName,
      Item: marshall({ pk: rosterPk(shard), sk: entry.id, command, ...entry, id: undefined }, { removeUndefinedValues: true }),
      // Strictly newer: a redelivered Start must not reset the run's checkpoint (its ticks would be numbered again).
      ConditionExpression: 'attribute_not_exists(sk) OR command < :command',
      ExpressionAttributeValues: marshall({ ':command': command }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }));
    return 'written';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const item = (error as { Item?: Record<string, any> }).Item;
    const current = item ? unmarshall(item) : undefined;
    return current?.command === command ? 'duplicate' : 'stale';
  }
}

/**
 * A one-shot joins its shard: a due entry in the partition of its second's hour (see the table above). A redelivery
 * finds it there (`duplicate`). No newer command can have written the same key (it carries the runId): an older
 * Start that writes after a newer one is dropped at emit time, when the item no longer names its run.
 */
export async function putDueEntry(tableName: string, shard: number, second: number, entry: RosterEntry): Promise<'written' | 'duplicate'> {
  try {
    await dynamodb.send(new PutItemCommand({
      TableName: tableName,
      Item: marshall({
        pk: duePk(shard, second),
        sk: dueSk(second, `#${entry.id}#${entry.runId}`),
        ...entry,
        due: undefined,
        [TTL_ATTRIBUTE]: second + DUE_TTL_SECONDS,
      }, { removeUndefinedValues: true }),
      ConditionExpression: 'attribute_not_exists(sk)',
    }));
    return 'written';
  } catch (error) {
    if (isConditionFailure(error)) return 'duplicate';
    throw error;
  }
}

/** Hourly partitions of due entries from second `from` through `through`. */
function dueHours(shard: number, from: number, through: number): Array<{ pk: string; from: string; through: string }> {
  const hours: Array<{ pk: string; from: string; through: string }> = [];
  for (let hour = Math.floor(from / 3600); hour <= Math.floor(through / 3600); hour++) {
    hours.push({ pk: duePk(shard, hour * 3600), from: dueSk(Math.max(from, hour * 3600)), through: dueSk(Math.min(through, hour * 3600 + 3599), '~') });
  }
  return hours;
}

/** The due entries (one-shots) of seconds `from` through `through`, as roster entries marked `due`. */
export async function queryDue(tableName: string, shard: number, from: number, through: number): Promise<RosterEntry[]> {
  // The hours in parallel (a plan after a long quiet spell reads up to two days of them), in order.
  const hours = dueHours(shard, from, through);
  const pages: Record<string, unknown>[][] = new Array(hours.length);
  for (let i = 0; i < hours.length; i += 8) {
    await Promise.all(hours.slice(i, i + 8).map(async (hour, j) => {
      pages[i + j] = await queryAll({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :through',
        ExpressionAttributeValues: marshall({ ':pk': hour.pk, ':from': hour.from, ':through': hour.through }),
      });
    }));
  }
  return pages.flat().map((item) => ({ ...runEntryOf(item, item.id as string), due: true }));
}

/** The second of the first due entry after `after`, up to `until` (a plan's sleep horizon), if any. */
export async function nextDueSecond(tableName: string, shard: number, after: number, until: number): Promise<number | undefined> {
  for (const hour of dueHours(shard, after + 1, until)) {
    const page = await dynamodb.send(new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :through',
      ExpressionAttributeValues: marshall({ ':pk': hour.pk, ':from': hour.from, ':through': hour.through }),
      ProjectionExpression: 'sk',
      ConsistentRead: true,
      Limit: 1,
    }));
    const sk = page.Items?.[0] ? String(unmarshall(page.Items[0]).sk) : undefined;
    if (sk) return Number(sk.slice(0, 10));
  }
  return undefined;
}

/**
 * A one-shot replaced a series: a tombstone with the one-shot's Start command takes the series' roster entry's place
 * (unless a newer command wrote it), so a slower attempt of an older Start cannot put a series back. Plans skip it;
 * TTL deletes it a day later (an attempt lives at most the handler's timeout).
 */
export async function putRosterTombstone(tableName: string, shard: number, id: string, command: string, now: Date): Promise<void> {
  try {
    await dynamodb.send(new PutItemCommand({
      TableName: tableName,
      Item: marshall({ pk: rosterPk(shard), sk: id, command, tombstone: true, [TTL_ATTRIBUTE]: seconds(now) + 86_400 }),
      ConditionExpression: 'attribute_not_exists(sk) OR command < :command',
      ExpressionAttributeValues: marshall({ ':command': command }),
    }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Remove a run from the roster (stopped, completed); a newer run of the same id is left alone. */
export async function deleteRosterEntry(tableName: string, shard: number, id: string, runId: string): Promise<void> {
  try {
    await dynamodb.send(new DeleteItemCommand({
      TableName: tableName,
      Key: key(rosterPk(shard), id),
      ConditionExpression: 'runId = :runId',
      ExpressionAttributeValues: marshall({ ':runId': runId }),
    }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Move a run's checkpoint (after skipped occurrences, or hourly); a newer run of the same id is left alone. */
export async function writeCheckpoint(tableName: string, shard: number, id: string, runId: string, checkpoint: Checkpoint): Promise<void> {
  try {
    await dynamodb.send(new UpdateItemCommand({
      TableName: tableName,
      Key: key(rosterPk(shard), id),
      UpdateExpression: 'SET checkpoint = :checkpoint',
      ConditionExpression: 'runId = :runId',
      ExpressionAttributeValues: marshall({ ':checkpoint': checkpoint, ':runId': runId }),
    }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/**
 * Write the pages of one second. A page carries the epoch of the plan that wrote it, and an older epoch never
 * overwrites a newer one's page (a fenced planner may still be running). False when a newer epoch's page is there.
 */
export async function putSlotPage(
  tableName: string, shard: number, second: number, page: number, entries: SlotEntry[], epoch: number,
): Promise<boolean> {
  try {
    await dynamodb.send(new PutItemCommand({
      TableName: tableName,
      Item: marshall({
        pk: slotPk(shard, second), sk: `p#${page}`, epoch, entries: encodeSlotEntries(second, entries), [TTL_ATTRIBUTE]: second + SLOT_TTL_SECONDS,
      }),
      ConditionExpression: 'attribute_not_exists(epoch) OR epoch <= :epoch',
      ExpressionAttributeValues: marshall({ ':epoch': epoch }),
    }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * A tick written by a Start into a second that was already planned. Kept as an object (not the pages' tuples,
 * lambda/domain/slot-codec.ts): the Start and shard functions are updated one after the other in a deployment.
 */
export async function putLateEntry(tableName: string, shard: number, second: number, entry: SlotEntry): Promise<void> {
  await dynamodb.send(new PutItemCommand({
    TableName: tableName,
    Item: marshall({
      pk: slotPk(shard, second), sk: `x#${entry.id}#${entry.runId}`, entries: JSON.stringify([entry]), [TTL_ATTRIBUTE]: second + SLOT_TTL_SECONDS,
    }),
  }));
}

/** The due entries of one second: the pages of the newest plan that wrote it, and the late entries. */
export async function querySlot(tableName: string, shard: number, second: number): Promise<SlotEntry[]> {
  const items = await queryAll({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: marshall({ ':pk': slotPk(shard, second) }),
  });
  const pages = items.filter((item) => String(item.sk).startsWith('p#'));
  const newest = Math.max(-1, ...pages.map((item) => Number(item.epoch ?? 0)));
  const used = [...pages.filter((item) => Number(item.epoch ?? 0) === newest), ...items.filter((item) => String(item.sk).startsWith('x#'))];
  return used.flatMap((item) => decodeSlotEntries(second, String(item.entries)));
}

/** A Stop (or a replacing Start) processed at `processedAt`: no tick of that run scheduled at or after it goes out. */
export async function putStopMarker(tableName: string, shard: number, marker: { id: string; runId: string; processedAt: Date }): Promise<void> {
  const processedAt = marker.processedAt.toISOString();
  await dynamodb.send(new PutItemCommand({
    TableName: tableName,
    Item: marshall({
      pk: stopsPk(shard),
      sk: `${processedAt}#${marker.id}#${marker.runId}`,
      id: marker.id,
      runId: marker.runId,
      processedAt,
      [TTL_ATTRIBUTE]: seconds(marker.processedAt) + STOP_MARKER_TTL_SECONDS,
    }),
  }));
}

/** Removes a stop marker (a Stop that wrote it first, then failed to apply: its retry writes its own). */
export async function deleteStopMarker(tableName: string, shard: number, marker: { id: string; runId: string; processedAt: Date }): Promise<void> {
  await dynamodb.send(new DeleteItemCommand({ TableName: tableName, Key: key(stopsPk(shard), `${marker.processedAt.toISOString()}#${marker.id}#${marker.runId}`) }));
}

/** Stop markers processed since `since` (older ones may linger until TTL deletes them, and are ignored). */
export async function queryStopMarkers(
  tableName: string, shard: number, since: Date,
): Promise<Array<{ id: string; runId: string; processedAt: string }>> {
  const items = await queryAll({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk >= :since',
    ExpressionAttributeValues: marshall({ ':pk': stopsPk(shard), ':since': since.toISOString() }),
  });
  return items.map((item) => ({ id: item.id as string, runId: item.runId as string, processedAt: item.processedAt as string }));
}

/** A run as its item in the schedules table has it now. */
export interface RunNow {
  readonly runId: string;
  readonly status?: string;
  /** When a Stop (or a failure) ended it (ISO). */
  readonly finishedAt?: string;
  /** A one-shot's tick second (ISO): its completion is derived from it, not written (lambda/domain/run-status.ts). */
  readonly completesAt?: string;
  readonly payloadJson?: string;
}

/**
 * The items of the ids `keys` name, as the schedules table has them now: their run, status and payload (JSON). An
 * id whose item names no run is left out; the caller compares the run with its own (two runs of an id can share a
 * second).
 *
 * The read is eventually consistent (0.5 RRU per item instead of 1), and strongly consistent again for the ids whose
 * item is missing or names another run than the key's (a Start claimed less than a moment ago). What else a stale read
 * could miss is a Stop, or a replacing Start, processed less than a moment before the tick: the stop marker each of
 * them writes covers it (the Emit reads the markers of the last 15 minutes, strongly consistent), and DynamoDB reaches
 * consistency across all copies of an item "usually within one second", far sooner than 15 minutes.
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html
 */
export async function getRuns(
  scheduleTableName: string, keys: ReadonlyArray<{ id: string; runId: string }>,
): Promise<Map<string, RunNow>> {
  const found = await batchGetRuns(scheduleTableName, [...new Set(keys.map((k) => k.id))], false);
  const unsure = [...new Set(keys.filter((k) => found.get(k.id)?.runId !== k.runId).map((k) => k.id))];
  for (const [id, run] of await batchGetRuns(scheduleTableName, unsure, true)) found.set(id, run);
  return found;
}

async function batchGetRuns(scheduleTableName: string, ids: readonly string[], consistent: boolean): Promise<Map<string, RunNow>> {
  const found = new Map<string, RunNow>();
  // BatchGetItem reads at most 100 items per call.
  // @see https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
  for (let i = 0; i < ids.length; i += 100) {
    let request: BatchGetItemCommandInput['RequestItems'] = {
      [scheduleTableName]: {
        Keys: ids.slice(i, i + 100).map((id) => marshall({ id })),
        ProjectionExpression: 'id, runId, #status, finishedAt, completesAt, payloadJson',
        ExpressionAttributeNames: { '#status': 'status' },
        ConsistentRead: consistent,
      },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 5) throw new Error(`BatchGetItem left keys unprocessed after ${attempt} attempts`);
      const result: BatchGetItemCommandOutput = await dynamodb.send(new BatchGetItemCommand({ RequestItems: request }));
      for (const item of result.Responses?.[scheduleTableName] ?? []) {
        const { id, ...run } = unmarshall(item) as Partial<RunNow> & { id: string };
        if (run.runId !== undefined) found.set(id, run as RunNow);
      }
      request = result.UnprocessedKeys;
    }
  }
  return found;
}
