import {
  DETAIL_TYPE,
  DUE_LOOKBACK_SECONDS,
  MAX_SLEEP_SECONDS,
  PLAN_LEAD_SECONDS,
  PLANS_PER_EXECUTION,
  SHARD_OP,
  SHARD_ROUTE,
  SHARD_STALE_SECONDS,
  STATUS,
  STOP_MARKER_TTL_SECONDS,
  SupervisorState,
  WindowState,
} from '../../src/contract';
import { startExecution } from '../aws/executions';
import { HandlerConfig, handlerConfig, log, ShardConfig, shardConfig } from '../aws/handler-config';
import { recordCompletion, recordShardCheckpoint, recordShardFailure } from '../aws/schedule-table';
import { emitAll, forEachLimited, putAll } from '../aws/scheduler-events';
import {
  deleteRosterEntry,
  getRuns,
  getShardState,
  markEmitting,
  markPlanning,
  nextDueSecond,
  putStopMarker,
  putSlotPage,
  queryDue,
  queryRoster,
  querySlot,
  queryStopMarkers,
  recordNextEmit,
  recordPlan,
  RunNow,
  writeCheckpoint,
} from '../aws/shard-table';
import { wakeShard } from '../aws/shard-wake';
import { MISSED_TOLERANCE_MS } from '../domain/machine-state';
import { PlannedCompletion, pagesOf, parseSupervisorName, planWindow, SlotEntry, sleepUntilOf, supervisorName, tickDetailOf, windowBounds } from '../domain/shards';

/** The supervisor's Plan step. */
export interface PlanEvent {
  readonly op: typeof SHARD_OP.PLAN;
  readonly state: SupervisorState;
  /** `$$.StateMachine.Id`: the supervisor, for the hand-over. */
  readonly supervisorArn: string;
}

/** The window's Emit step. */
export interface EmitEvent {
  readonly op: typeof SHARD_OP.EMIT;
  readonly window: WindowState;
}

/** The keeper rule (every minute) and the supervisor's failed-status rule. */
export interface KeepEvent {
  readonly op: typeof SHARD_OP.KEEP;
  readonly supervisorArn: string;
  /** Set by the status-change rule: the supervisor execution that failed or timed out. */
  readonly failedExecutionArn?: string;
}

export type ShardEvent = PlanEvent | EmitEvent | KeepEvent;

/**
 * Plans one Plan step makes at most when Starts keep asking for a replan (each reads the roster again); the last is
 * recorded regardless, with a plan again a second later.
 */
const PLAN_ATTEMPTS = 3;

/** Writes (slot pages, checkpoints, completions) in flight at once from one invocation. */
const WRITE_CONCURRENCY = 16;

/**
 * The sharded engine's one function: `plan` (supervisor), `emit` (window), `keep` (keeper rule). Every step is
 * fenced by the shard's epoch, so a supervisor or window of an older epoch stops at its next step.
 */
export const handler = async (event: ShardEvent): Promise<SupervisorState | WindowState | { woken: number[] }> => {
  const config = handlerConfig();
  const shards = shardConfig();
  if (!shards) throw new Error('The shard function runs on the sharded engine only; SCHEDULER_ENGINE is not SHARDED');
  switch (event.op) {
    case SHARD_OP.PLAN: return plan(config, shards, event, new Date());
    case SHARD_OP.EMIT: return emitSecond(config, shards, event.window, new Date());
    case SHARD_OP.KEEP: return keep(shards, event, new Date());
    default: throw new Error(`Unknown op: ${JSON.stringify((event as { op?: unknown }).op)}`);
  }
};

const iso = (second: number) => new Date(second * 1000).toISOString();

/**
 * Plan the shard's next window: the roster's occurrences in `[max(watermark + 1, now - 10 s), + 240 s]` written to
 * slot pages, one per active second; then run a window over them, or sleep until a minute before the next
 * occurrence (at most an hour), or hand over to the next generation before the history quota.
 */
