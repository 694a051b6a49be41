import { MachineState, MAX_EXECUTION_AGE_MS, PLAN_ACTION, TICKS_PER_EXECUTION } from '../../src/contract';
import { startExecution } from '../aws/executions';
import { handlerConfig, log } from '../aws/handler-config';
import { recordCompletion, recordHandover, recordProgress } from '../aws/schedule-table';
import { executionArnFor, executionNameFor } from '../domain/execution-names';
import { advanceCursor, batchAfterOf, computePlan, nextAtOf, planAfter } from '../domain/machine-state';

/** What the state machine passes to the plan step. */
export interface PlanEvent {
  readonly state: MachineState;
  /** `$$.Execution.Id` */
  readonly executionArn: string;
  /** `$$.Execution.StartTime` */
  readonly executionStartTime: string;
  /** `$$.StateMachine.Id` */
  readonly stateMachineArn: string;
}

/**
 * Hands a long run over to a new execution well before the execution's one-year limit.
 * A day of margin covers a plan step delayed by retries.
 */
const HANDOVER_MARGIN_MS = 24 * 3600 * 1000;

/**
 * The plan step, once per batch: advance the cursor past the ticks just emitted, check (with a
 * conditional write) that this execution still owns the run, then plan the next batch, a sleep,
 * completion, or a hand-over to a new execution. Returns the execution's next state.
 */
export const handler = async (event: PlanEvent): Promise<MachineState> => {
  const config = handlerConfig();
  const now = new Date();
  const { state, executionArn } = event;
  const { id, runId } = state;
  const cursor = advanceCursor(state);
  const executionStart = Date.parse(event.executionStartTime);
  const deadline = new Date(executionStart + MAX_EXECUTION_AGE_MS);
  const end = (why: string): MachineState => {
    log('INFO', `Execution ends: ${why}`, { id, runId, executionArn });
    return { ...withoutStarted(state), cursor, plan: { action: PLAN_ACTION.END } };
  };

  const plan = computePlan(state, cursor, now, deadline);
  if (plan.action === PLAN_ACTION.COMPLETE) {
    const owned = await recordCompletion(config.tableName, {
      id, runId, executionArn, ticks: cursor.sequence, reason: plan.completed!.reason, now, retentionSeconds: config.retentionSeconds,
    });
    if (!owned) return end('run no longer owned by this execution');
    // Completed is emitted by the state machine on the `complete` action; without the event, the run just ends.
    return config.startedAndCompletedEvents ? { ...withoutStarted(state), cursor, plan } : end('completed');
  }

  const batch = plan.ticks?.length ?? 0;
  const historyFull = cursor.executionTicks + batch > TICKS_PER_EXECUTION;
  const tooOld = now.getTime() >= deadline.getTime() - HANDOVER_MARGIN_MS;
  if (historyFull || tooOld) {
    const generation = state.generation + 1;
    const nextName = executionNameFor(id, runId, generation);
    const nextArn = executionArnFor(event.stateMachineArn, nextName);
    const owned = await recordHandover(config.tableName, {
      id, runId, executionArn, nextArn, generation, ticks: cursor.sequence, now,
    });
    if (!owned) return end('run no longer owned by this execution');
    // The next execution begins with a plan step of its own, which re-checks ownership before any tick.
    const next: MachineState = {
      ...withoutStarted(state),
      generation,
      cursor: { ...cursor, executionTicks: 0 },
      plan: { action: PLAN_ACTION.CHECK },
    };
    await startExecution(event.stateMachineArn, nextName, next);
    log('INFO', 'Handed over to a new execution', { id, runId, generation, reason: historyFull ? 'history' : 'age', ticks: cursor.sequence });
    return end('handed over');
  }

  const owned = await recordProgress(config.tableName, {
    id,
    runId,
    executionArn,
    ticks: cursor.sequence,
    batchAfter: batchAfterOf(plan, cursor.after),
    batchSize: batch,
    nextAt: nextAtOf(plan, state.spec, planAfter(cursor, now)) ?? plan.wakeAt,
    now,
  });
  if (!owned) return end('run no longer owned by this execution');
  return { ...withoutStarted(state), cursor, plan };
};

function withoutStarted(state: MachineState): MachineState {
  const { started: _started, ...rest } = state;
  return rest;
}
