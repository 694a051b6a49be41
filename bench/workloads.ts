/**
 * The workloads (issue 11, "Benchmark"), and how each is measured on one design.
 *
 * - `cron-N`: N schedules on cron `* * * * *`, all due at the same second of every minute (aligned);
 * - `every-N`: N schedules `every: '60s'` whose `startAt` is spread evenly over the seconds of a minute;
 * - `oneShot` and `oneShotQuiet`: one-shots (`duration: '90m'`) with and without `Schedule Started`/`Completed`;
 * - `marathon` (full run only): one schedule every second to 100,000 ticks, the end-to-end case moved out of jest
 *   (test/e2e/reliability-long-running.test.ts), with the same checks.
 *
 * Every minute workload ticks its k-th tick of every schedule in [T0 + k min, T0 + k min + 59 s], so the benchmark
 * snapshots the counters at T0 + k min + 59.5 s, when tick k of every schedule and everything it triggered (a plan
 * step, a next execution) has settled and tick k + 1 is pending.
 *
 * - totals: the whole run (Start commands to completion) divided by the ticks;
 * - steady state: the counters' difference between the snapshots after tick `from` and after tick `to`, divided by
 *   the ticks in between: no Start and no completion. In the full run the window of every minute workload holds at
 *   least one whole per-schedule batch of 100 ticks with its plan step; in the quick run (CI) the 100- and
 *   1,000-schedule windows fall inside the first batch, so they leave out the per-schedule plan step (0.01 invocations
 *   and writes per tick).
 */
import { Counters, createRuntime, Design, DesignOptions } from './bench-runtimes';

export const T0 = new Date('2026-01-05T00:00:00.000Z');
const SECOND = 1_000;
const MINUTE = 60 * SECOND;

export interface Workload {
  readonly key: string;
  readonly title: string;
  readonly schedules: number;
  readonly ticksPerSchedule: number;
  /** Tick k of every schedule is done by T0 + k * periodMs + settleMs. */
  readonly periodMs: number;
  readonly settleMs: number;
  /** Steady-state window in ticks of each schedule; none for one-shots. */
  readonly window?: { readonly from: number; readonly to: number };
  /** Designs measured on the local runtime; the others are priced from `extrapolateFrom` or left out. */
  readonly designs: readonly Design[];
  /** For designs not run: the workload whose per-tick counts price this one (labelled "extrapolated"). */
  readonly extrapolateFrom?: string;
  readonly options?: DesignOptions;
  /** The ticks must be put on the bus at their `scheduledAt`, at most this late (ms). */
  readonly maxLateMs?: number;
  /**
   * The sharded engine also runs this workload with this many schedules: the difference between the two runs'
   * counts, per schedule, is the cost that grows with the schedules (priced "at volume"); what remains of the larger
   * run is its fixed cost (the shards' loops and the keeper over the run's hours), which a million one-shots share.
   */
  readonly marginalFrom?: number;
  detail(index: number): object;
}

const ALL: readonly Design[] = ['perSchedule', 'sharded', 'baseline'];
const ENGINES_ONLY: readonly Design[] = ['perSchedule', 'sharded'];

/** Ticks per schedule and the steady window, by schedule count: whole batches in the full run, short in the quick run. */
function minuteShape(schedules: number, quick: boolean): { ticks: number; window: { from: number; to: number } } {
  if (schedules === 1) return quick ? { ticks: 130, window: { from: 10, to: 110 } } : { ticks: 1_200, window: { from: 100, to: 1_100 } };
  if (schedules <= 100) return quick ? { ticks: 15, window: { from: 2, to: 12 } } : { ticks: 220, window: { from: 10, to: 210 } };
  if (schedules <= 1_000) return quick ? { ticks: 5, window: { from: 1, to: 4 } } : { ticks: 120, window: { from: 10, to: 110 } };
  return quick ? { ticks: 3, window: { from: 1, to: 2 } } : { ticks: 10, window: { from: 2, to: 9 } };
}

/**
 * Who runs what. The naive design's per-tick counts do not depend on the number of schedules (every tick is its own
 * execution), and it is slow on the local runtime (about 130 ticks per second of wall time on 2 cores): from 1,000
 * schedules on it is priced from the 100-schedule run. The per-schedule engine (every schedule its own execution)
 * and the sharded engine run 10,000 schedules in the full run only; the quick run prices them from the 1,000-schedule
 * one (for the sharded engine, whose cost per tick falls with the schedules per shard, that is an upper bound).
 */
