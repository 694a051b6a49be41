import type { EventBridgeEvent } from 'aws-lambda';
import { DETAIL_TYPE } from '../../src/contract';
import { handlerConfig, log } from '../aws/handler-config';
import { recordExecutionFailure, recordFailureReported } from '../aws/schedule-table';
import { emit } from '../aws/scheduler-events';
import { parseExecutionFailure } from '../domain/execution-failure';

/**
 * `Step Functions Execution Status Change` (FAILED, TIMED_OUT) of the scheduler's state machine: an execution that
 * ended where no Catch could see it (the history quota, a States.Runtime error, a timeout). Marks the run FAILED if
 * it is still this execution's and running, and emits `Schedule Failed`, unless the state machine's failure path
 * emitted it already. A redelivery changes nothing and sends nothing twice.
 */
export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
  const config = handlerConfig();
  if (event.source !== 'aws.states') {
    log('WARN', 'Ignored an event that does not come from Step Functions', { source: event.source, eventId: event.id });
    return;
  }
  const parsed = parseExecutionFailure(event.detail);
  if (!parsed.ok) {
    log('ERROR', `Cannot report a failed execution: ${parsed.reason}`, { eventId: event.id, resources: event.resources });
    return;
  }
  const { failure } = parsed;
  const result = await recordExecutionFailure(config.tableName, {
    id: failure.id,
    runId: failure.runId,
    executionArn: failure.executionArn,
    reason: failure.error,
    now: new Date(),
    retentionSeconds: config.retentionSeconds,
  });
  const fields = { id: failure.id, runId: failure.runId, executionArn: failure.executionArn, error: failure.error, eventId: event.id };
  if (result.outcome === 'not-running' || (result.outcome === 'duplicate' && result.reported)) {
    log('INFO', 'A failed execution whose run was already over or reported', { ...fields, outcome: result.outcome });
    return;
  }
  if (failure.reported) {
    log('INFO', 'Marked a run FAILED that its execution had reported', fields);
    return;
  }
  await emit(config, DETAIL_TYPE.FAILED, {
    id: failure.id,
    runId: failure.runId,
    error: failure.error,
    failure: { Error: failure.error, ...(failure.cause !== undefined ? { Cause: failure.cause } : {}) },
    status: failure.status,
    executionArn: failure.executionArn,
  });
  await recordFailureReported(config.tableName, failure.id, failure.executionArn);
  log('INFO', 'Reported a failed execution', fields);
};
