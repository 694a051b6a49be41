/**
 * The designs under one interface, each on the same local runtime machinery: our engines are `LocalScheduler` (the
 * synthesized DynamicScheduler and its shipped bundles) with the props that select the engine, the naive design is
 * `LocalStack` on the `BaselineStack`. Counters are cumulative; a workload takes snapshots and subtracts them.
 *
 * The sharded engine (issue 11) is detected at run time: `shardedEngineProps()` is undefined until `SchedulerEngine`
 * exists in src/, and the benchmark then skips its column with a note.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BASELINE_TICK_SOURCE, BaselineStack } from './baseline-stack';
import { emitterGbSecondsPerTick, PRICES } from './cost-model';
import { shardOf } from '../lambda/domain/shards';
import { LocalScheduler } from '../local/src';
import { LocalEventBus } from '../local/src/event-bus-local';
import { LocalFunction } from '../local/src/lambda-local';
import { LocalStack } from '../local/src/local-stack';
import { localAppContext } from '../local/src/template-resolver';
import { VirtualClock } from '../local/src/virtual-clock';

/** Shards of the sharded engine in every workload. */
export const SHARDS = 4;

/** `source` of the Schedule Start commands the benchmark puts. */
export const COMMAND_SOURCE = 'bench.app';
/** Our scheduler's tick source in the benchmark. */
export const OUR_TICK_SOURCE = 'com.bench';

/** perSchedule and sharded are our two engines; baseline is the naive seed design. */
export type Design = 'perSchedule' | 'sharded' | 'baseline';

/** Props of a LocalScheduler run, beside the engine's. */
export interface DesignOptions {
  /** `emitStartedAndCompleted` of our engines (the naive design emits only ticks). Default true. */
  readonly emitStartedAndCompleted?: boolean;
}

/**
 * The props that select the sharded engine with 4 shards, or undefined while `SchedulerEngine` does not exist in
 * src/ (it is being built on another branch). Required, not imported, so the benchmark compiles either way.
 */
export function shardedEngineProps(): Record<string, unknown> | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require('../src');
  const engine = lib.SchedulerEngine;
  if (typeof engine?.sharded !== 'function') return undefined;
  return { engine: engine.sharded({ shards: SHARDS }) };
}

export interface Counters {
  /** Distinct ticks: `(id, runId, sequence)` counted once. */
  readonly ticks: number;
  /** Ticks put on the bus again (at-least-once delivery); each is also a PutEvents entry. */
  readonly duplicateTicks: number;
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  /** Write request units (on demand: 1 per KB written), writes rejected by their condition included (billed too). */
  readonly dynamoWrites: number;
  /** Read request units (on demand: 1 per 4 KB read strongly consistent, half eventually consistent). */
  readonly dynamoReads: number;
  readonly executions: number;
  /** PutEvents entries the design itself put (ticks and lifecycle events; not the benchmark's commands). */
  readonly putEventsEntries: number;
  /** Standard state transitions (billed per transition). */
  readonly standardTransitions: number;
  /** Express state transitions (not billed: Express bills requests and duration); 0 until the local runtime reports them. */
  readonly expressTransitions: number;
  /** Express executions started (billed per request); 0 until the local runtime reports them. */
  readonly expressRequests: number;
  /** Express billed GB-seconds; 0 until the local runtime reports them. */
  readonly expressGbSeconds: number;
  /**
   * Lambda GB-seconds: invocations x each function's memory x the assumed billed duration (PRICES.lambdaAssumedMs),
   * plus, for the sharded engine's emits, the CPU-bound time beyond it (see `emitterCpu`).
   */
  readonly lambdaGbSeconds: number;
}

/**
 * The sharded engine's emitter CPU per tick (bench/emitter-cpu.ts), once measured: an emit of n ticks is billed
 * `max(assumed duration x memory, n x CPU per tick x 1,769 MB per vCPU)`, since Lambda's CPU grows with memory. The
 * runtime cannot see Lambda's billed duration; this is the benchmark's model of it.
 */
let emitterCpuMicrosPerTick = 0;
export function setEmitterCpu(cpuMicrosPerTick: number): void {
  emitterCpuMicrosPerTick = cpuMicrosPerTick;
}

