import type { EventBridgeEvent } from 'aws-lambda';
import { handlerConfig, log } from './handler-config';
import { countOccurrences } from './occurrences';
import { parseStopDetail } from './schedule-spec';
import { applyStop, commandKey, ScheduleItem } from './schedule-store';
import { echo, emit } from './scheduler-events';
import { stopExecution } from './stop-execution';
import { DETAIL_TYPE, STATUS } from '../src/private/contract';

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
    log('INFO', 'Rejected a Stop', { eventId: event.id, errors: parsed.errors });
    await emit(config, DETAIL_TYPE.REJECTED, {
      ...(parsed.id !== undefined ? { id: parsed.id } : {}),
      command: DETAIL_TYPE.STOP,
      errors: parsed.errors,
      received: echo(event.detail),
      eventId: event.id,
    });
    return;
  }

  const now = new Date();
  const result = await applyStop(config.tableName, parsed.id, commandKey(event.time, event.id), now, config.retentionSeconds);
  switch (result.outcome) {
    case 'stopped': {
      const { previous } = result;
      if (previous.executionArn) await stopExecution(previous.executionArn, 'Stopped by a Schedule Stop event');
      await emit(config, DETAIL_TYPE.STOPPED, { id: parsed.id, runId: previous.runId, ticks: ticksEmitted(previous, now) });
      log('INFO', 'Stopped a schedule', { id: parsed.id, runId: previous.runId, eventId: event.id });
      return;
    }
    case 'duplicate':
      // A redelivery: make sure the execution is stopped (idempotent); the event went out the first time.
      if (result.current.status === STATUS.STOPPED && result.current.executionArn) {
        await stopExecution(result.current.executionArn, 'Stopped by a Schedule Stop event');
      }
      log('INFO', 'Ignored a redelivered Stop', { id: parsed.id, eventId: event.id });
      return;
    default:
      log('INFO', `Stop had nothing to stop (${result.outcome})`, { id: parsed.id, eventId: event.id });
  }
};

/** Ticks emitted by `now`: the ones before the batch in flight plus the batch's occurrences that are due. */
export function ticksEmitted(item: ScheduleItem, now: Date): number {
  const before = item.ticks ?? 0;
  if (!item.spec || !item.batchAfter || !item.batchSize) return before;
  return before + countOccurrences(item.spec, new Date(item.batchAfter), now, item.batchSize);
}
