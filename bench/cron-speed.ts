/**
 * Speed of fire-time computation: 10,000 fire times of a few crons in time zones, ours (lambda/domain/cron) and
 * croner's (the oracle of test/lambda/domain/cron/cron-oracle.test.ts), each the median of several alternated runs
 * after a warm-up. Both must give the same instants, so the comparison is like for like.
 */
import { Cron, CronOptions } from 'croner';
import { median } from './stats';
import { cronOccurrencesAfter, parseCron } from '../lambda/domain/cron';

export const CRON_SPEED_COUNT = 10_000;

interface SpeedCase {
  readonly expression: string;
  readonly timezone: string;
  /** croner's pattern and options for the same schedule. */
  readonly pattern: string;
  readonly options: CronOptions;
}

const CASES: readonly SpeedCase[] = [
  { expression: '*/5 * * * *', timezone: 'America/New_York', pattern: '*/5 * * * *', options: { mode: '5-part', domAndDow: true } },
  { expression: '0 9 * * MON-FRI', timezone: 'Europe/Rome', pattern: '0 9 * * MON-FRI', options: { mode: '5-part', domAndDow: true } },
  { expression: '30 2 * * *', timezone: 'America/New_York', pattern: '30 2 * * *', options: { mode: '5-part', domAndDow: true, fixedTimeRule: 'no-wildcard' } },
  {
    expression: 'cron(0/15 8-17 ? * MON-FRI *)',
    timezone: 'Australia/Sydney',
    pattern: '0 0/15 8-17 * * MON-FRI *',
    options: { mode: '7-part', domAndDow: true, alternativeWeekdays: true, sloppyRanges: true },
  },
];

export interface CronSpeedRow {
  readonly expression: string;
  readonly timezone: string;
  readonly oursMs: number;
  readonly cronerMs: number;
  /** croner time / our time. */
  readonly speedup: number;
}

export interface CronSpeedResult {
  readonly count: number;
  readonly runs: number;
  readonly rows: readonly CronSpeedRow[];
  readonly oursMsTotal: number;
  readonly cronerMsTotal: number;
  /** croner's total time / ours. */
  readonly speedup: number;
}

const START = new Date('2026-01-01T00:00:00.000Z');

function ours(c: SpeedCase): number[] {
  const parsed = parseCron(c.expression);
  if (!parsed.ok) throw new Error(parsed.message);
  return cronOccurrencesAfter(parsed.cron, c.timezone, START, CRON_SPEED_COUNT, undefined, parsed.years).map((d) => d.getTime());
}

function croners(c: SpeedCase): number[] {
  const job = new Cron(c.pattern, { ...c.options, timezone: c.timezone, paused: true });
  return job.nextRuns(CRON_SPEED_COUNT, START).map((d) => d.getTime());
}

function timed(fn: () => number[]): { ms: number; result: number[] } {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

export function measureCronSpeed(runs: number): CronSpeedResult {
  const rows = CASES.map((c) => {
    // Warm-up of ours: the compiled expression and zone offsets are cached, as across batches in a warm Lambda.
    const expected = ours(c);
    const oursSamples: number[] = [];
    const cronerSamples: number[] = [];
    for (let i = 0; i < runs; i++) {
      oursSamples.push(timed(() => ours(c)).ms);
      const theirs = timed(() => croners(c));
      cronerSamples.push(theirs.ms);
      if (expected.length !== CRON_SPEED_COUNT || expected.some((t, k) => t !== theirs.result[k])) {
        throw new Error(`ours and croner disagree on ${c.expression} in ${c.timezone}; the speed comparison would not be like for like`);
      }
    }
    const oursMs = median(oursSamples);
    const cronerMs = median(cronerSamples);
    return { expression: c.expression, timezone: c.timezone, oursMs, cronerMs, speedup: cronerMs / oursMs };
  });
  const oursMsTotal = rows.reduce((n, r) => n + r.oursMs, 0);
  const cronerMsTotal = rows.reduce((n, r) => n + r.cronerMs, 0);
  return { count: CRON_SPEED_COUNT, runs, rows, oursMsTotal, cronerMsTotal, speedup: cronerMsTotal / oursMsTotal };
}
