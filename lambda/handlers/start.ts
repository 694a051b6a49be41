import type { EventBridgeEvent } from 'aws-lambda';
import { Cursor, DETAIL_TYPE, INLINE_PAYLOAD_BYTES, MachineState, MAX_EXECUTION_AGE_MS, Plan, PLAN_ACTION, STATUS } from '../../src/contract';
import { startExecution, stopExecution } from '../aws/executions';
import { HandlerConfig, handlerConfig, log, ShardConfig, shardConfig } from '../aws/handler-config';
import { claimRun, ClaimResult, commandKey, getSchedule } from '../aws/schedule-table';
import { emit, forEachLimited, reject } from '../aws/scheduler-events';
import { addExtraSeconds, getShardState, putLateEntry, putRosterEntry, putStopMarker } from '../aws/shard-table';
import { wakeShard } from '../aws/shard-wake';
import { executionArnFor, executionNameFor, runIdFor } from '../domain/execution-names';
import { batchAfterOf, computePlan, nextAtOf } from '../domain/machine-state';
import { AcceptedStart } from '../domain/parse-result';
import { parseStartDetail } from '../domain/schedule-spec';
import { completionReason, lateTicks, shardOf, slotOf } from '../domain/shards';

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
  const shards = shardConfig();
  if (shards) {
    await startOnShard(config, shards, parsed, event, now);
    return;
  }
  const stateMachineArn = config.stateMachineArn;
  if (!stateMachineArn) throw new Error('SCHEDULER_STATE_MACHINE_ARN is not set; the start handler is misconfigured');

  const run = firstStep(parsed, event, stateMachineArn, now);
  const claim = await claimRun(config.tableName, {
    id: run.id,
    runId: run.runId,
    command: commandKey(event.time, event.id),
    spec: parsed.spec,
    payloadJson: parsed.hasPayload ? JSON.stringify(parsed.payload) : undefined,
    executionArn: run.executionArn,
    nextAt: run.nextAt,
    batchAfter: batchAfterOf(run.plan, run.cursor.after),
    batchSize: run.plan.ticks?.length ?? 0,
    now,
  });
  if (!(await acceptClaim(claim, run, event))) return;
  await startExecution(stateMachineArn, run.executionName, machineInput(parsed, run, claim, config.startedAndCompletedEvents));
  if (!(await confirmOwnership(config.tableName, run))) return;
  log('INFO', 'Started a schedule', { id: run.id, runId: run.runId, kind: parsed.spec.kind, nextAt: run.nextAt, eventId: event.id, duplicate: claim.outcome === 'duplicate' });
};

/** A new run's names and first plan, all derived from the command (so a redelivery derives the same). */
interface FirstStep {
  readonly id: string;
  readonly runId: string;
  readonly executionName: string;
  readonly executionArn: string;
  readonly cursor: Cursor;
  readonly plan: Plan;
  readonly nextAt?: string;
}

function firstStep(parsed: AcceptedStart, event: EventBridgeEvent<string, unknown>, stateMachineArn: string, now: Date): FirstStep {
  const { id, spec } = parsed;
  const runId = runIdFor(id, event.id);
  const executionName = executionNameFor(id, runId, 0);
  const cursor = { sequence: 0, after: now.toISOString(), executionTicks: 0 };
  const plan = computePlan({ id, runId, spec }, cursor, now, new Date(now.getTime() + MAX_EXECUTION_AGE_MS));
  if (plan.action === PLAN_ACTION.COMPLETE) {
    // Validation guarantees an occurrence; this guards the contract between the two.
    throw new Error(`Schedule "${id}" has no occurrence after validation; spec: ${JSON.stringify(spec)}`);
  }
  const nextAt = nextAtOf(plan, spec, now) ?? plan.wakeAt;
  return { id, runId, executionName, executionArn: executionArnFor(stateMachineArn, executionName), cursor, plan, nextAt };
}

/**
 * Whether the claimed run should start: not for a stale command, nor for a redelivery whose run is over. Stops
 * the run this one replaces before the new one starts ticking.
 */
