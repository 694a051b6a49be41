import type { EventBridgeEvent } from 'aws-lambda';
import {
  COMMAND_HANDLER_TIMEOUT_SECONDS,
  Cursor,
  DETAIL_TYPE,
  INLINE_PAYLOAD_BYTES,
  MachineState,
  MAX_EXECUTION_AGE_MS,
  MAX_SLEEP_SECONDS,
  Plan,
  PLAN_ACTION,
  PLAN_LEAD_SECONDS,
  PLANNING_STALE_SECONDS,
  ScheduleSpec,
  STATUS,
  STOP_MARKER_TTL_SECONDS,
  TickItem,
} from '../../src/contract';
import { startExecution, stopExecution } from '../aws/executions';
import { HandlerConfig, handlerConfig, log, ShardConfig, shardConfig } from '../aws/handler-config';
import { claimRun, ClaimResult, commandKey, getSchedule } from '../aws/schedule-table';
import { emit, emitAll, forEachLimited, reject } from '../aws/scheduler-events';
import {
  addExtraSeconds, getShardState, putDueEntry, putLateEntry, putRosterEntry, putRosterTombstone, putStopMarker, requestReplan, ShardState,
} from '../aws/shard-table';
import { wakeShard } from '../aws/shard-wake';
import { executionArnFor, executionNameFor, runIdFor } from '../domain/execution-names';
import { batchAfterOf, computePlan, MISSED_TOLERANCE_MS, nextAtOf } from '../domain/machine-state';
import { AcceptedStart } from '../domain/parse-result';
import { isRunningAt } from '../domain/run-status';
import { parseStartDetail } from '../domain/schedule-spec';
import { completionReason, isOneShot, lateTicks, RosterEntry, shardOf, slotOf, tickDetailOf } from '../domain/shards';

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
  // A one-shot's completion is derived from its tick's second, not written (lambda/domain/run-status.ts).
  const tickAt = isOneShot(spec) ? plan.ticks?.[0]?.scheduledAt : undefined;
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
    ...(tickAt ? { completes: { at: tickAt, expiresAt: Math.floor(Date.parse(tickAt) / 1000) + config.retentionSeconds } } : {}),
  });
  if (claim.outcome === 'stale') {
    log('INFO', 'Ignored a Start older than the last command for this id', { id, eventId: event.id, eventTime: event.time });
    return;
  }
  // A one-shot's run is over from its tick's second on (its completion is derived, lambda/domain/run-status.ts).
  if (claim.outcome === 'duplicate' && (claim.current.runId !== runId || !isRunningAt(claim.current, now))) {
    log('INFO', 'Ignored a redelivered Start whose run is over', { id, eventId: event.id });
    return;
  }
  // A copy of the Start delivered while the attempt that claimed the run may still be running (claimed less than the
  // handler's timeout ago) leaves everything to that attempt: if it fails, Lambda retries it a minute later at the
  // earliest, past the timeout, and the retry finishes the work. So exactly one attempt at a time puts the run on its
  // shard, and `Schedule Started` is never lost: the claiming attempt announces it before the run joins its shard; a
  // later redelivery announces it when it is the one that puts the run there (the first attempt stopped before, maybe
  // after announcing: at least once); a redelivery that finds the run on its shard sends nothing.
  // @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
  if (claim.outcome === 'duplicate' && !(now.getTime() - Date.parse(claim.current.startedAt ?? '') > COMMAND_HANDLER_TIMEOUT_SECONDS * 1000)) {
    log('INFO', 'A copy of a Start whose claiming attempt may still run: left to it', { id, eventId: event.id });
    return;
  }
  let announcedAt = nextAt;
  if (claim.outcome === 'duplicate' && claim.current.spec && claim.current.batchAfter) {
    // A redelivery finishes what the first attempt began, with the run as it was claimed: the spec parsed now would
    // anchor `every` and `duration` at the redelivery's arrival, a second series of ticks.
    spec = claim.current.spec;
    cursor = { sequence: 0, after: claim.current.batchAfter, executionTicks: 0 };
    plan = computePlan({ id, runId, spec }, cursor, now, new Date(now.getTime() + MAX_EXECUTION_AGE_MS), 1);
    announcedAt = claim.current.nextAt ?? nextAtOf(plan, spec, now);
    if (isOneShot(spec) && !plan.ticks?.length) { // an item claimed before `completesAt` existed
      log('INFO', 'Ignored a redelivered Start whose one-shot is past', { id, eventId: event.id });
      return;
    }
  }
  const table = shards.shardTableName;
  const replacedRunId = claim.outcome === 'claimed'
    ? (isRunningAt(claim.previous, now) ? claim.previous?.runId : undefined)
    : claim.current.previousRunId;
  // The replaced run's ticks from now on are fenced out by a stop marker, written first so that an Emit reading the
  // item eventually consistent still finds it (lambda/aws/shard-table.ts, getRuns). A one-shot past its tick's second
  // (complete, so not named in Started) gets one too: its marker, at or after its tick, lets that tick out.
  // (Not for one finished longer ago than a marker lives: its tick went out, or was missed, long before.)
  const previous = claim.outcome === 'claimed' ? claim.previous : undefined;
  const recentOneShot = previous?.completesAt !== undefined
    && Date.parse(previous.completesAt) > now.getTime() - STOP_MARKER_TTL_SECONDS * 1000;
  const fenced = previous?.status === STATUS.RUNNING && previous.shard !== undefined && (replacedRunId !== undefined || recentOneShot)
    ? previous.runId : replacedRunId;
  if (fenced !== undefined && fenced !== runId) await putStopMarker(table, shard, { id, runId: fenced, processedAt: now });
  const announce = () => emit(config, DETAIL_TYPE.STARTED, startedDetail({ ...parsed, spec }, { runId, nextAt: announcedAt }, replacedRunId));
  if (config.startedAndCompletedEvents && claim.outcome === 'claimed') await announce();
  const inline = payloadJson === undefined || Buffer.byteLength(payloadJson, 'utf8') <= INLINE_PAYLOAD_BYTES;
  const payload = payloadJson === undefined ? {} : inline ? { payloadJson } : { payloadInItem: true };
  const first = plan.ticks?.[0];
  const second = first ? slotOf(Date.parse(first.scheduledAt)) : undefined;
  const entry: RosterEntry = { id, runId, spec, checkpoint: { sequence: 0, after: cursor.after }, ...payload };
  // A one-shot is a due entry keyed by its second (no plan reads it before its hour, and nothing removes it); a
  // series joins the roster, which every plan reads.
  const oneShot = isOneShot(spec) && second !== undefined;
  const roster = oneShot ? await putDueEntry(table, shard, second, entry) : await putRosterEntry(table, shard, entry, command);
  if (roster === 'stale') {
    log('INFO', 'A newer Start of this id is already on its shard', { id, runId, eventId: event.id });
    return;
  }
  if (replacedRunId !== undefined && replacedRunId !== runId) {
    // A series replaced by a one-shot leaves the roster: a tombstone with this command takes its entry's place (a
    // series replaces the entry by writing its own), so that a slower attempt of the older Start, still running, cannot
    // put the series back. A replaced one-shot's due entry stays: its tick goes out only if the item names its run.
    const replacedSeries = claim.outcome === 'claimed' ? !claim.previous?.spec || !isOneShot(claim.previous.spec) : true;
    if (oneShot && replacedSeries) await putRosterTombstone(table, shard, id, command, now);
  }

  const { wake, state } = await placeOnShard({ table, shard, run: { id, runId, spec }, cursor, payload, roster, second, now });
  if (wake) {
    await wakeShard({ shardTableName: table, supervisorArn: shards.supervisorArn, shard, now, state, reason: wake });
  }
  if (claim.outcome === 'claimed') await sendOverdueFirstTick(config, { id, runId, spec, payloadJson }, first);
  if (config.startedAndCompletedEvents && claim.outcome === 'duplicate' && roster === 'written') await announce();
  log('INFO', 'Started a schedule', { id, runId, shard, kind: spec.kind, nextAt, eventId: event.id, duplicate: claim.outcome === 'duplicate' });
}

