/** Environment variables the construct sets on the handlers. */
export const ENV = {
  TABLE_NAME: 'SCHEDULER_TABLE_NAME',
  STATE_MACHINE_ARN: 'SCHEDULER_STATE_MACHINE_ARN',
  EVENT_BUS_NAME: 'SCHEDULER_EVENT_BUS_NAME',
  TICK_SOURCE: 'SCHEDULER_TICK_SOURCE',
  /** Seconds a finished schedule's item is kept before DynamoDB TTL removes it. */
  RETENTION_SECONDS: 'SCHEDULER_RETENTION_SECONDS',
  /** `false` when `Schedule Started` and `Schedule Completed` are turned off; any other value (or none) keeps them. */
  STARTED_AND_COMPLETED: 'SCHEDULER_STARTED_AND_COMPLETED_EVENTS',
  /** `SHARDED` on the sharded engine (see ENGINE_NAME); unset on the per-schedule engine. */
  ENGINE: 'SCHEDULER_ENGINE',
  /** The sharded engine's number of shards. */
  SHARDS: 'SCHEDULER_SHARDS',
  /** The sharded engine's shard table. */
  SHARD_TABLE_NAME: 'SCHEDULER_SHARD_TABLE_NAME',
  /** The sharded engine's supervisor state machine (start handler only: it wakes shards). */
  SUPERVISOR_ARN: 'SCHEDULER_SUPERVISOR_ARN',
} as const;

/**
 * The timeout of the Start and Stop handlers (seconds). An attempt older than this has ended, one way or another:
 * Lambda stops a function at its timeout.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
 */
export const COMMAND_HANDLER_TIMEOUT_SECONDS = 30;
