import { Token } from 'aws-cdk-lib';
import { DEFAULT_SHARDS, ENGINE_NAME, MAX_SHARDS } from './contract';

/**
 * Options of {@link SchedulerEngine.sharded}.
 */
export interface ShardedEngineOptions {
  /**
   * How many shards serve the schedules. A schedule belongs to one shard, chosen by a hash of its id; each shard is
   * one supervisor execution that waits for the shard's next due second and emits every tick due then.
   *
   * More shards spread load (each shard's loop emits its second's ticks in one Lambda invocation) and cost a little
   * more idle. Do not lower it on a deployed scheduler: running schedules stay on the shard they started on.
   *
   * @default 4
   */
  readonly shards?: number;
}

/**
 * How the scheduler runs its schedules.
 *
 * - {@link SchedulerEngine.perSchedule} (the default): one Step Functions Standard execution per running schedule.
 *   No fixed cost, and each schedule's history is visible in the Step Functions console; about two state
 *   transitions per tick ($0.05 per thousand ticks), and at most about 750 ticks per second per account.
 * - {@link SchedulerEngine.sharded}: one Standard supervisor per shard that chains Express windows, emitting every
 *   tick due in a second with one Lambda invocation and batched `PutEvents`. A small fixed cost per shard, then
 *   close to the `PutEvents` floor per tick; choose it for many schedules or high tick rates.
 *
 * @see https://github.com/cdk-dynamic-scheduler/cdk-dynamic-scheduler/blob/main/docs/sharded-engine.md
 */
export class SchedulerEngine {
  /**
   * One Standard execution per running schedule (today's engine, the default).
   */
  public static perSchedule(): SchedulerEngine {
    return new SchedulerEngine(ENGINE_NAME.PER_SCHEDULE, 0);
  }

  /**
   * Schedules grouped into shards, each served by one supervisor execution and Express windows.
   *
   * @param options the number of shards
   */
  public static sharded(options: ShardedEngineOptions = {}): SchedulerEngine {
    const shards = options.shards ?? DEFAULT_SHARDS;
    if (Token.isUnresolved(shards)) {
      throw new Error(`shards must be a number known at synth time (it sizes the keeper and the handlers), got a token: ${shards}`);
    }
    if (!(Number.isInteger(shards) && shards >= 1 && shards <= MAX_SHARDS)) {
      throw new Error(`shards must be an integer from 1 to ${MAX_SHARDS}, got: ${shards}`);
    }
    return new SchedulerEngine(ENGINE_NAME.SHARDED, shards);
  }

  /** The engine's name: `PER_SCHEDULE` or `SHARDED`. */
  public readonly name: string;
  /** The number of shards; 0 on the per-schedule engine. */
  public readonly shards: number;

  private constructor(name: string, shards: number) {
    this.name = name;
    this.shards = shards;
  }
}
