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
} as const;
