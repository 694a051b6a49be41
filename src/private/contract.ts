/**
 * The wire contract shared by the construct (src/) and the handlers (lambda/).
 *
 * This file must stay free of imports: handlers import it, and they never load aws-cdk-lib.
 */

/** Environment variables the construct sets on the handlers. */
export const ENV = {
  TABLE_NAME: 'SCHEDULER_TABLE_NAME',
  STATE_MACHINE_ARN: 'SCHEDULER_STATE_MACHINE_ARN',
  EVENT_BUS_NAME: 'SCHEDULER_EVENT_BUS_NAME',
  TICK_SOURCE: 'SCHEDULER_TICK_SOURCE',
  /** Seconds a finished schedule's item is kept before DynamoDB TTL removes it. */
  RETENTION_SECONDS: 'SCHEDULER_RETENTION_SECONDS',
} as const;

/** EventBridge detail types of the scheduler's events. */
export const DETAIL_TYPE = {
  START: 'Schedule Start',
  STOP: 'Schedule Stop',
  TICK: 'Schedule Tick',
  STARTED: 'Schedule Started',
  COMPLETED: 'Schedule Completed',
  STOPPED: 'Schedule Stopped',
  REJECTED: 'Schedule Rejected',
  FAILED: 'Schedule Failed',
} as const;

/** Name of the TTL attribute on the schedules table (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Partition key of the schedules table. */
export const PARTITION_KEY = 'id';

/** Ticks computed per plan step: one Lambda invocation and one DynamoDB write per batch. */
export const BATCH_SIZE = 100;

/**
 * Ticks one execution emits before it hands over to a new execution.
 * Each tick costs about 9 history events (Map iteration, Wait, Task); 1,800 ticks stay near 16,500,
 * well under Step Functions' 25,000-event history quota.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const TICKS_PER_EXECUTION = 1_800;

/**
 * Age after which an execution hands over to a new one. Standard executions end after one year.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const MAX_EXECUTION_AGE_MS = 300 * 24 * 3600 * 1000;

/** Status of a schedule's item. */
export const STATUS = {
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  STOPPED: 'STOPPED',
  FAILED: 'FAILED',
} as const;

/** Values of the `action` the plan step returns; the state machine routes on them. */
export const PLAN_ACTION = {
  /** Emit `plan.ticks`, then plan again. */
  EMIT: 'emit',
  /** Nothing due before the execution's deadline: wait until `plan.wakeAt`, then plan again. */
  SLEEP: 'sleep',
  /** No more occurrences: emit `plan.completed` and succeed. */
  COMPLETE: 'complete',
  /** This run was stopped, replaced, or handed over to a new execution: succeed quietly. */
  END: 'end',
} as const;