async function plan(config: HandlerConfig, shards: ShardConfig, event: PlanEvent, now: Date): Promise<SupervisorState> {
  const { shard, epoch, generation, plans } = event.state;
  const base: SupervisorState = { shard, epoch, generation, plans: plans + 1 };
  const fenced = (why: string): SupervisorState => {
    log('INFO', `Supervisor ends: ${why}`, { shard, epoch, generation });
    return { ...base, route: SHARD_ROUTE.FENCED };
  };
  const table = shards.shardTableName;
  const state = await getShardState(table, shard);
  if (!state || state.epoch !== epoch) return fenced('a newer epoch owns the shard');
  if (plans >= PLANS_PER_EXECUTION) {
    const next: SupervisorState = { shard, epoch, generation: generation + 1, plans: 0 };
    await startExecution(event.supervisorArn, supervisorName(shard, epoch, generation + 1), next);
    log('INFO', 'Handed over to the next generation', { shard, epoch, generation: generation + 1 });
    return { ...base, route: SHARD_ROUTE.HANDOVER };
  }
  for (let attempt = 1; ; attempt++) {
    // Each attempt plans from its own time: a replan starts later than the first.
    if (attempt > 1) now = new Date();
    if (!(await markPlanning(table, shard, epoch, now))) return fenced('a newer epoch owns the shard');
    // The roster (series), and the one-shots due in the window's seconds or missed since the watermark (a bounded
    // lookback): both read after the planning mark, so a Start that joins later asks for a replan.
    const bounds = windowBounds(state.watermark, now);
    const lookback = Math.max(state.watermark + 1, state.dueFrom ?? 0, Math.floor(now.getTime() / 1000) - DUE_LOOKBACK_SECONDS);
    const [roster, dueEntries] = await Promise.all([queryRoster(table, shard), queryDue(table, shard, lookback, bounds.through)]);
    const window = planWindow([...roster, ...dueEntries], state.watermark, now, state.emitting);
    await forEachLimited(window.checkpoints, WRITE_CONCURRENCY, async ({ id, runId, checkpoint }) => {
      await writeCheckpoint(table, shard, id, runId, checkpoint);
      await recordShardCheckpoint(config.tableName, { id, runId, ...checkpoint, now });
    });
    await forEachLimited(window.completed, WRITE_CONCURRENCY, (done) => complete(config, shards, shard, done, now));
    await forEachLimited(window.failed, WRITE_CONCURRENCY, ({ id, runId, error, due }) =>
      fail(config, shards, shard, { id, runId, reason: POISONED_ERROR, cause: error, due }, now));

    const writes = [...window.slots.entries()].flatMap(([second, entries]) => pagesOf(entries).map((page, index) => ({ second, page, index })));
    let superseded = false;
    await forEachLimited(writes, WRITE_CONCURRENCY, async ({ second, page, index }) => {
      if (!(await putSlotPage(table, shard, second, index, page, epoch))) superseded = true;
    });
    if (superseded) return fenced('a newer epoch planned the same seconds');

    const seconds = [...window.slots.keys()];
    // Starts keep joining while this plan runs: after PLAN_ATTEMPTS plans, record this one but plan again in a
    // second (no window), so that the Starts that asked are planned then, without ever waiting on a quiet moment.
    const last = attempt >= PLAN_ATTEMPTS;
    const nowSec = Math.ceil(now.getTime() / 1000);
    const sleepUntil = last ? nowSec + 1 : seconds.length > 0 ? seconds[seconds.length - 1]
      : sleepUntilOf(await nextAfterMs(table, shard, window, now), now, PLAN_LEAD_SECONDS, MAX_SLEEP_SECONDS);
    const nextEmit = last ? undefined : seconds[0];
    const recorded = await recordPlan(table, shard, epoch, {
      plannedThrough: window.through, sleepUntil, nextEmit, dueFrom: window.from, now, force: last,
    });
    if (recorded === 'fenced') return fenced('a newer epoch owns the shard');
    if (recorded === 'replan') {
      log('INFO', 'A Start joined the roster while planning; planning again', { shard, epoch, attempt });
      continue;
    }
    log('INFO', 'Planned', { shard, epoch, from: window.from, through: window.through, activeSeconds: seconds.length, schedules: roster.length, attempt });
    if (nextEmit !== undefined) {
      return { ...base, route: SHARD_ROUTE.WINDOW, window: { shard, epoch, seconds, at: iso(seconds[0]), more: true } };
    }
    return { ...base, route: SHARD_ROUTE.SLEEP, sleepUntil: iso(sleepUntil) };
  }
}

/**
 * With nothing due in the window: the earliest occurrence after it, of the roster's series and of the one-shots due
 * before the longest sleep ends (a later one-shot is read by a later plan).
 */
