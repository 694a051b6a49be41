/** Partition key of the schedules table. */
export const PARTITION_KEY = 'id';

/** Name of the TTL attribute on the schedules table (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Status of a schedule's item. */
export const STATUS = {
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  STOPPED: 'STOPPED',
  FAILED: 'FAILED',
} as const;
