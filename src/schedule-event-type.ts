/**
 * The events a `DynamicScheduler` emits on its bus, as EventBridge detail types.
 *
 * Their `source` is the scheduler's tick source.
 */
export enum ScheduleEventType {
  /** `Schedule Tick`: an occurrence is due. Detail: `{ id, runId, sequence, scheduledAt, payload?, remaining?, last }`. */
  TICK = 'Schedule Tick',
  /** `Schedule Started`: a run began. Detail: `{ id, runId, kind, expression, timezone, nextAt, limit?, startAt?, endAt? }`. */
  STARTED = 'Schedule Started',
  /** `Schedule Completed`: a run ended by itself. Detail: `{ id, runId, ticks, reason }` with reason `limit`, `end` or `once`. */
  COMPLETED = 'Schedule Completed',
  /** `Schedule Stopped`: a run was stopped by a `Schedule Stop`. Detail: `{ id, runId, ticks }`. */
  STOPPED = 'Schedule Stopped',
  /** `Schedule Rejected`: a Start or Stop was invalid. Detail: `{ id?, command, errors: [{ field, message, value? }], received }`. */
  REJECTED = 'Schedule Rejected',
  /** `Schedule Failed`: a run's execution failed after retries. Detail: `{ id, runId, error, failure: { Error, Cause? }, status?, executionArn? }`. */
  FAILED = 'Schedule Failed',
}