/**
 * The run's first tick, when it fell due while this Start was putting the run on its shard (a Start a few
 * milliseconds before the minute of its cron, say). The shard emits a second at the earliest when it begins, so it
 * may have emitted that second, without this run, before the entry was written; and a shard woken now, or planning
 * now, goes on from after it. So the Start sends that tick itself, at once (at or after its `scheduledAt`, within the
 * second), while the item still names the run, running; with `Schedule Completed` for a one-shot (its completion is
 * derived, lambda/domain/run-status.ts). If the shard sent it as well, it goes out twice with the same `runId` and
 * `sequence` (at least once). A series whose first tick is its last is completed by the shard's next plan, which finds
 * no occurrence left.
 */
async function sendOverdueFirstTick(
  config: HandlerConfig, run: { id: string; runId: string; spec: ScheduleSpec; payloadJson?: string }, tick: TickItem | undefined,
): Promise<void> {
  if (!tick) return;
  const due = Date.parse(tick.scheduledAt);
  // Not before its time, nor more than the tolerance late (an occurrence that late is skipped, on both engines).
  if (due > Date.now() || due < Date.now() - MISSED_TOLERANCE_MS) return;
  const item = await getSchedule(config.tableName, run.id);
  if (item?.runId !== run.runId || item.status !== STATUS.RUNNING) return;
  const { id, runId, spec } = run;
  const events: Array<{ detailType: string; detail: Record<string, unknown> }> = [
    { detailType: DETAIL_TYPE.TICK, detail: tickDetailOf({ id, runId, ...tick }, run.payloadJson) },
  ];
  if (tick.last && isOneShot(spec) && config.startedAndCompletedEvents) {
    events.push({ detailType: DETAIL_TYPE.COMPLETED, detail: { id, runId, ticks: tick.sequence, reason: completionReason(spec, tick) } });
  }
  log('INFO', 'The first tick fell due while the run joined its shard: sent by the Start', { id, runId, scheduledAt: tick.scheduledAt });
  await emitAll(config, events);
}