async function nextAfterMs(table: string, shard: number, window: { through: number; nextAfterMs?: number }, now: Date): Promise<number | undefined> {
  const horizon = Math.ceil(now.getTime() / 1000) + MAX_SLEEP_SECONDS + PLAN_LEAD_SECONDS;
  const due = await nextDueSecond(table, shard, window.through, horizon);
  const candidates = [window.nextAfterMs, due === undefined ? undefined : due * 1000].filter((ms): ms is number => ms !== undefined);
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}

/**
 * Emit every tick due in the window's next second, then advance the watermark to it. A failure throws before the
 * watermark moves, so the second is emitted again (ticks are delivered at least once; `runId` + `sequence` name a tick).
 */
async function emitSecond(config: HandlerConfig, shards: ShardConfig, window: WindowState, now: Date): Promise<WindowState> {
  const { shard, epoch } = window;
  const [second, ...rest] = window.seconds;
  const ended: WindowState = { shard, epoch, seconds: [], at: window.at, more: false };
  const table = shards.shardTableName;
  const state = await getShardState(table, shard);
  if (!state || state.epoch !== epoch || second === undefined) return ended;
  if (second <= state.watermark) {
    // A retried step: this second went out. Go on with the seconds the first attempt would have chosen.
    return windowAfter(window, second, [...rest, ...(state.extras ?? [])]);
  }
  // The same bound as planWindow's first second, so a plan made now never finds its own first second too late.
  if (second < Math.ceil((now.getTime() - MISSED_TOLERANCE_MS) / 1000)) {
    // Too late for this second (the loop was down or retried for long): occurrences more than the tolerance late are
    // skipped, not replayed in a burst. The window ends with the watermark where it is, and the supervisor's next
    // plan starts at now - 10 s and numbers the ticks after the skipped ones from the watermark (planWindow).
    log('WARN', 'A second is too late to emit; skipping to a new plan', { shard, epoch, second, lateMs: now.getTime() - second * 1000 });
    return ended;
  }
  // From here the second's ticks may go out: a restart that skips this second must not give their numbers again.
  if (!(await markEmitting(table, shard, epoch, second))) return ended;
  const [entries, markers] = await Promise.all([
    querySlot(table, shard, second),
    queryStopMarkers(table, shard, new Date(now.getTime() - STOP_MARKER_TTL_SECONDS * 1000)),
  ]);
  const stopped = (e: SlotEntry) => markers.some((m) => m.id === e.id && m.runId === e.runId && m.processedAt < e.scheduledAt);
  // A one-shot replaced by a Start processed at or after its tick's second was complete by then (its completion is
  // derived, lambda/domain/run-status.ts): its tick and Schedule Completed still go out, though its item names the new run.
  const replacedAfterDue = (e: SlotEntry) => e.checkOwner === true
    && markers.some((m) => m.id === e.id && m.runId === e.runId && m.processedAt >= e.scheduledAt);
  const seen = new Set<string>();
  const due = entries.filter((e) => {
    const key = `${e.id}\n${e.runId}\n${e.sequence}`;
    if (seen.has(key) || stopped(e)) return false;
    seen.add(key);
    return true;
  });
  // Large payloads, and the owners of one-shots' ticks (a due entry stays when its run is stopped or replaced), are
  // read from the schedules table: a tick whose item names another run, or its run no longer running, is dropped.
  const runs = await getRuns(config.tableName, due.filter((e) => e.payloadInItem || e.checkOwner));
  const runOf = (e: SlotEntry) => (runs.get(e.id)?.runId === e.runId ? runs.get(e.id) : undefined);
  // Replaced after its tick's second: only when the item names another run (a run failed in an earlier attempt at this
  // second also has a marker at or after it, and stays dropped).
  const owned = (e: SlotEntry) => !e.checkOwner || stillOwned(runOf(e), e) || (!runOf(e) && replacedAfterDue(e));
  const payloadOf = (e: SlotEntry) => runOf(e)?.payloadJson;
  // A run whose tick cannot be built (its payload no longer parses) or that PutEvents refuses for good fails alone,
  // at once: resending cannot help, and retrying the second would stall every other schedule of the shard.
  const built = buildTicks(due.filter((e) => owned(e) && (!e.payloadInItem || payloadOf(e) !== undefined)), payloadOf);
  const refused = await putAll(config, built.ticks.map(({ detail }) => ({ detailType: DETAIL_TYPE.TICK, detail })));
  const failures: RunFailure[] = [...built.poisoned, ...refused.map(({ index, errorCode, errorMessage }) => ({
    id: built.ticks[index].entry.id,
    runId: built.ticks[index].entry.runId,
    reason: FAILED_ENTRY_ERROR,
    cause: `${errorCode}${errorMessage ? `: ${errorMessage}` : ''}`,
    due: built.ticks[index].entry.checkOwner,
  }))];
  await forEachLimited(failures, WRITE_CONCURRENCY, (failure) => fail(config, shards, shard, failure, now, { stopLaterTicks: true }));
  const refusedAt = new Set(refused.map((r) => r.index));
  const sent = built.ticks.filter((_, index) => !refusedAt.has(index)).map(({ entry }) => entry);
  // A one-shot's completion is derived from its item's `completesAt`, not written (lambda/domain/run-status.ts): its
  // `Schedule Completed` goes out with the tick while the item still names its run, running.
  const derived = (e: SlotEntry) => e.checkOwner === true && (runOf(e)?.completesAt !== undefined || (!runOf(e) && replacedAfterDue(e)));
  const finished = sent.filter((e) => e.last).map((e) => ({
    entry: e, completion: { id: e.id, runId: e.runId, ticks: e.sequence, reason: e.reason ?? 'end' },
  }));
  await forEachLimited(finished.filter(({ entry }) => !derived(entry)), WRITE_CONCURRENCY, ({ entry, completion }) =>
    complete(config, shards, shard, { ...completion, ...(entry.checkOwner ? { due: true } : {}) }, now));
  const completedOneShots = finished.filter(({ entry }) => derived(entry) && (runOf(entry)?.status === STATUS.RUNNING || !runOf(entry)));
  if (config.startedAndCompletedEvents && completedOneShots.length > 0) {
    await emitAll(config, completedOneShots.map(({ completion }) => ({ detailType: DETAIL_TYPE.COMPLETED, detail: completion })));
  }
  log('INFO', 'Emitted a second', { shard, epoch, second, ticks: sent.length, failed: failures.length, lateMs: now.getTime() - second * 1000 });
  // The watermark moves, then the next second is chosen from the window's seconds and the late seconds Starts added.
  const next = await recordNextEmit(table, shard, epoch, second, rest, now);
  if (next === 'fenced') return ended;
  return next === undefined ? ended : windowAfter(window, second, [...rest, next]);
}