function designsFor(schedules: number, quick: boolean): { designs: readonly Design[]; from?: (kind: string) => string } {
  if (schedules <= 100) return { designs: ALL };
  // The quick run (CI) runs both engines at 1,000 schedules (the sharded engine's targets are there); at 10,000 only
  // the full run does (10,000 Starts alone take minutes of wall time on this runtime).
  if (schedules <= 1_000) return { designs: ENGINES_ONLY, from: (kind) => `${kind}-100` };
  return { designs: quick ? [] : ENGINES_ONLY, from: (kind) => `${kind}-1000` };
}

export function workloads(quick: boolean): Workload[] {
  const out: Workload[] = [];
  for (const schedules of [1, 100, 1_000, 10_000]) {
    const { ticks, window } = minuteShape(schedules, quick);
    const { designs, from } = designsFor(schedules, quick);
    const count = schedules.toLocaleString('en-US');
    out.push({
      key: `cron-${schedules}`,
      title: `${count} x cron * * * * * (aligned), ${ticks} ticks each`,
      schedules,
      ticksPerSchedule: ticks,
      periodMs: MINUTE,
      settleMs: 59.5 * SECOND,
      window,
      designs,
      extrapolateFrom: from?.('cron'),
      maxLateMs: SECOND,
      detail: (i) => ({ id: `cron:${i}`, cron: '* * * * *', limit: ticks }),
    });
    out.push({
      key: `every-${schedules}`,
      title: `${count} x every 60s (spread over the minute), ${ticks} ticks each`,
      schedules,
      ticksPerSchedule: ticks,
      periodMs: MINUTE,
      settleMs: 59.5 * SECOND,
      window,
      designs,
      extrapolateFrom: from?.('every'),
      maxLateMs: SECOND,
      // `every`'s anchor is its startAt: schedule i first ticks at T0 + 1 min + (i * 60 / N) whole seconds.
      detail: (i) => ({
        id: `every:${i}`,
        every: '60s',
        startAt: new Date(T0.getTime() + MINUTE + Math.floor((i * 60) / schedules) * SECOND).toISOString(),
        limit: ticks,
      }),
    });
  }
  const oneShots = 1_000;
  const oneShot = (key: string, title: string, options: DesignOptions, designs: readonly Design[]): Workload => ({
    key,
    title: `${oneShots.toLocaleString('en-US')} one-shots, duration 90m, ${title} (per one-shot)`,
    schedules: oneShots,
    ticksPerSchedule: 1,
    periodMs: 90 * MINUTE,
    settleMs: 30 * SECOND,
    designs,
    options,
    maxLateMs: SECOND,
    marginalFrom: oneShots / 2,
    detail: (i) => ({ id: `once:${i}`, duration: '90m', payload: { n: i } }),
  });
  out.push(oneShot('oneShot', 'with Started and Completed', {}, ALL));
  // The naive design emits only ticks: its one-shot figures are those of the row above.
  out.push({ ...oneShot('oneShotQuiet', 'emitStartedAndCompleted: false', { emitStartedAndCompleted: false }, ENGINES_ONLY), extrapolateFrom: 'oneShot' });
  if (!quick) {
    out.push({
      key: 'marathon',
      title: 'marathon: every 1s, limit 100,000 (moved from test/e2e)',
      schedules: 1,
      ticksPerSchedule: 100_000,
      periodMs: SECOND,
      settleMs: 500,
      window: { from: 1_000, to: 99_000 },
      designs: ENGINES_ONLY,
      // The per-schedule engine emits every tick at its second; any engine within one second.
      maxLateMs: SECOND,
      detail: () => ({ id: 'marathon', every: '1s', limit: 100_000 }),
    });
  }
  return out;
}

/** Per-tick figures (or per schedule for one-shots: one tick each). */
export interface Rates {
  /** Standard + Express. */
  readonly stateTransitions: number;
  readonly standardTransitions: number;
  readonly expressTransitions: number;
  readonly expressRequests: number;
  readonly expressGbSeconds: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly dynamoWrites: number;
  readonly dynamoReads: number;
  readonly putEventsEntries: number;
  readonly executionsPer1000Ticks: number;
}

