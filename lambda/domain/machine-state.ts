import { ceilToSecond } from './instant';
import { nextOccurrences } from './occurrences';
import { BATCH_SIZE, CompletionReason, Cursor, MachineState, Plan, PLAN_ACTION, ScheduleSpec, TickItem } from '../../src/contract';

/**
 * Occurrences older than this when a plan runs are skipped, not replayed in a burst.
 * It covers a plan step's own latency (cold start, retries), so on-time schedules lose nothing.
 */
export const MISSED_TOLERANCE_MS = 10_000;

/** The cursor after the ticks of `state.plan` (if it was an emit) have gone out. */
export function advanceCursor(state: MachineState): Cursor {
  const ticks = state.plan.action === PLAN_ACTION.EMIT ? state.plan.ticks ?? [] : [];
  if (ticks.length === 0) return state.cursor;
  const last = ticks[ticks.length - 1];
  return {
    sequence: last.sequence,
    after: last.scheduledAt,
    executionTicks: state.cursor.executionTicks + ticks.length,
  };
}

/**
 * The next step of a run: a batch of ticks to emit, a sleep until `deadline`, or completion.
 * Pure: `now` and `deadline` (the instant the current execution must hand over by) are given. `batchSize` caps the
 * ticks of one plan (the per-schedule engine's batch; a loop that emits what is due now asks for only that many).
 */
export function computePlan(
  state: Pick<MachineState, 'id' | 'runId' | 'spec'>,
  cursor: Cursor,
  now: Date,
  deadline: Date,
  batchSize: number = BATCH_SIZE,
): Plan {
  const { spec } = state;
  const left = spec.limit !== undefined ? spec.limit - cursor.sequence : Number.POSITIVE_INFINITY;
  const complete = (reason: CompletionReason): Plan => ({
    action: PLAN_ACTION.COMPLETE,
    completed: { id: state.id, runId: state.runId, ticks: cursor.sequence, reason },
  });
  if (left <= 0) return complete('limit');

  const after = planAfter(cursor, now);
  const wanted = Math.min(batchSize, left);
  // One extra occurrence tells whether the batch's final tick is the run's last.
  const upcoming = nextOccurrences(spec, after, wanted + 1);
  if (upcoming.length === 0) {
    return complete(spec.kind === 'duration' || spec.kind === 'at' ? 'once' : 'end');
  }

  const inBatch = upcoming.slice(0, wanted).filter((t) => t.getTime() <= deadline.getTime());
  if (inBatch.length === 0) {
    // A whole second, rounded up: the Sleep state's Wait drops milliseconds, and waking before the deadline would
    // plan another sleep until the same second, again and again.
    return { action: PLAN_ACTION.SLEEP, wakeAt: new Date(ceilToSecond(deadline.getTime())).toISOString() };
  }

  const ticks = inBatch.map((scheduledAt, index): TickItem => {
    const sequence = cursor.sequence + index + 1;
    const remaining = spec.limit !== undefined ? spec.limit - sequence : undefined;
    const last = remaining === 0 || upcoming.length === index + 1;
    return {
      sequence,
      scheduledAt: scheduledAt.toISOString(),
      ...(remaining !== undefined ? { remaining } : {}),
      last,
    };
  });
  return { action: PLAN_ACTION.EMIT, ticks };
}

/**
 * When the next tick is due (for `nextAt` in events and the item): the plan's first tick or, for a sleep (the next
 * occurrence is beyond this execution), the first occurrence of `spec` after `after` when they are given.
 */
export function nextAtOf(plan: Plan, spec?: ScheduleSpec, after?: Date): string | undefined {
  const first = plan.ticks?.[0]?.scheduledAt;
  if (first !== undefined || plan.action !== PLAN_ACTION.SLEEP || !spec || !after) return first;
  return nextOccurrences(spec, after, 1)[0]?.toISOString();
}

/** The instant after which a plan made at `now` looks for occurrences (missed ones are skipped). */
export function planAfter(cursor: Cursor, now: Date): Date {
  return new Date(Math.max(Date.parse(cursor.after), now.getTime() - MISSED_TOLERANCE_MS));
}

/** Lower bound (exclusive) of a plan's batch, recorded so a Stop can count the ticks already out. */
export function batchAfterOf(plan: Plan, fallback: string): string {
  const first = plan.ticks?.[0]?.scheduledAt;
  return first ? new Date(Date.parse(first) - 1).toISOString() : fallback;
}