/** The window after `second`: the later of `seconds`, ascending and unique, the first as the next Wait's timestamp. */
function windowAfter(window: WindowState, second: number, seconds: number[]): WindowState {
  const later = [...new Set(seconds)].filter((s) => s > second).sort((a, b) => a - b);
  return later.length > 0
    ? { shard: window.shard, epoch: window.epoch, seconds: later, at: iso(later[0]), more: true }
    : { shard: window.shard, epoch: window.epoch, seconds: [], at: window.at, more: false };
}

/**
 * Whether a one-shot's tick still goes out, by its item: its run (a replaced run's item names another, and the tick is
 * dropped), running, or stopped at or after the tick's `scheduledAt` (a Stop drops only later ticks, as the stop
 * markers do, and its `Schedule Stopped` counts this tick).
 */
function stillOwned(run: RunNow | undefined, entry: SlotEntry): boolean {
  if (run?.status === STATUS.RUNNING) return true;
  return run?.status === STATUS.STOPPED && run.finishedAt !== undefined && run.finishedAt >= entry.scheduledAt;
}

/** The ticks of a second's entries, and the runs whose tick cannot be built (a payload that no longer parses). */
function buildTicks(entries: readonly SlotEntry[], payloadOf: (entry: SlotEntry) => string | undefined): {
  ticks: Array<{ entry: SlotEntry; detail: Record<string, unknown> }>; poisoned: RunFailure[];
} {
  const ticks: Array<{ entry: SlotEntry; detail: Record<string, unknown> }> = [];
  const poisoned: RunFailure[] = [];
  for (const entry of entries) {
    try {
      ticks.push({ entry, detail: tickDetailOf(entry, payloadOf(entry)) });
    } catch (error) {
      const cause = `tick ${entry.sequence} could not be built: ${error instanceof Error ? error.message : String(error)}`;
      poisoned.push({ id: entry.id, runId: entry.runId, reason: POISONED_EMIT_ERROR, cause, due: entry.checkOwner });
    }
  }
  return { ticks, poisoned };
}

