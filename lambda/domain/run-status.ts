import { STATUS } from '../../src/contract';

/** What the status of a schedule's item depends on. */
export interface StatusFields {
  readonly status?: string;
  /**
   * Sharded engine, one-shots only: the `scheduledAt` of the run's one tick (ISO). Such a run's completion is not
   * written: from this instant on, a `RUNNING` item is complete (see {@link statusAt}).
   */
  readonly completesAt?: string;
}

/**
 * The status of a schedule's item at `now`: its `status`, except that a sharded one-shot's `RUNNING` reads as
 * `COMPLETED` from its `completesAt` on.
 *
 * Why the sharded engine does not write a one-shot's completion: a one-shot needs a PutEvents entry ($1.00 per
 * million), a Start invocation ($0.20 per million requests at least), a conditional write keyed by its id (fencing,
 * $0.625 per million WRU) and a record a plan can find by its second ($0.625). A third write, the completion, puts it
 * at $3.08 per million before any read, above issue 11's $3.00 target; without it the floor is $2.45. The tick and
 * `Schedule Completed` still go out; the item keeps `RUNNING` and expires `finishedScheduleRetention` after its tick,
 * as a completed item does. A Stop or a new Start from `completesAt` on finds the run finished, as on the
 * per-schedule engine, whose run has completed by then (README, "Troubleshooting"; docs/sharded-engine.md).
 */
export function statusAt(item: StatusFields, now: Date): string | undefined {
  if (item.status === STATUS.RUNNING && item.completesAt !== undefined && Date.parse(item.completesAt) <= now.getTime()) {
    return STATUS.COMPLETED;
  }
  return item.status;
}

/** Whether the item's run is running at `now` ({@link statusAt}). */
export function isRunningAt(item: StatusFields | undefined, now: Date): boolean {
  return item !== undefined && statusAt(item, now) === STATUS.RUNNING;
}
