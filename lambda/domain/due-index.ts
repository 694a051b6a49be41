/**
 * The ticks a group of running schedules owes at a given instant, computed from each schedule's spec and
 * checkpoint alone: no per-tick state is stored anywhere. This is the core of an engine that serves many schedules
 * from one loop (a shard): the loop keeps a `DueIndex` of its schedules, asks it what is due each time it wakes,
 * emits that, and sleeps until {@link DueIndex.nextDueAt}.
 *
 * Pure (the caller passes every instant) and engine-neutral: each schedule's next ticks come from the same
 * {@link computePlan} the per-schedule engine uses, so both engines number ticks, skip missed occurrences, apply
 * limits and windows, and mark the last tick the same way.
 */
import { computePlan, nextAtOf, planAfter } from './machine-state';
import { countOccurrences } from './occurrences';
import { BATCH_SIZE, CompletionReason, Cursor, PLAN_ACTION, ScheduleSpec, TickCommon, TickItem } from '../../src/contract';

/** A running schedule as the index needs it: its run, spec, payload and the checkpoint its ticks count from. */
export interface DueMember {
  readonly id: string;
  readonly runId: string;
  readonly spec: ScheduleSpec;
  /** Whether ticks carry a payload (a `null` payload is still a payload). */
  readonly hasPayload: boolean;
  readonly payload?: unknown;
  /** Ticks emitted up to the checkpoint, and the instant up to which occurrences are done. */
  readonly cursor: Pick<Cursor, 'sequence' | 'after'>;
}

/** One tick to emit: the fields every tick of the run carries, and this tick's own. */
export interface DueTick {
  readonly common: TickCommon;
  readonly tick: TickItem;
}

/** A run whose last tick was just taken. */
export interface CompletedRun {
  readonly id: string;
  readonly runId: string;
  readonly ticks: number;
  readonly reason: CompletionReason;
}

/** What {@link DueIndex.take} found due. */
export interface DueResult {
  /** Ascending by `scheduledAt`, then by schedule id. */
  readonly ticks: DueTick[];
  /** Runs that have no occurrence left after the ticks taken (or none at all). */
  readonly completed: CompletedRun[];
}

interface Entry {
  readonly member: DueMember;
  cursor: Cursor;
  /** Epoch ms of the next occurrence, or undefined when the run has none left. */
  nextMs?: number;
}

export class DueIndex {
  private readonly entries = new Map<string, Entry>();
  /** A min-heap of (next occurrence, id); entries whose time no longer matches their member are stale and skipped. */
  private readonly heap: Array<{ readonly ms: number; readonly id: string }> = [];

  /** The number of schedules in the index. */
  public get size(): number {
    return this.entries.size;
  }

  /** Adds a schedule, or replaces the one with the same id (a restart brings a new run and checkpoint). */
  public upsert(member: DueMember, now: Date): void {
    const entry: Entry = { member, cursor: { ...member.cursor, executionTicks: 0 } };
    this.entries.set(member.id, entry);
    this.schedule(entry, now);
  }

  /** Removes a schedule (stopped, replaced elsewhere, or finished): none of its ticks is taken any more. */
  public remove(id: string): void {
    this.entries.delete(id);
  }

  /** The run and cursor the index holds for `id`, if any. */
  public cursorOf(id: string): { readonly runId: string; readonly cursor: Cursor } | undefined {
    const entry = this.entries.get(id);
    return entry && { runId: entry.member.runId, cursor: entry.cursor };
  }

  /** When the earliest pending tick is due, or undefined when no schedule has one. */
  public nextDueAt(): Date | undefined {
    const top = this.peek();
    return top === undefined ? undefined : new Date(top.ms);
  }

  /**
   * Every tick due at or before `now`, advancing each schedule past the ticks taken. Occurrences more than the
   * missed-occurrence tolerance before `now` are skipped, as in the per-schedule engine. Runs whose last tick is
   * taken, or which have no occurrence left, are reported in `completed` and leave the index.
   */
  public take(now: Date): DueResult {
    const ticks: DueTick[] = [];
    const completed: CompletedRun[] = [];
    for (let top = this.peek(); top !== undefined && top.ms <= now.getTime(); top = this.peek()) {
      this.pop();
      const entry = this.entries.get(top.id)!;
      const taken = this.takeFrom(entry, now);
      ticks.push(...taken.ticks);
      if (taken.completed) {
        completed.push(taken.completed);
        this.entries.delete(top.id);
      } else {
        this.schedule(entry, now);
      }
    }
    ticks.sort((a, b) => a.tick.scheduledAt.localeCompare(b.tick.scheduledAt) || a.common.id.localeCompare(b.common.id));
    return { ticks, completed };
  }

  private takeFrom(entry: Entry, now: Date): { ticks: DueTick[]; completed?: CompletedRun } {
    const { member } = entry;
    // Most schedules owe one tick when they come up: plan only as many as are due (computePlan then looks at one
    // more occurrence to tell the last tick), not a whole batch.
    const due = countOccurrences(member.spec, planAfter(entry.cursor, now), now, BATCH_SIZE);
    const plan = computePlan(member, entry.cursor, now, now, Math.max(1, due));
    if (plan.action === PLAN_ACTION.COMPLETE) return { ticks: [], completed: plan.completed };
    if (plan.action !== PLAN_ACTION.EMIT || !plan.ticks) return { ticks: [] };
    const common: TickCommon = { id: member.id, runId: member.runId, ...(member.hasPayload ? { payload: member.payload } : {}) };
    const last = plan.ticks[plan.ticks.length - 1];
    entry.cursor = { sequence: last.sequence, after: last.scheduledAt, executionTicks: entry.cursor.executionTicks + plan.ticks.length };
    const ticks = plan.ticks.map((tick) => ({ common, tick }));
    if (!last.last) return { ticks };
    const reason: CompletionReason = last.remaining === 0 ? 'limit' : member.spec.kind === 'duration' || member.spec.kind === 'at' ? 'once' : 'end';
    return { ticks, completed: { id: member.id, runId: member.runId, ticks: last.sequence, reason } };
  }

  /** Files the entry under its next occurrence after its cursor (missed ones skipped as of `now`). */
  private schedule(entry: Entry, now: Date): void {
    const after = planAfter(entry.cursor, now);
    const next = nextAtOf({ action: PLAN_ACTION.SLEEP }, entry.member.spec, after);
    entry.nextMs = next === undefined ? undefined : Date.parse(next);
    // A run with no occurrence left is filed at `now`, so the next take() reports it completed.
    this.push({ ms: entry.nextMs ?? now.getTime(), id: entry.member.id });
  }

  /** The heap's top that still matches its entry, dropping stale ones. */
  private peek(): { readonly ms: number; readonly id: string } | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      const entry = this.entries.get(top.id);
      if (entry && (entry.nextMs === undefined || entry.nextMs === top.ms)) return top;
      this.pop();
    }
    return undefined;
  }

  private push(node: { readonly ms: number; readonly id: string }): void {
    const heap = this.heap;
    heap.push(node);
    for (let i = heap.length - 1; i > 0;) {
      const parent = Math.floor((i - 1) / 2);
      if (heap[parent].ms <= heap[i].ms) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && heap[left].ms < heap[smallest].ms) smallest = left;
      if (right < heap.length && heap[right].ms < heap[smallest].ms) smallest = right;
      if (smallest === i) return;
      [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
      i = smallest;
    }
  }
}