async function acceptClaim(claim: ClaimResult, run: FirstStep, event: EventBridgeEvent<string, unknown>): Promise<boolean> {
  if (claim.outcome === 'stale') {
    log('INFO', 'Ignored a Start older than the last command for this id', { id: run.id, eventId: event.id, eventTime: event.time });
    return false;
  }
  if (claim.outcome === 'duplicate' && (claim.current.runId !== run.runId || claim.current.status !== STATUS.RUNNING)) {
    log('INFO', 'Ignored a redelivered Start whose run is over', { id: run.id, eventId: event.id });
    return false;
  }
  const replaced = claim.outcome === 'claimed' ? claim.previous?.executionArn : claim.current.previousExecutionArn;
  const replacedRunning = claim.outcome === 'claimed' ? claim.previous?.status === STATUS.RUNNING : Boolean(replaced);
  if (replaced && replacedRunning && replaced !== run.executionArn) {
    await stopExecution(replaced, `Replaced by a new Start of schedule ${run.runId}`);
  }
  return true;
}

/**
 * The first execution's input: the run, its first plan, and the detail of `Schedule Started` (the state machine
 * emits it only when it is there, so turning the event off is leaving it out).
 */
function machineInput(parsed: AcceptedStart, run: FirstStep, claim: ClaimResult, announce: boolean): MachineState {
  const { id, spec } = parsed;
  const { runId } = run;
  const replacedRunId = claim.outcome === 'claimed' && claim.previous?.status === STATUS.RUNNING ? claim.previous.runId : undefined;
  return {
    id,
    runId,
    generation: 0,
    spec,
    common: { id, runId, ...(parsed.hasPayload ? { payload: parsed.payload } : {}) },
    cursor: run.cursor,
    ...(announce ? { started: startedDetail(parsed, run, replacedRunId) } : {}),
    plan: run.plan,
  };
}

/** The detail of `Schedule Started`. */
function startedDetail(parsed: AcceptedStart, run: Pick<FirstStep, 'runId' | 'nextAt'>, replacedRunId: string | undefined): Record<string, unknown> {
  const { id, spec } = parsed;
  const { runId, nextAt } = run;
  return {
    id,
    runId,
    kind: spec.kind,
    expression: spec.expression,
    timezone: spec.timezone,
    ...(nextAt ? { nextAt } : {}),
    ...(spec.limit !== undefined ? { limit: spec.limit } : {}),
    ...(spec.startAt ? { startAt: spec.startAt } : {}),
    ...(spec.endAt ? { endAt: spec.endAt } : {}),
    ...(replacedRunId !== undefined ? { replacedRunId } : {}),
  };
}

/**
 * A Stop (or newer Start) may have been applied between the claim and the start, while this execution did not
 * exist yet for it to stop: check again, and stop our own execution if so.
 */
async function confirmOwnership(tableName: string, run: FirstStep): Promise<boolean> {
  const current = await getSchedule(tableName, run.id);
  if (current?.runId === run.runId && current.status === STATUS.RUNNING) return true;
  log('INFO', 'Run superseded while starting; stopping its execution', { id: run.id, runId: run.runId });
  await stopExecution(run.executionArn, 'Superseded while starting');
  return false;
}

/** Ticks a Stop may count for a run without a limit (the item's `batchSize` on the sharded engine). */
const UNLIMITED_BATCH = 1_000_000_000;

/**
 * `Schedule Start` on the sharded engine: the same claim (fencing by event time), then the run joins its shard's
 * roster. A first tick that the shard already planned past gets a late slot entry; a first tick before the shard's
 * next plan (or a shard planning right now, or not yet running) wakes the shard. A replaced running run gets a
 * stop marker, so none of its planned ticks goes out. Every step is idempotent for a redelivery.
 */
