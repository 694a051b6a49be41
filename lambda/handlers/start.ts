import type { EventBridgeEvent } from 'aws-lambda';
import { executionArnFor, executionNameFor, runIdFor } from '../domain/execution-names';
import { handlerConfig, log } from '../aws/handler-config';
import { batchAfterOf, computePlan, nextAtOf } from '../domain/machine-state';
import { parseStartDetail } from '../domain/schedule-spec';
import { claimRun, commandKey, getSchedule } from '../aws/schedule-table';
import { reject } from '../aws/scheduler-events';
import { startExecution } from '../aws/executions';
import { stopExecution } from '../aws/executions';
import { DETAIL_TYPE, MachineState, MAX_EXECUTION_AGE_MS, PLAN_ACTION, STATUS } from '../../src/contract';

/**
 * `Schedule Start`: validate, claim the run in DynamoDB (newest command wins, redeliveries are
 * no-ops), stop the run it replaces, and start the run's first execution with its first batch.
 */
export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
  const config = handlerConfig();
  if (event.source === config.tickSource) {
    // The scheduler's own events never drive it (no loops), even if a rule is widened by mistake.
    log('WARN', 'Ignored a Start from the tick source', { source: event.source, eventId: event.id });
    return;
  }
  const now = new Date();
  const parsed = parseStartDetail(event.detail, now);
  if (!parsed.ok) {
    await reject(config, DETAIL_TYPE.START, event, parsed);
    return;
  }

  const stateMachineArn = config.stateMachineArn;
  if (!stateMachineArn) throw new Error('SCHEDULER_STATE_MACHINE_ARN is not set; the start handler is misconfigured');
  const { id, spec } = parsed;
  const runId = runIdFor(id, event.id);
  const executionName = executionNameFor(id, runId, 0);
  const executionArn = executionArnFor(stateMachineArn, executionName);
  const cursor = { sequence: 0, after: now.toISOString(), executionTicks: 0 };
  const plan = computePlan({ id, runId, spec }, cursor, now, new Date(now.getTime() + MAX_EXECUTION_AGE_MS));
  if (plan.action === PLAN_ACTION.COMPLETE) {
    // Validation guarantees an occurrence; this guards the contract between the two.
    throw new Error(`Schedule "${id}" has no occurrence after validation; spec: ${JSON.stringify(spec)}`);
  }
  const nextAt = nextAtOf(plan, spec, now) ?? plan.wakeAt;

  const claim = await claimRun(config.tableName, {
    id,
    runId,
    command: commandKey(event.time, event.id),
    spec,
    payloadJson: parsed.hasPayload ? JSON.stringify(parsed.payload) : undefined,
    executionArn,
    nextAt,
    batchAfter: batchAfterOf(plan, cursor.after),
    batchSize: plan.ticks?.length ?? 0,
    now,
  });
  if (claim.outcome === 'stale') {
    log('INFO', 'Ignored a Start older than the last command for this id', { id, eventId: event.id, eventTime: event.time });
    return;
  }
  if (claim.outcome === 'duplicate' && (claim.current.runId !== runId || claim.current.status !== STATUS.RUNNING)) {
    log('INFO', 'Ignored a redelivered Start whose run is over', { id, eventId: event.id });
    return;
  }

  // Stop the run this one replaces before the new one starts ticking.
  const replaced = claim.outcome === 'claimed' ? claim.previous?.executionArn : claim.current.previousExecutionArn;
  const replacedRunning = claim.outcome === 'claimed' ? claim.previous?.status === STATUS.RUNNING : Boolean(replaced);
  if (replaced && replacedRunning && replaced !== executionArn) {
    await stopExecution(replaced, `Replaced by a new Start of schedule ${runId}`);
  }

  const common = { id, runId, ...(parsed.hasPayload ? { payload: parsed.payload } : {}) };
  const input: MachineState = {
    id,
    runId,
    generation: 0,
    spec,
    common,
    cursor,
    started: {
      id,
      runId,
      kind: spec.kind,
      expression: spec.expression,
      timezone: spec.timezone,
      ...(nextAt ? { nextAt } : {}),
      ...(spec.limit !== undefined ? { limit: spec.limit } : {}),
      ...(spec.startAt ? { startAt: spec.startAt } : {}),
      ...(spec.endAt ? { endAt: spec.endAt } : {}),
      ...(claim.outcome === 'claimed' && claim.previous?.status === STATUS.RUNNING ? { replacedRunId: claim.previous.runId } : {}),
    },
    plan,
  };
  await startExecution(stateMachineArn, executionName, input);

  // A Stop (or newer Start) may have been applied between the claim and the start, while this
  // execution did not exist yet for it to stop: check again, and stop our own execution if so.
  const current = await getSchedule(config.tableName, id);
  if (current?.runId !== runId || current.status !== STATUS.RUNNING) {
    log('INFO', 'Run superseded while starting; stopping its execution', { id, runId });
    await stopExecution(executionArn, 'Superseded while starting');
    return;
  }
  log('INFO', 'Started a schedule', { id, runId, kind: spec.kind, nextAt, eventId: event.id, duplicate: claim.outcome === 'duplicate' });
};