export interface WorkloadResult {
  readonly design: Design;
  readonly workload: string;
  readonly ticks: number;
  readonly totals: Counters;
  readonly total: Rates;
  readonly steady?: Rates & { readonly ticks: number };
  readonly maxHistoryEventsPerExecution: number;
  /** Ticks out of sequence, off their scheduledAt, or put on the bus more than `maxLateMs` after it. */
  readonly ticksOutOfPlace: number;
  /** Real time from the first Start to the last completion (the runtime's setup excluded). */
  readonly wallMs: number;
  readonly ticksPerSecond: number;
  /**
   * Ticks per second of real time in the steady window only (its ticks over the wall time between its two
   * snapshots): the runtime's ticking speed, without the Starts and completions (a Lambda invocation and a few SDK
   * calls over HTTP each, which dominate a short run). Undefined without a window.
   */
  readonly steadyTicksPerSecond?: number;
  readonly lambdaMillis: number[];
}

export function minus(a: Counters, b: Counters): Counters {
  const out: any = {};
  for (const k of Object.keys(a) as (keyof Counters)[]) out[k] = a[k] - b[k];
  return out;
}

export function rates(c: Counters): Rates {
  const per = (n: number) => (c.ticks > 0 ? n / c.ticks : NaN);
  return {
    stateTransitions: per(c.stateTransitions),
    standardTransitions: per(c.standardTransitions),
    expressTransitions: per(c.expressTransitions),
    expressRequests: per(c.expressRequests),
    expressGbSeconds: per(c.expressGbSeconds),
    lambdaInvocations: per(c.lambdaInvocations),
    lambdaGbSeconds: per(c.lambdaGbSeconds),
    dynamoWrites: per(c.dynamoWrites),
    dynamoReads: per(c.dynamoReads),
    putEventsEntries: per(c.putEventsEntries),
    executionsPer1000Ticks: per(c.executions) * 1000,
  };
}

export async function runWorkload(design: Design, w: Workload): Promise<WorkloadResult> {
  const runtime = await createRuntime(design, T0, w.options);
  try {
    const at = (k: number) => T0.getTime() + k * w.periodMs + w.settleMs;
    const snapshotAfterTick = async (k: number): Promise<Counters> => {
      if (k > 0) await runtime.clock.advanceTo(at(k));
      const c = runtime.counters();
      const expected = k * w.schedules;
      if (c.ticks !== expected) {
        throw new Error(`${design} ${w.key}: expected ${expected} ticks after tick ${k} of each schedule, counted ${c.ticks}`);
      }
      return c;
    };
    const t0 = performance.now();
    await runtime.start(Array.from({ length: w.schedules }, (_, i) => w.detail(i)));
    let steady: WorkloadResult['steady'];
    let steadyTicksPerSecond: number | undefined;
    if (w.window) {
      const from = await snapshotAfterTick(w.window.from);
      const steadyStart = performance.now();
      const to = await snapshotAfterTick(w.window.to);
      const d = minus(to, from);
      steady = { ...rates(d), ticks: d.ticks };
      steadyTicksPerSecond = d.ticks / ((performance.now() - steadyStart) / 1000);
    }
    // Well past the last tick: every run completes and the per-schedule and naive executions end.
    await runtime.clock.advanceTo(at(w.ticksPerSchedule) + 3600_000);
    const wallMs = performance.now() - t0;
    const totals = runtime.counters();
    const expected = w.schedules * w.ticksPerSchedule;
    if (totals.ticks !== expected) throw new Error(`${design} ${w.key}: expected ${expected} ticks in all, counted ${totals.ticks}`);
    // A sharded engine's supervisors outlive the schedules (an idle shard sleeps); the other designs' executions end.
    if (design !== 'sharded' && runtime.runningExecutions() !== 0) {
      throw new Error(`${design} ${w.key}: ${runtime.runningExecutions()} executions still running after the last tick`);
    }
    return {
      design,
      workload: w.key,
      ticks: totals.ticks,
      totals,
      total: rates(totals),
      steady,
      maxHistoryEventsPerExecution: runtime.maxHistoryEventsPerExecution(),
      ticksOutOfPlace: runtime.ticksOutOfPlace(w.maxLateMs ?? Infinity),
      wallMs,
      ticksPerSecond: totals.ticks / (wallMs / 1000),
      steadyTicksPerSecond,
      lambdaMillis: runtime.lambdaMillis,
    };
  } finally {
    await runtime.close();
  }
}

/**
 * A sharded shard's idle cost: the engine with no schedule for `hours` virtual hours, its counts priced and scaled to
 * a 30-day month, per shard.
 */
export async function measureIdleShards(hours: number): Promise<{ hours: number; totals: Counters }> {
  const runtime = await createRuntime('sharded', T0);
  try {
    await runtime.clock.advanceTo(T0.getTime() + hours * 3600_000);
    return { hours, totals: runtime.counters() };
  } finally {
    await runtime.close();
  }
}
