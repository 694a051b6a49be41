/**
 * The sharded engine's pure logic: which shard a schedule belongs to, the names of supervisor executions, and the
 * planning of a shard's window: every tick its roster owes in the window's seconds, with sequence numbers computed
 * from each schedule's spec and checkpoint by the same {@link computePlan} the per-schedule engine uses, so both
 * engines number ticks, skip missed occurrences, apply limits and windows, and mark the last tick the same way.
 *
 * Nothing here reads the clock or talks to AWS.
 */
import { createHash } from 'node:crypto';
import { computePlan, MISSED_TOLERANCE_MS } from './machine-state';
import { countOccurrences, nextOccurrences } from './occurrences';
import { CompletionReason, Cursor, PLAN_ACTION, ScheduleSpec, TickItem, WINDOW_SECONDS } from '../../src/contract';

/** The shard of schedule `id`: the first 4 bytes of sha256(id), big-endian, modulo `shards`. */
export function shardOf(id: string, shards: number): number {
  return createHash('sha256').update(id, 'utf8').digest().readUInt32BE(0) % shards;
}

/** The supervisor execution of a shard's epoch and generation: `sh<n>-e<epoch>-g<generation>` (no user string). */
export function supervisorName(shard: number, epoch: number, generation: number): string {
  return `sh${shard}-e${epoch}-g${generation}`;
}

/** The shard, epoch and generation a supervisor execution name (or ARN) carries, if it is one. */
export function parseSupervisorName(nameOrArn: string): { shard: number; epoch: number; generation: number } | undefined {
  const match = /(?:^|:)sh(\d+)-e(\d+)-g(\d+)$/.exec(nameOrArn);
  return match ? { shard: Number(match[1]), epoch: Number(match[2]), generation: Number(match[3]) } : undefined;
}

/**
 * The slot (epoch second) a tick scheduled at `ms` is emitted in: the first whole second at or after it, so a tick
 * is never emitted before its `scheduledAt` (Step Functions' Wait drops milliseconds).
 */
