import type { EventBridgeEvent } from 'aws-lambda';
import { DETAIL_TYPE, STATUS } from '../../src/contract';
import { stopExecution } from '../aws/executions';
import { HandlerConfig, handlerConfig, log, shardConfig } from '../aws/handler-config';
import { applyStop, commandKey, getSchedule, recordStopReported, ScheduleItem } from '../aws/schedule-table';
import { emit, reject } from '../aws/scheduler-events';
import { deleteRosterEntry, deleteStopMarker, putStopMarker } from '../aws/shard-table';
import { countOccurrences } from '../domain/occurrences';
import { isRunningAt } from '../domain/run-status';
import { isOneShot } from '../domain/shards';
import { parseStopDetail } from '../domain/stop-detail';

/**
 * `Schedule Stop`: mark the schedule stopped (if this is the newest command for the id) and stop
 * the execution the item names. Unknown and finished ids are harmless no-ops.
 */
export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
  const config = handlerConfig();
  if (event.source === config.tickSource) {
    log('WARN', 'Ignored a Stop from the tick source', { source: event.source, eventId: event.id });
    return;
  }
  const parsed = parseStopDetail(event.detail);
  if (!parsed.ok) {
    await reject(config, DETAIL_TYPE.STOP, event, parsed);
    return;
  }

  const now = new Date();
  const command = commandKey(event.time, event.id);
  const fence = await fenceFirst(config, parsed.id, command, now);
  let result: Awaited<ReturnType<typeof applyStop>>;
  try {
    result = await applyStop(config.tableName, parsed.id, command, now, config.retentionSeconds);
  } catch (error) {
    // Not applied: the marker must not drop the run's ticks meanwhile (the retry, a minute later, writes its own).
    if (fence) await fence.undo().catch((undoError) => log('WARN', 'Could not remove the stop marker of a Stop that failed', { id: parsed.id, error: String(undoError) }));
    throw error;
  }
  switch (result.outcome) {
    case 'stopped': {
      const { previous } = result;
      if (previous.executionArn) await stopExecution(previous.executionArn, 'Stopped by a Schedule Stop event');
      await leaveShard(previous, now);
      await reportStopped(config, { ...previous, lastCommand: command }, now);
      log('INFO', 'Stopped a schedule', { id: parsed.id, runId: previous.runId, eventId: event.id });
      return;
    }
    case 'duplicate': {
      // A redelivery, or a retry after a failure: finish what the first attempt may not have done (both idempotent).
      const { current } = result;
      if (current.status === STATUS.STOPPED && current.executionArn) {
        await stopExecution(current.executionArn, 'Stopped by a Schedule Stop event');
      }
      if (current.status === STATUS.STOPPED && current.reason === 'stopped' && current.finishedAt) {
        await leaveShard(current, new Date(current.finishedAt));
      }
      if (current.status === STATUS.STOPPED && current.reason === 'stopped' && current.runId && !current.stopReported) {
        await reportStopped(config, current, current.finishedAt ? new Date(current.finishedAt) : now);
      }
      log('INFO', 'Ignored a redelivered Stop', { id: parsed.id, eventId: event.id });
      return;
    }
    default:
      log('INFO', `Stop had nothing to stop (${result.outcome})`, { id: parsed.id, eventId: event.id });
  }
};

/**
 * Sharded engine: the stop marker of the one-shot this Stop will stop, written before the item. The Emit reads
 * one-shots' items eventually consistent and relies on the markers for what a stale copy may miss (lambda/aws/
 * shard-table.ts, getRuns), so the marker must exist by the time the item says STOPPED. (A series' ticks are not checked
 * against its item: its marker is written after, as before.) A marker for a Stop that then loses to a newer command
 * fences a run that command replaced or stopped already; one for a Stop that fails is removed (`undo`).
 */
async function fenceFirst(config: HandlerConfig, id: string, command: string, now: Date): Promise<{ undo: () => Promise<void> } | undefined> {
  const shards = shardConfig();
  if (!shards) return undefined;
  const current = await getSchedule(config.tableName, id);
  if (current?.shard === undefined || !current.runId || !current.spec || !isOneShot(current.spec)) return undefined;
  if (current.lastCommand >= command || !isRunningAt(current, now)) return undefined;
  const marker = { id, runId: current.runId, processedAt: now };
  await putStopMarker(shards.shardTableName, current.shard, marker);
  return { undo: () => deleteStopMarker(shards.shardTableName, current.shard!, marker) };
}

/**
 * Sharded engine: fence the stopped run's ticks out of the shard. The stop marker drops every tick already planned
 * with a `scheduledAt` at or after the Stop; the roster entry's removal keeps later plans from planning more. A
 * one-shot has a due entry instead, which stays: the Emit sends its tick only while the item names its run, running.
 */
async function leaveShard(item: ScheduleItem, stoppedAt: Date): Promise<void> {
  const shards = shardConfig();
  if (!shards || item.shard === undefined || !item.runId) return;
  await putStopMarker(shards.shardTableName, item.shard, { id: item.id, runId: item.runId, processedAt: stoppedAt });
  if (item.spec && isOneShot(item.spec)) return;
  await deleteRosterEntry(shards.shardTableName, item.shard, item.id, item.runId);
}

/** `Schedule Stopped` for the run `item` had when the Stop applied at `stoppedAt`, recorded as sent. */
async function reportStopped(config: HandlerConfig, item: ScheduleItem, stoppedAt: Date): Promise<void> {
  await emit(config, DETAIL_TYPE.STOPPED, { id: item.id, runId: item.runId, ticks: ticksEmitted(item, stoppedAt) });
  await recordStopReported(config.tableName, item.id, item.lastCommand);
}

/** Ticks emitted by `now`: the ones before the batch in flight plus the batch's occurrences that are due. */
export function ticksEmitted(item: ScheduleItem, now: Date): number {
  const before = item.ticks ?? 0;
  if (!item.spec || !item.batchAfter || !item.batchSize) return before;
  return before + countOccurrences(item.spec, new Date(item.batchAfter), now, item.batchSize);
}