/**
 * A run is over: mark its item COMPLETED (if it is still this run, running), announce it, and drop its roster entry
 * (a one-shot's due entry stays, read by no later plan, until TTL deletes it).
 */
async function complete(config: HandlerConfig, shards: ShardConfig, shard: number, done: PlannedCompletion, now: Date): Promise<void> {
  const { due, ...completion } = done;
  const owned = await recordCompletion(config.tableName, { ...completion, now, retentionSeconds: config.retentionSeconds });
  if (owned && config.startedAndCompletedEvents) {
    await emitAll(config, [{ detailType: DETAIL_TYPE.COMPLETED, detail: { ...completion } }]);
  }
  if (!due) await deleteRosterEntry(shards.shardTableName, shard, done.id, done.runId);
}

/** The `error` of `Schedule Failed` for a run whose roster entry could not be planned. */
export const POISONED_ERROR = 'ShardPlanFailed';

/** The `error` of `Schedule Failed` for a run whose tick could not be built from its slot entry and payload. */
export const POISONED_EMIT_ERROR = 'ShardEmitFailed';

/**
 * The `error` of `Schedule Failed` for a run whose tick PutEvents refused for good: the per-schedule engine's error
 * for the same failure (its PutEvents Task fails with it).
 */
export const FAILED_ENTRY_ERROR = 'EventBridge.FailedEntry';

/** A run that fails alone: its `reason` (the `error` of `Schedule Failed`) and the cause. */
interface RunFailure {
  readonly id: string;
  readonly runId: string;
  readonly reason: string;
  readonly cause: string;
  /** A one-shot's: it has a due entry, no roster entry. */
  readonly due?: boolean;
}

/**
 * A run that fails alone (its entry cannot be planned, its tick cannot be built, or PutEvents refuses it): mark it
 * FAILED (if it is still this run, running), report it with `Schedule Failed`, and drop its roster entry, so its shard
 * goes on. A run failing in the emit also has ticks planned in later seconds: a stop marker drops them.
 */
async function fail(
  config: HandlerConfig, shards: ShardConfig, shard: number, failure: RunFailure, now: Date, options: { stopLaterTicks?: boolean } = {},
): Promise<void> {
  const { id, runId, reason, cause } = failure;
  log('ERROR', 'A schedule failed; it is marked FAILED', { shard, id, runId, reason, cause });
  if (options.stopLaterTicks) await putStopMarker(shards.shardTableName, shard, { id, runId, processedAt: now });
  const owned = await recordShardFailure(config.tableName, { id, runId, reason, now, retentionSeconds: config.retentionSeconds });
  if (owned) {
    // The detail has the fields of the per-schedule engine's Schedule Failed: `error`, and `failure` with Error and Cause.
    const detail = { id, runId, error: reason, failure: { Error: reason, Cause: cause } };
    await emitAll(config, [{ detailType: DETAIL_TYPE.FAILED, detail }]);
  }
  if (!failure.due) await deleteRosterEntry(shards.shardTableName, shard, id, runId);
}

/**
 * Wake every shard whose state is missing, whose supervisor failed (the status-change rule names it), or that has
 * not been heard from for 90 s while it should be active (its heartbeat and its planned wake both older).
 */
async function keep(shards: ShardConfig, event: KeepEvent, now: Date): Promise<{ woken: number[] }> {
  const nowSec = Math.floor(now.getTime() / 1000);
  const failed = event.failedExecutionArn ? parseSupervisorName(event.failedExecutionArn) : undefined;
  const woken: number[] = [];
  const all = Array.from({ length: shards.shards }, (_, n) => n);
  await forEachLimited(all, 8, async (shard) => {
    const state = await getShardState(shards.shardTableName, shard);
    let reason: string | undefined;
    if (!state) reason = 'no state';
    else if (failed && failed.shard === shard && failed.epoch === state.epoch) reason = 'its supervisor failed';
    else if (nowSec - Math.max(state.heartbeatAt, state.sleepUntil) > SHARD_STALE_SECONDS) reason = 'silent';
    if (!reason) return;
    // Another waker may have moved the epoch since this read: then that one's supervisor runs, and this one stands down.
    if (await wakeShard({ shardTableName: shards.shardTableName, supervisorArn: event.supervisorArn, shard, now, state, reason }) !== undefined) {
      woken.push(shard);
    }
  });
  return { woken: woken.sort((a, b) => a - b) };
}
