/**
 * The plan step's pure part: `computePlan` planning a batch of 100 fire times of `*\/5 * * * *` in America/New_York,
 * each run continuing from the previous batch's last tick (as the plan Lambda does), after a warm-up.
 */
import { median, percentile } from './stats';
import { computePlan } from '../lambda/domain/machine-state';
import { parseStartDetail } from '../lambda/domain/schedule-spec';
import { BATCH_SIZE, Cursor, MAX_EXECUTION_AGE_MS } from '../src/contract';

export interface PlanStepResult {
  readonly cron: string;
  readonly timezone: string;
  readonly batchSize: number;
  readonly runs: number;
  readonly msMedian: number;
  readonly msP95: number;
}

export const PLAN_CRON = '*/5 * * * *';
export const PLAN_TIMEZONE = 'America/New_York';

export function measurePlanStep(runs: number): PlanStepResult {
  const now = new Date('2026-03-01T00:00:00.000Z'); // the batches cross the 8 March daylight-saving change
  const parsed = parseStartDetail({ id: 'bench:plan', cron: PLAN_CRON, timezone: PLAN_TIMEZONE }, now);
  if (!parsed.ok) throw new Error(`The plan-step cron was rejected: ${JSON.stringify(parsed.errors)}`);
  const state = { id: parsed.id, runId: 'bench', spec: parsed.spec };
  const deadline = new Date(now.getTime() + MAX_EXECUTION_AGE_MS);
  let cursor: Cursor = { sequence: 0, after: now.toISOString(), executionTicks: 0 };
  const samples: number[] = [];
  const warmUp = 20;
  for (let i = 0; i < warmUp + runs; i++) {
    const t0 = performance.now();
    // `now` is the cursor (the plan runs right after the previous batch's last tick).
    const plan = computePlan(state, cursor, new Date(cursor.after), deadline);
    const ms = performance.now() - t0;
    const ticks = plan.ticks ?? [];
    if (ticks.length !== BATCH_SIZE) throw new Error(`computePlan returned ${ticks.length} ticks, expected ${BATCH_SIZE}`);
    const last = ticks[ticks.length - 1];
    cursor = { sequence: last.sequence, after: last.scheduledAt, executionTicks: 0 };
    if (i >= warmUp) samples.push(ms);
  }
  return { cron: PLAN_CRON, timezone: PLAN_TIMEZONE, batchSize: BATCH_SIZE, runs, msMedian: median(samples), msP95: percentile(samples, 95) };
}
