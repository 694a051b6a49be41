/**
 * The engines every end-to-end suite runs against, and what the suites may assume about each.
 *
 * Every suite is `describe.each(ENGINES)('... on the $name engine', (engine) => ...)`. Inside, behaviour is asserted
 * for every engine: ticks, sequences, `scheduledAt`, `remaining`, `last`, lifecycle events, Rejected errors, the
 * item's `status` and `runId`, fencing outcomes, and that a Stop takes effect within a second. What only one
 * engine's internals make true (how many executions, the item's `executionArn`, hand-overs, history per
 * execution, batches of 100 ticks with a plan step, Lambda invocations per tick) sits behind a capability flag or an
 * expectation below, so a second engine is held to the contract and not to the first engine's implementation.
 */
import { LocalScheduler, LocalSchedulerOptions } from '../../local/src';
import { LocalFunction } from '../../local/src/lambda-local';
import { SchedulerEngine } from '../../src';

export type SchedulerPropsUnderTest = NonNullable<LocalSchedulerOptions['props']>;

export interface EngineUnderTest {
  /** Shown in test names: `... on the per-schedule engine`. */
  readonly name: string;
  /** The `DynamicScheduler` props that select the engine (merged with a test's own props). */
  readonly props: SchedulerPropsUnderTest;
  /**
   * One Standard execution per schedule run, the per-schedule engine's design. Suites assert, only when set:
   * - the executions and their statuses (`local.executions()`, `stats().executionsStarted`): one per run, ABORTED by
   *   a Stop, SUCCEEDED at completion, FAILED with the run;
   * - the item's bookkeeping beyond `status` and `runId`: `executionArn`, `generation`, `ticks`, `reason`, `nextAt`,
   *   `failedExecutionArn`;
   * - the hand-over to a new execution after 1,800 ticks, and commands racing it;
   * - batches of 100 ticks, each followed by a plan step (where a fault injected into the loop's Lambda lands);
   * - a Start calling StartExecution and a Stop calling StopExecution (their dead-letter paths);
   * - an execution failing with the run (`States.Runtime`, failures no Catch sees).
   * @default false
   */
  readonly perScheduleExecutions?: boolean;
  /**
   * Whether the runs over months of virtual time (a 400-day one-shot, a leap-day cron two years out) fit in jest's
   * time. The sharded engine's keeper rule fires every virtual minute: on the local runtime an idle day of 4 shards
   * (1,440 keeper invocations, 96 plans) takes about 7 s of wall time, so a 400-day run would take about 45 minutes.
   * Its long horizons are covered by unit tests of the plan (`test/lambda/domain/shards.test.ts`), and its long
   * ticking by the 3,000-tick test here and the benchmark's 100,000-tick marathon (full run).
   * @default false
   */
  readonly longRunsInJest?: boolean;
  /**
   * One-second ticks in the long-running suite's tick run.
   * @default 3000
   */
  readonly longRunTicks?: number;
  /**
   * Upper bound on Lambda invocations per tick for one schedule ticking every minute, when the engine promises one.
   * @default - not asserted
   */
  readonly maxLambdaInvocationsPerTick?: number;
}

export const ENGINES: readonly EngineUnderTest[] = [
  {
    name: 'per-schedule',
    props: {},
    perScheduleExecutions: true,
    longRunsInJest: true,
    // 1,800 ticks per execution: five hand-overs.
    longRunTicks: 10_000,
    // One plan step (one invocation) per batch of 100 ticks.
    maxLambdaInvocationsPerTick: 0.05,
  },
  // Contract only: no capability flag, so no per-schedule internals are asserted.
  { name: 'sharded', props: { engine: SchedulerEngine.sharded({ shards: 4 }) } },
];

/** `LocalScheduler.create` for an engine: the engine's props first, the test's props over them. */
export function createScheduler(engine: EngineUnderTest, options: LocalSchedulerOptions = {}): Promise<LocalScheduler> {
  return LocalScheduler.create({ ...options, props: { ...engine.props, ...options.props } });
}

/**
 * The Lambda function the engine's state machines invoke (the per-schedule plan step; a sharded engine's shard
 * function): where the suites inject Lambda faults and hooks into the running loop. Found from the synthesized
 * definitions, so no suite names an engine's construct ids.
 */
export function loopFunction(local: LocalScheduler): LocalFunction {
  const definitions = JSON.stringify(local.resolver.stateMachines().map((machine) => machine.definition));
  const invoked = local.functions.filter((fn) => definitions.includes(fn.arn));
  if (invoked.length !== 1) {
    throw new Error(`Expected the state machines to invoke one Lambda function, found ${invoked.length}: ${invoked.map((fn) => fn.name).join(', ')}`);
  }
  return invoked[0];
}

/** Every item of every table of the scheduler (an engine may keep more than one). */
export async function allItems(local: LocalScheduler): Promise<unknown[]> {
  const tables = local.resolver.tables().map((table) => table.name);
  const items = await Promise.all(tables.map((name) => local.dynamo.scan(name)));
  // A shard's own state item (`shard#<n>`/`state`) is the engine's bookkeeping, written by its keeper whatever
  // commands arrive; every item a command could write (schedules, roster entries, slots, markers) still counts.
  return items.flat().filter((item: any) => !(typeof item?.pk === 'string' && item.pk.startsWith('shard#') && item.sk === 'state'));
}
