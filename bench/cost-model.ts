/**
 * USD per million ticks from the measured per-tick figures and AWS list prices (us-east-1, no free tier), as
 * published on the AWS pricing pages in December 2026.
 */
import { Rates } from './workloads';

export const PRICES = {
  /** Step Functions Standard: $0.025 per 1,000 state transitions. */
  stepFunctionsPerTransition: 25 / 1e6,
  /** Step Functions Express: $1.00 per million requests (executions started); transitions are not billed. */
  expressPerRequest: 1 / 1e6,
  /** Step Functions Express duration: $0.00001667 per GB-second, the first tier (first 1,000 GB-hours a month). */
  expressPerGbSecond: 0.00001667,
  /** Lambda requests: $0.20 per million. */
  lambdaPerRequest: 0.2 / 1e6,
  /** Lambda duration (x86): $0.0000166667 per GB-second. */
  lambdaPerGbSecond: 0.0000166667,
  /**
   * Lambda duration (arm64, Graviton): $0.0000133334 per GB-second, the first tier. The benchmark converts arm64
   * GB-seconds to their x86 price equivalent (x 0.8) in `lambdaGbSeconds`, so one price applies.
   */
  lambdaArmPerGbSecond: 0.0000133334,
  /** Memory of the naive design's functions (ours are 256 MB); the benchmark reads each function's from the template. */
  lambdaMemoryMb: 128,
  /** Assumed billed duration of every invocation (all designs): a warm handler making two or three SDK calls. */
  lambdaAssumedMs: 100,
  /** EventBridge custom events: $1.00 per million entries (each 64 KB chunk of an entry counts as one). */
  eventBridgePerEntry: 1 / 1e6,
  /**
   * DynamoDB on-demand: $0.625 per million write request units (halved on November 1, 2024); one write of an item
   * under 1 KB is one WRU.
   */
  dynamoPerWrite: 0.625 / 1e6,
  /** DynamoDB on-demand: $0.125 per million read request units; a strongly consistent read under 4 KB is one RRU. */
  dynamoPerRead: 0.125 / 1e6,
  /** EventBridge Scheduler: $1.00 per million invocations (one per tick), one-minute precision. */
  eventBridgeSchedulerPerInvocation: 1 / 1e6,
  /** A schedule that targets an event bus also puts one custom event per tick: $1.00 per million (eventBridgePerEntry). */
} as const;

export interface CostBreakdown {
  /** Standard transitions plus Express requests and duration. */
  readonly stepFunctions: number;
  readonly lambda: number;
  readonly eventBridge: number;
  readonly dynamoDb: number;
  readonly total: number;
}

const MILLION = 1e6;

/**
 * USD per million ticks for per-tick figures. Lambda is priced per request plus the GB-seconds the benchmark counts
 * (each function's memory x PRICES.lambdaAssumedMs); Step Functions as Standard transitions plus Express requests and
 * GB-seconds (0 until the local runtime reports Express figures).
 */
export function costPerMillionTicks(r: Rates): CostBreakdown {
  const stepFunctions = (r.standardTransitions * PRICES.stepFunctionsPerTransition
    + r.expressRequests * PRICES.expressPerRequest + r.expressGbSeconds * PRICES.expressPerGbSecond) * MILLION;
  const lambda = (r.lambdaInvocations * PRICES.lambdaPerRequest + r.lambdaGbSeconds * PRICES.lambdaPerGbSecond) * MILLION;
  const eventBridge = r.putEventsEntries * PRICES.eventBridgePerEntry * MILLION;
  const dynamoDb = (r.dynamoWrites * PRICES.dynamoPerWrite + r.dynamoReads * PRICES.dynamoPerRead) * MILLION;
  return { stepFunctions, lambda, eventBridge, dynamoDb, total: stepFunctions + lambda + eventBridge + dynamoDb };
}

/** EventBridge Scheduler delivering each tick to an event bus: one invocation plus one custom event put on the bus. */
export function eventBridgeSchedulerPerMillionTicks(): number {
  return (PRICES.eventBridgeSchedulerPerInvocation + PRICES.eventBridgePerEntry) * MILLION;
}

/** EventBridge Scheduler for one-shots delivered to a bus: a one-time schedule's invocation plus the event put. */
export function eventBridgeSchedulerPerMillionOneShots(): number {
  return eventBridgeSchedulerPerMillionTicks();
}

/**
 * The sharded engine's fixed cost per shard-month, as its design models it (docs/sharded-engine.md, "Fixed cost per
 * shard-month"): idle is an hourly plan (3 transitions, a 300-ms invocation, 3 RRU, 1 WRU) for 720 hours; busy is
 * the dense cap, an Express window running all month plus 10,800 windows' supervisor transitions, requests and plans.
 * The benchmark prints these beside what it measures for an idle shard.
 */
export const SHARD_MONTH_MODEL = {
  idleUsd: 0.057,
  busyCapUsd: 3.56,
  source: 'docs/sharded-engine.md, Fixed cost per shard-month',
} as const;

/**
 * Lambda allocates CPU in proportion to memory, one vCPU at 1,769 MB: CPU-bound work of one vCPU-second is billed
 * 1,769 MB x 1 s at any memory size (less memory, proportionally longer).
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
 */
export const LAMBDA_GB_PER_VCPU = 1_769 / 1_024;

/**
 * GB-seconds per tick the sharded engine's emitter spends on CPU (measured by bench/emitter-cpu.ts): the benchmark
 * adds it to the sharded engine's Lambda GB-seconds, since its assumed 100 ms per invocation does not grow with the
 * ticks an emit sends (a second of 1,000 ticks is 100 PutEvents calls).
 */
export function emitterGbSecondsPerTick(cpuMicrosPerTick: number): number {
  return (cpuMicrosPerTick / 1e6) * LAMBDA_GB_PER_VCPU;
}

/** Seconds in the 30-day month the design's arithmetic uses. */
export const MONTH_SECONDS = 30 * 24 * 3600;