export interface BenchRuntime {
  readonly design: Design;
  readonly clock: VirtualClock;
  /** Real milliseconds of every Lambda invocation so far. */
  readonly lambdaMillis: number[];
  /** Puts `Schedule Start` commands (10 entries per PutEvents) and lets them settle. */
  start(details: object[]): Promise<void>;
  counters(): Counters;
  maxHistoryEventsPerExecution(): number;
  /** Ticks out of sequence (per id, 1, 2, 3...), not after the previous one, or put on the bus more than `maxLateMs` after their scheduledAt or before it. */
  ticksOutOfPlace(maxLateMs: number): number;
  runningExecutions(): number;
  close(): Promise<void>;
}

function timeInvocations(functions: LocalFunction[], into: number[]): void {
  for (const fn of functions) {
    const invoke = fn.invoke.bind(fn);
    fn.invoke = async (event: any) => {
      const t0 = performance.now();
      try {
        return await invoke(event);
      } finally {
        into.push(performance.now() - t0);
      }
    };
  }
}

async function putStarts(bus: LocalEventBus, clock: VirtualClock, details: object[], eventBusName?: string): Promise<void> {
  for (let i = 0; i < details.length; i += 10) {
    const result = bus.putEvents({
      Entries: details.slice(i, i + 10).map((detail) => ({
        Source: COMMAND_SOURCE, DetailType: 'Schedule Start', Detail: JSON.stringify(detail), EventBusName: eventBusName,
      })),
    });
    if (result.FailedEntryCount > 0) throw new Error(`PutEvents failed: ${JSON.stringify(result.Entries)}`);
  }
  await clock.settle();
}

function ticksOutOfPlace(bus: LocalEventBus, tickSource: string, maxLateMs: number): number {
  const last = new Map<string, { sequence: number; at: number }>();
  let wrong = 0;
  for (const event of bus.events()) {
    if (event.source !== tickSource || event.detailType !== 'Schedule Tick') continue;
    const { id, sequence, scheduledAt } = event.detail as { id: string; sequence: number; scheduledAt: string };
    const at = Date.parse(scheduledAt);
    const late = event.time.getTime() - at;
    const previous = last.get(id) ?? { sequence: 0, at: -Infinity };
    if (sequence !== previous.sequence + 1 || !(at > previous.at) || late < 0 || late > maxLateMs) wrong++;
    last.set(id, { sequence, at });
  }
  return wrong;
}

/**
 * Ticks are counted once per `(id, runId, sequence)`, the identity consumers deduplicate on: delivery is at least
 * once, so a tick put twice is one tick and one duplicate (and two PutEvents entries, which `emitted` counts).
 */
function countEvents(bus: LocalEventBus, tickSource: string): { ticks: number; duplicateTicks: number; emitted: number } {
  const seen = new Set<string>();
  let duplicateTicks = 0;
  let emitted = 0;
  for (const event of bus.events()) {
    if (event.source !== tickSource) continue;
    emitted++;
    if (event.detailType !== 'Schedule Tick') continue;
    const { id, runId, sequence } = event.detail as { id: string; runId: string; sequence: number };
    const key = `${id}\n${runId}\n${sequence}`;
    if (seen.has(key)) duplicateTicks++;
    else seen.add(key);
  }
  return { ticks: seen.size, duplicateTicks, emitted };
}

export async function createRuntime(design: Design, now: Date, options: DesignOptions = {}): Promise<BenchRuntime> {
  if (design === 'baseline') return createBaseline(now);
  const engineProps = design === 'sharded' ? shardedEngineProps() : {};
  if (!engineProps) throw new Error('The sharded engine is not in src/ (no SchedulerEngine.sharded)');
  const quiet = options.emitStartedAndCompleted === false ? { emitStartedAndCompleted: false } : {};
  const props = { tickSource: OUR_TICK_SOURCE, ...engineProps, ...quiet };
  const local = await LocalScheduler.create({ props, now });
  return runtimeOf(design, local.stack, OUR_TICK_SOURCE, local.eventBusName);
}

async function createBaseline(now: Date): Promise<BenchRuntime> {
  const app = new App({ context: localAppContext });
  const template = Template.fromStack(new BaselineStack(app, 'BaselineStack')).toJSON();
  const local = await LocalStack.create(template, { stackName: 'BaselineStack', now });
  return runtimeOf('baseline', local, BASELINE_TICK_SOURCE);
}

/**
 * A number the local runtime may report under one of `names` (the Express figures arrive with the local-engines
 * work), else 0.
 */