/**
 * A Start's clock may run ahead of or behind Step Functions' by this much at most (both are synchronised to Amazon
 * Time Sync, to well under a millisecond; a second is a wide margin).
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html
 */
const CLOCK_MARGIN_MS = 1_000;

/**
 * Whether a running window whose next second is `nextEmit` will read a late entry written before now for second
 * `second`: a later second, or that very second while its Wait has not ended (the Emit reads the slot after it).
 */
function windowWillRead(second: number, nextEmit: number): boolean {
  return second > nextEmit || (second === nextEmit && Date.now() + CLOCK_MARGIN_MS <= nextEmit * 1000);
}

/** Whether a plan of the shard is running (begun less than a minute ago: an older mark is a plan that crashed). */
function isPlanning(state: ShardState, nowSec: number): boolean {
  return state.planningSince !== undefined && state.planningSince >= nowSec - PLANNING_STALE_SECONDS;
}

/**
 * After a new run joined its shard's roster: make sure its first tick (in second `second`) is planned in time.
 * Returns why the shard must be woken, if it must, and the shard state the decision read.
 *
 * - No state: the shard never ran. A redelivered Start: wake, so the shard plans again from its watermark.
 * - A plan is running, and may have read the roster before the entry. Its next plan comes at the latest an hour
 *   (plus a second) after it began, so a first tick after that is planned then. Otherwise ask the running plan to
 *   read the roster again (one conditional write; a wake would fence it and start a supervisor for every Start of
 *   a burst). If it has recorded meanwhile, decide on what it recorded, as below.
 * - The first tick is in a second already planned: a late entry for each tick up to `plannedThrough` (the next plan
 *   starts after it). A running window visits their seconds when all are after the window's next second (the one
 *   it may be emitting now); otherwise, or with no window running and a plan due after the tick, wake.
 * - The first tick is before the shard's next plan (`sleepUntil`): wake.
 */
async function placeOnShard(args: {
  table: string;
  shard: number;
  run: { id: string; runId: string; spec: ScheduleSpec };
  cursor: Cursor;
  payload: { payloadJson?: string; payloadInItem?: boolean };
  roster: 'written' | 'duplicate';
  second: number | undefined;
  now: Date;
}): Promise<{ wake?: string; state?: ShardState }> {
  const { table, shard, run, cursor, payload, second, now } = args;
  const nowSec = Math.floor(now.getTime() / 1000);
  // A first tick after every plan's horizon needs no look at the shard: whatever plan runs or sleeps now, its next
  // plan comes at most MAX_SLEEP_SECONDS after it began, and every plan reads the due entries and roster occurrences up
  // to PLAN_LEAD_SECONDS past its longest sleep (a shard with no state yet is started by the keeper within a minute).
  // This spares a far one-shot the read of the shard state (1 RRU).
  if (args.roster === 'written' && second !== undefined && second > nowSec + MAX_SLEEP_SECONDS + PLAN_LEAD_SECONDS) return {};
  let state = await getShardState(table, shard);
  if (!state) return { wake: 'first schedule' };
  if (args.roster === 'duplicate') return { wake: 'redelivered Start', state };
  if (second === undefined) return { state };
  if (isPlanning(state, nowSec)) {
    if (second > state.planningSince! + MAX_SLEEP_SECONDS + 1) return { state };
    if (await requestReplan(table, shard, state.epoch, nowSec - PLANNING_STALE_SECONDS)) return { state };
    state = await getShardState(table, shard);
    if (!state) return { wake: 'first schedule' };
    if (isPlanning(state, nowSec)) return { wake: 'planning', state };
  }
  if (second <= state.plannedThrough) {
    const late = lateTicks(run, cursor, now, state.plannedThrough);
    await forEachLimited(late, 16, async (tick) => {
      const entry = {
        id: run.id,
        runId: run.runId,
        ...tick,
        ...(tick.last ? { reason: completionReason(run.spec, tick) } : {}),
        ...payload,
        // A one-shot's entries are checked against its item at emit time, like its due entry (see RosterEntry.due).
        ...(isOneShot(run.spec) ? { checkOwner: true } : {}),
      };
      await putLateEntry(table, shard, slotOf(Date.parse(tick.scheduledAt)), entry);
    });
    if (state.nextEmit !== undefined) {
      const after = await addExtraSeconds(table, shard, state.epoch, late.map((tick) => slotOf(Date.parse(tick.scheduledAt))));
      return after?.nextEmit !== undefined && windowWillRead(second, after.nextEmit)
        ? { state } : { wake: 'due before the running window\'s next second', state };
    }
  }
  return second < state.sleepUntil ? { wake: 'due before its next plan', state } : { state };
}