export function slotOf(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** Where a schedule's ticks count from: `sequence` ticks were emitted or due up to `after` (ISO). */
export interface Checkpoint {
  readonly sequence: number;
  readonly after: string;
}

/** A running schedule in a shard's roster. */
export interface RosterEntry {
  readonly id: string;
  readonly runId: string;
  readonly spec: ScheduleSpec;
  readonly checkpoint: Checkpoint;
  /** The payload's JSON when it is small enough to travel inline. */
  readonly payloadJson?: string;
  /** The payload is too large to travel inline: read it from the schedule's item. */
  readonly payloadInItem?: boolean;
  /**
   * A one-shot's due entry ({@link isOneShot}), not a roster entry: kept in a partition by its second's hour and read
   * only by the plans whose seconds cover it, so it is never removed (TTL deletes it). A Stop or a replacing Start
   * does not remove it either: its tick goes out only if the schedule's item still names its run, running.
   */
  readonly due?: boolean;
}

/**
 * Whether a run has exactly one occurrence (`at`, `duration`): on the sharded engine it is a due entry, keyed by its
 * second, instead of a roster entry that every plan reads until the run ends and a write removes it.
 */
export function isOneShot(spec: Pick<ScheduleSpec, 'kind'>): boolean {
  return spec.kind === 'at' || spec.kind === 'duration';
}

/** One tick in a slot page (a due entry). */
export interface SlotEntry {
  readonly id: string;
  readonly runId: string;
  readonly sequence: number;
  readonly scheduledAt: string;
  readonly remaining?: number;
  readonly last: boolean;
  /** On the last tick: why the run completes with it. */
  readonly reason?: CompletionReason;
  readonly payloadJson?: string;
  readonly payloadInItem?: boolean;
  /** From a due entry: the Emit reads the schedule's item and sends the tick only if it still names this run, running. */
  readonly checkOwner?: boolean;
}

/** The `Schedule Tick` detail: the same fields, in the same order, as the per-schedule engine's. */
export function tickDetailOf(entry: SlotEntry, payloadJson?: string): Record<string, unknown> {
  const json = entry.payloadJson ?? payloadJson;
  return {
    id: entry.id,
    runId: entry.runId,
    ...(json !== undefined ? { payload: JSON.parse(json) } : {}),
    sequence: entry.sequence,
    scheduledAt: entry.scheduledAt,
    ...(entry.remaining !== undefined ? { remaining: entry.remaining } : {}),
    last: entry.last,
  };
}

/** A run found to have no occurrence left while planning (its last occurrence was skipped, or none remains). */
export interface PlannedCompletion {
  readonly id: string;
  readonly runId: string;
  readonly ticks: number;
  readonly reason: CompletionReason;
  /** A due entry's run: it has no roster entry to remove. */
  readonly due?: boolean;
}

/** What one plan of a shard decided. */
export interface WindowPlan {
  /** First and last second of the window (epoch seconds, inclusive). */
  readonly from: number;
  readonly through: number;
  /** The due entries of each active second, seconds ascending. */
  readonly slots: Map<number, SlotEntry[]>;
  /** Checkpoints to rewrite: occurrences were skipped, or the checkpoint is old (keeps counting cheap). */
  readonly checkpoints: Array<{ readonly id: string; readonly runId: string; readonly checkpoint: Checkpoint }>;
  readonly completed: PlannedCompletion[];
  /** Runs whose occurrences could not be computed (a poisoned entry): they fail alone, the shard goes on. */
  readonly failed: Array<{ readonly id: string; readonly runId: string; readonly error: string; readonly due?: boolean }>;
  /** The earliest occurrence after the window (epoch ms), when no second of the window is active. */
  readonly nextAfterMs?: number;
}

/** A checkpoint older than this is moved up to the window's start, so counting from it stays cheap. */
export const CHECKPOINT_MAX_AGE_MS = 3_600_000;

/** Occurrences counted between a checkpoint and the watermark at most (a checkpoint is rewritten hourly). */
const COUNT_CAP = 10_000_000;

/** The seconds a plan made at `now` covers: `[max(watermark + 1, now - 10 s), + WINDOW_SECONDS]`, inclusive. */
export function windowBounds(watermark: number, now: Date): { from: number; through: number } {
  const from = Math.max(watermark + 1, Math.ceil((now.getTime() - MISSED_TOLERANCE_MS) / 1000));
  return { from, through: from + WINDOW_SECONDS };
}

/**
 * Plans the window `[from, from + WINDOW_SECONDS]` of a shard whose seconds up to `watermark` are emitted:
 * `from = max(watermark + 1, now - 10 s)`. Occurrences after the watermark that are now more than 10 s late are
 * skipped, and skip no sequence number: those schedules get a rewritten checkpoint; except those up to `emitting`, the
 * last second whose send began (it may have gone out), which keep theirs.
 */
export function planWindow(entries: readonly RosterEntry[], watermark: number, now: Date, emitting?: number): WindowPlan {
  const { from, through } = windowBounds(watermark, now);
  const startMs = (from - 1) * 1000; // exclusive: second `from` covers occurrences in ((from - 1) s, from s]
  const endMs = through * 1000;
  const emittedMs = watermark * 1000;
  // Seconds after the watermark up to `emitting` may have gone out (a send was under way when the loop stopped). The
  // ones this window skips still count as numbered, so a later tick never reuses a number a tick may already carry;
  // the worst case is a gap. Seconds the window covers again are re-sent with their own numbers (at least once).
  const numberedMs = Math.max(emittedMs, Math.min((emitting ?? 0) * 1000, startMs));
  const slots = new Map<number, SlotEntry[]>();
  const checkpoints: WindowPlan['checkpoints'] = [];
  const completed: PlannedCompletion[] = [];
  const failed: WindowPlan['failed'] = [];
  let nextAfterMs: number | undefined;

  for (const entry of entries) {
    const { id, runId, spec, checkpoint } = entry;
    try {
      const afterMs = Date.parse(checkpoint?.after);
      if (!spec || typeof spec.kind !== 'string' || Number.isNaN(afterMs) || !Number.isInteger(checkpoint.sequence)) {
        throw new Error(`unreadable roster entry: spec ${JSON.stringify(spec)}, checkpoint ${JSON.stringify(checkpoint)}`);
      }
      const cap = spec.limit ?? COUNT_CAP;
      // Occurrences up to the watermark were emitted; those after it and before the window are skipped.
      const sequence = checkpoint.sequence
        + (afterMs < numberedMs ? countOccurrences(spec, new Date(afterMs), new Date(numberedMs), cap) : 0);
      const cursorAfterMs = Math.max(afterMs, startMs);
      const skipped = countOccurrences(spec, new Date(Math.max(afterMs, emittedMs)), new Date(startMs), 1) > 0;
      const cursor = { sequence, after: new Date(cursorAfterMs).toISOString(), executionTicks: 0 };
      // An old checkpoint only makes counting slow for a series: a one-shot has a single occurrence to count.
      const series = spec.kind !== 'duration' && spec.kind !== 'at';
      // A due entry has no checkpoint to move: its one occurrence is planned or, skipped, completes the run below.
      if (!entry.due && (skipped || (series && startMs - afterMs > CHECKPOINT_MAX_AGE_MS))) {
        checkpoints.push({ id, runId, checkpoint: { sequence, after: cursor.after } });
      }
      const due = countOccurrences(spec, new Date(cursorAfterMs), new Date(endMs), WINDOW_SECONDS * 10);
      const plan = computePlan({ id, runId, spec }, cursor, new Date(startMs), new Date(endMs), Math.max(1, due));
      if (plan.action === PLAN_ACTION.COMPLETE) {
        completed.push({ ...plan.completed!, ...(entry.due ? { due: true } : {}) });
        continue;
      }
      if (plan.action !== PLAN_ACTION.EMIT || !plan.ticks) {
        const next = nextOccurrences(spec, new Date(cursorAfterMs), 1)[0]?.getTime();
        if (next !== undefined && (nextAfterMs === undefined || next < nextAfterMs)) nextAfterMs = next;
        continue;
      }
      for (const tick of plan.ticks) {
        const second = slotOf(Date.parse(tick.scheduledAt));
        const list = slots.get(second) ?? [];
        list.push({
          id,
          runId,
          ...tick,
          ...(tick.last ? { reason: completionReason(spec, tick) } : {}),
          ...(entry.payloadJson !== undefined ? { payloadJson: entry.payloadJson } : {}),
          ...(entry.payloadInItem ? { payloadInItem: true } : {}),
          ...(entry.due ? { checkOwner: true } : {}),
        });
        slots.set(second, list);
      }
    } catch (error) {
      // Deterministic (computed from the entry's own data): retrying would stall the shard, so only this run fails.
      failed.push({ id, runId, error: error instanceof Error ? error.message : String(error), ...(entry.due ? { due: true } : {}) });
    }
  }
  const ordered = new Map([...slots.entries()].sort(([x], [y]) => x - y));
  const next = ordered.size === 0 && nextAfterMs !== undefined ? { nextAfterMs } : {};
  return { from, through, slots: ordered, checkpoints, completed, failed, ...next };
}

/** Why a run completes with its last tick: its limit, its window's end, or its single occurrence. */
export function completionReason(spec: ScheduleSpec, entry: Pick<SlotEntry, 'remaining'>): CompletionReason {
  if (entry.remaining === 0) return 'limit';
  return spec.kind === 'duration' || spec.kind === 'at' ? 'once' : 'end';
}

/** Splits a second's entries into pages whose JSON stays under `maxBytes` (DynamoDB items are limited to 400 KB). */
export function pagesOf(entries: readonly SlotEntry[], maxBytes = 300_000): SlotEntry[][] {
  const pages: SlotEntry[][] = [];
  let page: SlotEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(JSON.stringify(entry), 'utf8') + 1;
    if (page.length > 0 && bytes + size > maxBytes) {
      pages.push(page);
      page = [];
      bytes = 0;
    }
    page.push(entry);
    bytes += size;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

/** When a sleeping shard plans again: a lead before its next occurrence, at most an hour away, a whole second. */
export function sleepUntilOf(nextAfterMs: number | undefined, now: Date, leadSeconds: number, maxSleepSeconds: number): number {
  const nowSec = Math.ceil(now.getTime() / 1000);
  const cap = nowSec + maxSleepSeconds;
  if (nextAfterMs === undefined) return cap;
  return Math.max(nowSec + 1, Math.min(cap, Math.floor(nextAfterMs / 1000) - leadSeconds));
}

/**
 * The ticks of a run just started (`cursor` at its accept time) up to second `plannedThrough`: the seconds its shard
 * has already planned without it, which the Start writes as late entries (the next plan starts after them).
 */
export function lateTicks(run: { id: string; runId: string; spec: ScheduleSpec }, cursor: Cursor, now: Date, plannedThrough: number): TickItem[] {
  const until = new Date(plannedThrough * 1000);
  const due = countOccurrences(run.spec, new Date(Date.parse(cursor.after)), until, WINDOW_SECONDS * 10);
  if (due === 0) return [];
  const plan = computePlan(run, cursor, now, until, due);
  return plan.action === PLAN_ACTION.EMIT ? plan.ticks ?? [] : [];
}
