import { Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
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

  /**
   * Memory of the shard function, which plans each shard's windows and emits every tick of a second. Lambda gives a
   * function CPU in proportion to its memory (one vCPU at 1,769 MB): the emitter needs about 87 µs of CPU per tick,
   * so 512 MiB (about 0.29 vCPU) emits about 3,300 ticks in its second; give a shard 1,769 MiB when its busiest second
   * holds more. A whole number of MiB from 128 to 10,240.
   *
   * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
   * @default Size.mebibytes(512)
   */
  readonly emitterMemorySize?: Size;
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
    return new SchedulerEngine(ENGINE_NAME.SHARDED, shards, emitterMebibytes(options.emitterMemorySize));
  }

  /** The engine's name: `PER_SCHEDULE` or `SHARDED`. */
  public readonly name: string;
  /** The number of shards; 0 on the per-schedule engine. */
  public readonly shards: number;
  /** The shard function's memory in MiB; 0 on the per-schedule engine. */
  public readonly emitterMemoryMebibytes: number;

  private constructor(name: string, shards: number, emitterMemoryMebibytes = 0) {
    this.name = name;
    this.shards = shards;
    this.emitterMemoryMebibytes = emitterMemoryMebibytes;
  }
}

/** Lambda's memory range, in MiB. @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html */
const MIN_LAMBDA_MEMORY_MIB = 128;
const MAX_LAMBDA_MEMORY_MIB = 10_240;
const DEFAULT_EMITTER_MEMORY_MIB = 512;

function emitterMebibytes(size: Size | undefined): number {
  if (size === undefined) return DEFAULT_EMITTER_MEMORY_MIB;
  if (size.isUnresolved()) {
    throw new Error('emitterMemorySize must be known at synth time, got a token');
  }
  const mebibytes = size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(mebibytes)) throw new Error(`emitterMemorySize must be a whole number of MiB, got: ${mebibytes} MiB`);
  if (!(mebibytes >= MIN_LAMBDA_MEMORY_MIB && mebibytes <= MAX_LAMBDA_MEMORY_MIB)) {
    throw new Error(`emitterMemorySize must be from ${MIN_LAMBDA_MEMORY_MIB} to ${MAX_LAMBDA_MEMORY_MIB} MiB (Lambda's range), got: ${mebibytes} MiB`);
  }
  return mebibytes;
}
