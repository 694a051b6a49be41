/**
 * The two designs under one interface, each on the same local runtime machinery: ours is `LocalScheduler` (the
 * synthesized DynamicScheduler and its shipped bundles), the naive design is `LocalStack` on the `BaselineStack`.
 * Counters are cumulative; a workload takes snapshots and subtracts them.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BASELINE_TICK_SOURCE, BaselineStack } from './baseline-stack';
import { LocalScheduler } from '../local/src';
import { LocalEventBus } from '../local/src/event-bus-local';
import { LocalFunction } from '../local/src/lambda-local';
import { LocalStack } from '../local/src/local-stack';
import { localAppContext } from '../local/src/template-resolver';
import { VirtualClock } from '../local/src/virtual-clock';

/** `source` of the Schedule Start commands the benchmark puts. */
export const COMMAND_SOURCE = 'bench.app';
/** Our scheduler's tick source in the benchmark. */
export const OUR_TICK_SOURCE = 'com.bench';

export type Design = 'ours' | 'baseline';

export interface Counters {
  readonly ticks: number;
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  /** Successful writes plus writes rejected by their condition (DynamoDB bills both). */
  readonly dynamoWrites: number;
  readonly dynamoReads: number;
  readonly executions: number;
  /** PutEvents entries the design itself put (ticks and lifecycle events; not the benchmark's commands). */
  readonly putEventsEntries: number;
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

function countEvents(bus: LocalEventBus, tickSource: string): { ticks: number; emitted: number } {
  let ticks = 0;
  let emitted = 0;
  for (const event of bus.events()) {
    if (event.source !== tickSource) continue;
    emitted++;
    if (event.detailType === 'Schedule Tick') ticks++;
  }
  return { ticks, emitted };
}

export async function createRuntime(design: Design, now: Date): Promise<BenchRuntime> {
  return design === 'ours' ? createOurs(now) : createBaseline(now);
}

async function createOurs(now: Date): Promise<BenchRuntime> {
  const local = await LocalScheduler.create({ props: { tickSource: OUR_TICK_SOURCE }, now });
  return runtimeOf('ours', local.stack, OUR_TICK_SOURCE, local.eventBusName);
}

async function createBaseline(now: Date): Promise<BenchRuntime> {
  const app = new App({ context: localAppContext });
  const template = Template.fromStack(new BaselineStack(app, 'BaselineStack')).toJSON();
  const local = await LocalStack.create(template, { stackName: 'BaselineStack', now });
  return runtimeOf('baseline', local, BASELINE_TICK_SOURCE);
}

/** Both designs run on a LocalStack: the same counters, read the same way. */
function runtimeOf(design: Design, local: LocalStack, tickSource: string, eventBusName?: string): BenchRuntime {
  const lambdaMillis: number[] = [];
  timeInvocations(local.functions, lambdaMillis);
  return {
    design,
    clock: local.clock,
    lambdaMillis,
    start: (details) => putStarts(local.bus, local.clock, details, eventBusName),
    counters: () => {
      const stats = local.stats();
      const { ticks, emitted } = countEvents(local.bus, tickSource);
      return {
        ticks,
        stateTransitions: stats.stateTransitions,
        lambdaInvocations: stats.lambdaInvocations,
        // Failed conditional writes are billed as writes too.
        dynamoWrites: stats.dynamoWrites + stats.dynamoConditionalCheckFailures,
        dynamoReads: stats.dynamoReads,
        executions: stats.executionsStarted,
        putEventsEntries: emitted,
      };
    },
    maxHistoryEventsPerExecution: () => local.stats().maxHistoryEventsPerExecution,
    runningExecutions: () => local.stepFunctions.stats().running,
    close: () => local.close(),
  };
}