async function startOnShard(
  config: HandlerConfig, shards: ShardConfig, parsed: AcceptedStart, event: EventBridgeEvent<string, unknown>, now: Date,
): Promise<void> {
  const { id } = parsed;
  if (!shards.supervisorArn) throw new Error('SCHEDULER_SUPERVISOR_ARN is not set; the start handler is misconfigured');
  const runId = runIdFor(id, event.id);
  const shard = shardOf(id, shards.shards);
  const command = commandKey(event.time, event.id);
  let spec = parsed.spec;
  let cursor: Cursor = { sequence: 0, after: now.toISOString(), executionTicks: 0 };
  let plan = computePlan({ id, runId, spec }, cursor, now, new Date(now.getTime() + MAX_EXECUTION_AGE_MS), 1);
  if (plan.action === PLAN_ACTION.COMPLETE) {
    throw new Error(`Schedule "${id}" has no occurrence after validation; spec: ${JSON.stringify(spec)}`);
  }
  const nextAt = nextAtOf(plan, spec, now);
  const payloadJson = parsed.hasPayload ? JSON.stringify(parsed.payload) : undefined;
  const claim = await claimRun(config.tableName, {
    id,
    runId,
    command,
    spec,
    payloadJson,
    shard,
    nextAt,
    now,
    batchAfter: cursor.after,
    batchSize: spec.limit ?? UNLIMITED_BATCH,
  });
  if (claim.outcome === 'stale') {
    log('INFO', 'Ignored a Start older than the last command for this id', { id, eventId: event.id, eventTime: event.time });
    return;
  }
  if (claim.outcome === 'duplicate' && (claim.current.runId !== runId || claim.current.status !== STATUS.RUNNING)) {
    log('INFO', 'Ignored a redelivered Start whose run is over', { id, eventId: event.id });
    return;
  }
  if (claim.outcome === 'duplicate' && claim.current.spec && claim.current.batchAfter) {
    // A redelivery finishes what the first attempt began, with the run as it was claimed: the spec parsed now would
    // anchor `every` and `duration` at the redelivery's arrival, a second series of ticks.
    spec = claim.current.spec;
    cursor = { sequence: 0, after: claim.current.batchAfter, executionTicks: 0 };
    plan = computePlan({ id, runId, spec }, cursor, now, new Date(now.getTime() + MAX_EXECUTION_AGE_MS), 1);
  }
  const replacedRunId = claim.outcome === 'claimed'
    ? (claim.previous?.status === STATUS.RUNNING ? claim.previous.runId : undefined)
    : claim.current.previousRunId;
  const table = shards.shardTableName;
  const inline = payloadJson === undefined || Buffer.byteLength(payloadJson, 'utf8') <= INLINE_PAYLOAD_BYTES;
  const payload = payloadJson === undefined ? {} : inline ? { payloadJson } : { payloadInItem: true };
  const roster = await putRosterEntry(table, shard, { id, runId, spec, checkpoint: { sequence: 0, after: cursor.after }, ...payload }, command);
  if (roster === 'stale') {
    log('INFO', 'A newer Start of this id is already on its shard', { id, runId, eventId: event.id });
    return;
  }
  if (replacedRunId !== undefined && replacedRunId !== runId) {
    await putStopMarker(table, shard, { id, runId: replacedRunId, processedAt: now });
  }

  const first = plan.ticks?.[0];
  const second = first ? slotOf(Date.parse(first.scheduledAt)) : undefined;
  const state = await getShardState(table, shard);
  const nowSec = Math.floor(now.getTime() / 1000);
  const planning = state?.planningSince !== undefined && state.planningSince >= nowSec - 60;
  let wake: string | undefined = !state ? 'first schedule' : planning ? 'planning' : undefined;
  if (roster === 'duplicate') {
    // A redelivery, the run already on its shard: late entries computed now could not know which ticks went out
    // (their numbers would restart). A wake makes the shard plan again from its watermark, which covers whatever
    // the first attempt may not have finished; it is rare and always safe.
    wake ??= 'redelivered Start';
  } else if (!wake && state && first && second !== undefined && second <= state.plannedThrough) {
    // Already planned past: a late entry for each tick up to `plannedThrough` (the next plan starts after it). A
    // running window visits their seconds when all are ahead of the window's next second (the one it may be emitting
    // now); otherwise the shard is woken.
    const late = lateTicks({ id, runId, spec }, cursor, now, state.plannedThrough);
    await forEachLimited(late, 16, async (tick) => {
      const entry = { id, runId, ...tick, ...(tick.last ? { reason: completionReason(spec, tick) } : {}), ...payload };
      await putLateEntry(table, shard, slotOf(Date.parse(tick.scheduledAt)), entry);
    });
    if (state.nextEmit !== undefined) {
      const after = await addExtraSeconds(table, shard, state.epoch, late.map((tick) => slotOf(Date.parse(tick.scheduledAt))));
      if (!(after?.nextEmit !== undefined && second > after.nextEmit)) wake = 'due before the running window\'s next second';
    } else if (second < state.sleepUntil) {
      wake = 'due before its next plan';
    }
  } else if (!wake && state && second !== undefined && second < state.sleepUntil) {
    wake = 'due before its next plan';
  }
  if (wake) {
    await wakeShard({ shardTableName: table, supervisorArn: shards.supervisorArn, shard, now, known: { state }, reason: wake });
  }
  // Announced once: by the attempt that put the run on its shard (a redelivery finds it there).
  if (config.startedAndCompletedEvents && roster === 'written') {
    await emit(config, DETAIL_TYPE.STARTED, startedDetail({ ...parsed, spec }, { runId, nextAt }, replacedRunId));
  }
  log('INFO', 'Started a schedule', { id, runId, shard, kind: spec.kind, nextAt, eventId: event.id, duplicate: claim.outcome === 'duplicate' });
}
