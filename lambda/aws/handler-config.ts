import { ENGINE_NAME, ENV } from '../../src/contract';

/** Configuration of a handler, read from the environment the construct sets. */
export interface HandlerConfig {
  readonly tableName: string;
  readonly eventBusName: string;
  readonly tickSource: string;
  readonly retentionSeconds: number;
  /** Set for the start handler only; the plan step receives the ARN from its execution context. */
  readonly stateMachineArn?: string;
  /** Whether `Schedule Started` and `Schedule Completed` are emitted (Rejected, Stopped and Failed always are). */
  readonly startedAndCompletedEvents: boolean;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`Environment variable ${name} is not set; the handler is misconfigured`);
  }
  return value;
}

/** Read on every invocation (cheap), so tests and the local runtime can change it between calls. */
export function handlerConfig(): HandlerConfig {
  const retention = Number(process.env[ENV.RETENTION_SECONDS] ?? '2592000');
  return {
    tableName: required(ENV.TABLE_NAME),
    eventBusName: required(ENV.EVENT_BUS_NAME),
    tickSource: required(ENV.TICK_SOURCE),
    retentionSeconds: Number.isFinite(retention) && retention > 0 ? retention : 2592000,
    stateMachineArn: process.env[ENV.STATE_MACHINE_ARN] || undefined,
    startedAndCompletedEvents: process.env[ENV.STARTED_AND_COMPLETED] !== 'false',
  };
}

/** Configuration of the sharded engine, for the handlers that serve it. */
export interface ShardConfig {
  readonly shards: number;
  readonly shardTableName: string;
  /** Set for the start handler only (it wakes shards); the supervisor passes its own ARN to the shard function. */
  readonly supervisorArn?: string;
}

/** The sharded engine's configuration, or undefined on the per-schedule engine. */
export function shardConfig(): ShardConfig | undefined {
  if (process.env[ENV.ENGINE] !== ENGINE_NAME.SHARDED) return undefined;
  const shards = Number(required(ENV.SHARDS));
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`${ENV.SHARDS} must be a positive integer, got: ${process.env[ENV.SHARDS]}`);
  return { shards, shardTableName: required(ENV.SHARD_TABLE_NAME), supervisorArn: process.env[ENV.SUPERVISOR_ARN] || undefined };
}

/** One structured log line: CloudWatch Logs Insights can filter on its fields. */
export function log(level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'ERROR') console.error(line);
  else if (level === 'WARN') console.warn(line);
  else console.log(line);
}