function reported(stats: object, ...names: string[]): number {
  for (const name of names) {
    const value = (stats as Record<string, unknown>)[name];
    if (typeof value === 'number') return value;
  }
  return 0;
}

/** The memory of the sharded engine's shard function (the one the window invokes), from the template. */
function shardMemoryMb(local: LocalStack): number {
  const fn = local.resolver.functions().find((f) => /ShardFunction/.test(f.logicalId) || /[\/]shard$/.test(f.assetPath ?? ''));
  return fn?.memorySize ?? 512;
}

/**
 * GB-seconds the sharded engine's emits spend on CPU beyond the assumed duration each is already charged: ticks put
 * on the bus in the same virtual second by one shard (4 shards, as `shardedEngineProps`) are one emit.
 */
function emitterCpuBeyondAssumed(bus: LocalEventBus, tickSource: string, memoryMb: number): number {
  if (emitterCpuMicrosPerTick <= 0) return 0;
  const perEmit = new Map<string, number>();
  for (const event of bus.events()) {
    if (event.source !== tickSource || event.detailType !== 'Schedule Tick') continue;
    const key = `${shardOf(String(event.detail.id), SHARDS)}@${Math.floor(event.time.getTime() / 1000)}`;
    perEmit.set(key, (perEmit.get(key) ?? 0) + 1);
  }
  const assumed = (memoryMb / 1024) * (PRICES.lambdaAssumedMs / 1000);
  let extra = 0;
  for (const n of perEmit.values()) extra += Math.max(0, emitterGbSecondsPerTick(emitterCpuMicrosPerTick) * n - assumed);
  return extra;
}

/** Both designs run on a LocalStack: the same counters, read the same way. */
function runtimeOf(design: Design, local: LocalStack, tickSource: string, eventBusName?: string): BenchRuntime {
  const lambdaMillis: number[] = [];
  timeInvocations(local.functions, lambdaMillis);
  // GB per invocation, priced as x86: an arm64 function's GB-seconds cost 0.8 of an x86 one's (cost-model.ts).
  const armFactor = PRICES.lambdaArmPerGbSecond / PRICES.lambdaPerGbSecond;
  const memoryMb = new Map(local.resolver.functions().map((fn) => [fn.arn, fn.memorySize * (fn.architecture === 'arm64' ? armFactor : 1)]));
  return {
    design,
    clock: local.clock,
    lambdaMillis,
    start: (details) => putStarts(local.bus, local.clock, details, eventBusName),
    counters: () => {
      const stats = local.stats();
      const sfn = local.stepFunctions.stats();
      const { ticks, duplicateTicks, emitted } = countEvents(local.bus, tickSource);
      // The shard function is arm64: its GB-seconds at the x86-equivalent price, as the others'.
      const emitterExtra = design === 'sharded' ? emitterCpuBeyondAssumed(local.bus, tickSource, shardMemoryMb(local)) * armFactor : 0;
      const expressTransitions = reported(sfn, 'expressStateTransitions', 'expressTransitions');
      const standardTransitions = reported(sfn, 'standardStateTransitions', 'standardTransitions') || stats.stateTransitions - expressTransitions;
      return {
        ticks,
        duplicateTicks,
        stateTransitions: standardTransitions + expressTransitions,
        standardTransitions,
        expressTransitions,
        expressRequests: reported(sfn, 'expressExecutionsStarted', 'expressRequests'),
        expressGbSeconds: reported(sfn, 'expressGbSeconds', 'expressBilledGbSeconds'),
        lambdaGbSeconds: local.functions.reduce((n, fn) => n + fn.invocations * (memoryMb.get(fn.arn) ?? 128) / 1024, 0)
          * (PRICES.lambdaAssumedMs / 1000) + emitterExtra,
        lambdaInvocations: stats.lambdaInvocations,
        // Capacity units, as on-demand DynamoDB bills them: by item size, failed conditional writes included.
        dynamoWrites: stats.dynamoWriteUnits,
        dynamoReads: stats.dynamoReadUnits,
        executions: stats.executionsStarted,
        putEventsEntries: emitted,
      };
    },
    maxHistoryEventsPerExecution: () => local.stats().maxHistoryEventsPerExecution,
    ticksOutOfPlace: (maxLateMs) => ticksOutOfPlace(local.bus, tickSource, maxLateMs),
    runningExecutions: () => local.stepFunctions.stats().running,
    close: () => local.close(),
  };
}
