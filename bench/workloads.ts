/**
 * The workloads, and how each is measured on one design.
 *
 * Every schedule of a workload starts at T0 and ticks at T0 + k * period (k = 1..ticksPerSchedule), so the
 * benchmark knows when the k-th tick is due and snapshots the counters at T0 + (k + 0.5) * period, when tick k and
 * everything it triggered (a plan step, a next execution) has settled and tick k + 1 is pending.
 *
 * - totals: the whole run (Start command to completion) divided by the ticks;
 * - steady state: the counters' difference between two snapshots taken in the same phase, divided by the ticks in
 *   between. The window is [after tick `from`, after tick `to`]: for long schedules from the end of the first batch
 *   (tick 100) to the end of the last full batch (limit - 100), so it contains whole batches, their plan steps and
 *   the hand-overs to new executions, but neither the start (start Lambda, Schedule Started, the first plan) nor the
 *   completion; for the 20-tick schedules, [after the Start, after tick 19], inside the single batch.
 */
import { Counters, createRuntime, Design } from './bench-runtimes';

export const T0 = new Date('2026-01-05T00:00:00.000Z');
const MINUTE = 60_000;

export interface Workload {
  readonly key: string;
  readonly title: string;
  readonly schedules: number;
  readonly ticksPerSchedule: number;
  readonly periodMs: number;
  /** Steady-state window in ticks of each schedule; none for one-shots. */
  readonly window?: { readonly from: number; readonly to: number };
  detail(index: number): object;
}

export function workloads(quick: boolean): Workload[] {
  const cronLimit = quick ? 2_000 : 10_000;
  const everyLimit = quick ? 500 : 5_000;
  const concurrent = quick ? 100 : 1_000;
  const oneShots = quick ? 10 : 100;
  return [
    {
      key: 'cron',
      title: `cron every minute, limit ${cronLimit.toLocaleString('en-US')}`,
      schedules: 1,
      ticksPerSchedule: cronLimit,
      periodMs: MINUTE,
      window: { from: 100, to: cronLimit - 100 },
      detail: () => ({ id: 'cron:every-minute', cron: '* * * * *', limit: cronLimit }),
    },
    {
      key: 'every',
      title: `every 30s, limit ${everyLimit.toLocaleString('en-US')}`,
      schedules: 1,
      ticksPerSchedule: everyLimit,
      periodMs: 30_000,
      window: { from: 100, to: everyLimit - 100 },
      detail: () => ({ id: 'every:30s', every: '30s', limit: everyLimit }),
    },
    {
      key: 'oneShot',
      title: `one-shot duration 90m (x${oneShots}, per schedule)`,
      schedules: oneShots,
      ticksPerSchedule: 1,
      periodMs: 90 * MINUTE,
      detail: (i) => ({ id: `once:${i}`, duration: '90m', payload: { n: i } }),
    },
    {
      key: 'concurrent',
      title: `${concurrent.toLocaleString('en-US')} concurrent schedules x 20 ticks`,
      schedules: concurrent,
      ticksPerSchedule: 20,
      periodMs: MINUTE,
      window: { from: 0, to: 19 },
      detail: (i) => ({ id: `many:${i}`, cron: '* * * * *', limit: 20 }),
    },
  ];
}

/** Per-tick figures (or per schedule for one-shots: one tick each). */
export interface Rates {
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
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
  /** Real time from the first Start to the last completion (the runtime's setup excluded). */
  readonly wallMs: number;
  readonly ticksPerSecond: number;
  readonly lambdaMillis: number[];
}

function minus(a: Counters, b: Counters): Counters {
  const out: any = {};
  for (const k of Object.keys(a) as (keyof Counters)[]) out[k] = a[k] - b[k];
  return out;
}

function rates(c: Counters): Rates {
  const per = (n: number) => (c.ticks > 0 ? n / c.ticks : NaN);
  return {
    stateTransitions: per(c.stateTransitions),
    lambdaInvocations: per(c.lambdaInvocations),
    dynamoWrites: per(c.dynamoWrites),
    dynamoReads: per(c.dynamoReads),
    putEventsEntries: per(c.putEventsEntries),
    executionsPer1000Ticks: per(c.executions) * 1000,
  };
}

export async function runWorkload(design: Design, w: Workload): Promise<WorkloadResult> {
  const runtime = await createRuntime(design, T0);
  try {
    const at = (k: number) => T0.getTime() + (k + 0.5) * w.periodMs;
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
    if (w.window) {
      const from = await snapshotAfterTick(w.window.from);
      const to = await snapshotAfterTick(w.window.to);
      const d = minus(to, from);
      steady = { ...rates(d), ticks: d.ticks };
    }
    // Well past the last tick: every run completes and its executions end.
    await runtime.clock.advanceTo(at(w.ticksPerSchedule) + 3600_000);
    const wallMs = performance.now() - t0;
    const totals = runtime.counters();
    const expected = w.schedules * w.ticksPerSchedule;
    if (totals.ticks !== expected) throw new Error(`${design} ${w.key}: expected ${expected} ticks in all, counted ${totals.ticks}`);
    if (runtime.runningExecutions() !== 0) {
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
      wallMs,
      ticksPerSecond: totals.ticks / (wallMs / 1000),
      lambdaMillis: runtime.lambdaMillis,
    };
  } finally {
    await runtime.close();
  }
}
