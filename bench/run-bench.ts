/**
 * The benchmark: cost and performance of the scheduler on the local runtime, side by side with the naive (seed)
 * design, in one run. Prints one table and writes the same figures as JSON to $BENCH_OUT (default
 * .bench/results.json), with a `targets` array of { name, value, limit, pass }.
 *
 *   npm run bench                 # full run (under ~10 minutes)
 *   BENCH_QUICK=1 npm run bench   # short run (CI)
 *
 * A failed target is reported, not fatal: the process exits 0 unless the benchmark itself crashed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Design } from './bench-runtimes';
import { BundleResult, measureBundles } from './bundle-load';
import { costPerMillionTicks, CostBreakdown, eventBridgeSchedulerPerMillionTicks, PRICES } from './cost-model';
import { measureCronSpeed } from './cron-speed';
import { measurePlanStep } from './plan-step';
import { fixed, renderTable, Row, section, times, usd } from './report-table';
import { median } from './stats';
import { measureSynth } from './synth-time';
import { Rates, runWorkload, Workload, WorkloadResult, workloads } from './workloads';

const QUICK = process.env.BENCH_QUICK === '1';
const ROOT = path.resolve(__dirname, '..');
const OUT = path.resolve(ROOT, process.env.BENCH_OUT || '.bench/results.json');

const LIMITS = {
  transitionsPerTick: 2.05,
  lambdaPerTick: 0.02,
  dynamoWritesPerTick: 0.02,
  historyEvents: 20_000,
  bundleKib: 200,
  bundleLoadMs: 60,
  synthRatio: 3,
  ticksPerSecond: 1_000,
  cronSpeedupOverCroner: 10,
} as const;

interface Target {
  readonly name: string;
  readonly value: number;
  readonly limit: number;
  readonly comparison: '<=' | '>=';
  readonly pass: boolean;
}

const targets: Target[] = [];

/** Records a target and returns its table cells. */
function check(name: string, value: number, comparison: '<=' | '>=', limit: number): Pick<Row, 'target' | 'result'> {
  const pass = Number.isFinite(value) && (comparison === '<=' ? value <= limit : value >= limit);
  targets.push({ name, value, limit, comparison, pass });
  return { target: `${comparison === '<=' ? '<=' : '>='} ${limit.toLocaleString('en-US')}`, result: pass ? 'PASS' : 'FAIL' };
}

function ratio(ours: number, naive: number): number {
  if (naive === 0) return ours === 0 ? 1 : Infinity;
  return ours / naive;
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

interface Pair {
  readonly workload: Workload;
  readonly ours: WorkloadResult;
  readonly naive: WorkloadResult;
}

function workloadRows(pair: Pair): Row[] {
  const { workload: w, ours, naive } = pair;
  const oneShot = w.ticksPerSchedule === 1;
  const unit = oneShot ? 'schedule' : 'tick';
  const label = w.key;
  const rows: Row[] = [section(`${w.title}: ours ${ours.ticks.toLocaleString('en-US')} ticks, naive ${naive.ticks.toLocaleString('en-US')} ticks`)];
  const pairRow = (figure: string, a: number, b: number, digits: number, extra: Partial<Row> = {}): Row => ({
    figure, workload: label, ours: fixed(a, digits), naive: fixed(b, digits), ratio: times(ratio(a, b)), ...extra,
  });
  const steadyTarget = (figure: string, key: keyof Rates, limit: number) => {
    if (!ours.steady || !naive.steady) return {};
    return check(`${figure}, steady state (${w.title})`, ours.steady[key], '<=', limit);
  };
  const perRates = (figure: string, key: keyof Rates, digits: number, limit?: number) => {
    rows.push(pairRow(`${figure} / ${unit}, total`, ours.total[key], naive.total[key], digits));
    if (ours.steady && naive.steady) {
      rows.push(pairRow(`${figure} / ${unit}, steady`, ours.steady[key], naive.steady[key], digits,
        limit !== undefined ? steadyTarget(`${figure} per tick`, key, limit) : {}));
    }
  };
  perRates('state transitions', 'stateTransitions', 4, LIMITS.transitionsPerTick);
  perRates('Lambda invocations', 'lambdaInvocations', 4, LIMITS.lambdaPerTick);
  perRates('DynamoDB writes', 'dynamoWrites', 4, LIMITS.dynamoWritesPerTick);
  rows.push(pairRow(`DynamoDB reads / ${unit}, total`, ours.total.dynamoReads, naive.total.dynamoReads, 4));
  rows.push(pairRow(`PutEvents entries / ${unit}, total`, ours.total.putEventsEntries, naive.total.putEventsEntries, 4));
  rows.push(pairRow('executions / 1,000 ticks, total', ours.total.executionsPer1000Ticks, naive.total.executionsPer1000Ticks, 2));
  if (ours.steady && naive.steady) {
    rows.push(pairRow('executions / 1,000 ticks, steady', ours.steady.executionsPer1000Ticks, naive.steady.executionsPer1000Ticks, 2));
  }
  rows.push(pairRow('max history events / execution', ours.maxHistoryEventsPerExecution, naive.maxHistoryEventsPerExecution, 0,
    check(`max history events per execution (${w.title})`, ours.maxHistoryEventsPerExecution, '<=', LIMITS.historyEvents)));
  rows.push(pairRow('local runtime ticks / s (wall)', ours.ticksPerSecond, naive.ticksPerSecond, 0));
  return rows;
}

function costRows(pairs: Pair[]): { rows: Row[]; json: Record<string, { ours: CostBreakdown; naive: CostBreakdown }> } {
  const ebs = eventBridgeSchedulerPerMillionTicks();
  const rows: Row[] = [section(`cost, USD per million ticks (list prices; Lambda ${PRICES.lambdaMemoryMb} MB x ${PRICES.lambdaAssumedMs} ms assumed per invocation; DynamoDB 1 WRU per write, 1 RRU per read)`)];
  const json: Record<string, { ours: CostBreakdown; naive: CostBreakdown }> = {};
  const cron = pairs.find((p) => p.workload.key === 'cron')!;
  const cronOurs = costPerMillionTicks(cron.ours.steady!);
  const cronNaive = costPerMillionTicks(cron.naive.steady!);
  json['cron, steady'] = { ours: cronOurs, naive: cronNaive };
  const parts: [keyof CostBreakdown, string][] = [
    ['stepFunctions', 'Step Functions ($25/M transitions)'],
    ['lambda', 'Lambda ($0.20/M + GB-s)'],
    ['eventBridge', 'EventBridge ($1/M entries)'],
    ['dynamoDb', 'DynamoDB ($1.25/M WRU, $0.25/M RRU)'],
    ['total', 'total'],
  ];
  for (const [key, figure] of parts) {
    rows.push({
      figure,
      workload: 'cron, steady',
      ours: usd(cronOurs[key]),
      naive: usd(cronNaive[key]),
      ratio: times(ratio(cronOurs[key], cronNaive[key])),
      ebScheduler: key === 'total' ? usd(ebs) : undefined,
    });
  }
  for (const p of pairs.filter((x) => x !== cron)) {
    const scope = p.ours.steady ? 'steady' : 'total';
    const useTotal = p.workload.ticksPerSchedule <= 20;
    const o = costPerMillionTicks(useTotal ? p.ours.total : p.ours.steady!);
    const n = costPerMillionTicks(useTotal ? p.naive.total : p.naive.steady!);
    const name = `${p.workload.key}, ${useTotal ? 'total' : scope}`;
    json[name] = { ours: o, naive: n };
    rows.push({
      figure: p.workload.ticksPerSchedule === 1 ? 'total per million one-shots' : 'total',
      workload: name,
      ours: usd(o.total),
      naive: usd(n.total),
      ratio: times(ratio(o.total, n.total)),
      ebScheduler: usd(ebs),
    });
  }
  rows.push({ figure: 'ours / EventBridge Scheduler (cron, steady)', workload: 'cron, steady', ours: times(cronOurs.total / ebs) });
  return { rows, json };
}

function bundleRows(bundles: BundleResult[]): Row[] {
  const rows: Row[] = [section('bundles (assets/lambda/handlers/*/index.js; KB = 1,024 bytes; load = require() timed inside a fresh node, median)')];
  for (const b of bundles) {
    const kind = b.lambdaHandler ? b.name : `${b.name} (not a handler)`;
    rows.push({
      figure: 'bundle size, KB',
      workload: kind,
      ours: fixed(b.kib, 1),
      ...(b.lambdaHandler ? check(`handler bundle size KB (${b.name})`, b.kib, '<=', LIMITS.bundleKib) : {}),
    });
    rows.push({
      figure: `load time, ms (median of ${b.runs})`,
      workload: kind,
      ours: fixed(b.loadMsMedian, 1),
      ...(b.lambdaHandler ? check(`handler bundle load ms, median (${b.name})`, b.loadMsMedian, '<=', LIMITS.bundleLoadMs) : {}),
    });
    if (b.sdkPackages.length > 0) {
      rows.push({ figure: `  of which ${b.sdkPackages.length} @aws-sdk packages alone`, workload: kind, ours: fixed(b.sdkLoadMsMedian, 1) });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = os.loadavg();
  progress(`${QUICK ? 'quick' : 'full'} run; results to ${displayPath(OUT)}`);

  const bundleRuns = QUICK ? 10 : 15;
  progress(`bundles: ${bundleRuns} fresh processes each`);
  const bundles = measureBundles(ROOT, bundleRuns);

  const synthRuns = QUICK ? 5 : 9;
  progress(`synth: ${synthRuns} fresh apps each`);
  const synth = measureSynth(synthRuns);

  const planRuns = QUICK ? 50 : 300;
  progress(`plan step: ${planRuns} batches`);
  const plan = measurePlanStep(planRuns);

  const cronSpeedRuns = QUICK ? 1 : 5;
  progress(`cron speed: 10,000 fire times, ours and croner, ${cronSpeedRuns} runs`);
  const cronSpeed = measureCronSpeed(cronSpeedRuns);

  const pairs: Pair[] = [];
  for (const w of workloads(QUICK)) {
    const result: Partial<Record<Design, WorkloadResult>> = {};
    for (const design of ['ours', 'baseline'] as Design[]) {
      progress(`${w.title}: ${design}`);
      result[design] = await runWorkload(design, w);
    }
    pairs.push({ workload: w, ours: result.ours!, naive: result.baseline! });
  }

  // ---- the table
  const rows: Row[] = [];
  for (const pair of pairs) rows.push(...workloadRows(pair));
  const cost = costRows(pairs);
  rows.push(...cost.rows);
  const oursMs = median(pairs.flatMap((p) => p.ours.lambdaMillis));
  const naiveMs = median(pairs.flatMap((p) => p.naive.lambdaMillis));
  rows.push({ figure: 'Lambda handler time, local median ms (info)', workload: 'all', ours: fixed(oursMs, 1), naive: fixed(naiveMs, 1), ratio: times(ratio(oursMs, naiveMs)) });
  rows.push(...bundleRows(bundles));

  rows.push(section(`synth (fresh App, app.synth() to a temp dir, median of ${synth.runs}, alternated after 2 warm-ups)`));
  rows.push({
    figure: 'synth time, ms',
    workload: `${synth.dynamicSchedulerResources} vs ${synth.awsSchedulerResources} resources`,
    ours: fixed(synth.dynamicSchedulerMsMedian, 1),
    ebScheduler: fixed(synth.awsSchedulerMsMedian, 1),
  });
  rows.push({ figure: 'synth ratio to aws-scheduler Schedule stack', workload: 'bus + 1 schedule', ours: times(synth.ratio), ...check('synth time ratio to an aws-scheduler Schedule stack', synth.ratio, '<=', LIMITS.synthRatio) });

  rows.push(section(`plan step (computePlan, ${plan.batchSize} fire times of "${plan.cron}" in ${plan.timezone}, ${plan.runs} batches)`));
  rows.push({ figure: 'plan step time, ms median', workload: 'cron in a time zone', ours: fixed(plan.msMedian, 3) });
  rows.push({ figure: 'plan step time, ms p95', workload: 'cron in a time zone', ours: fixed(plan.msP95, 3) });

  rows.push(section(`cron fire times (${cronSpeed.count.toLocaleString('en-US')} fire times a cron, ours vs croner, median of ${cronSpeed.runs})`));
  for (const r of cronSpeed.rows) {
    rows.push({ figure: 'time, ms (naive column: croner)', workload: `${r.expression} in ${r.timezone}`, ours: fixed(r.oursMs, 1), naive: fixed(r.cronerMs, 1), ratio: times(r.oursMs / r.cronerMs) });
  }
  rows.push({ figure: 'time, ms, all crons (naive column: croner)', workload: `${cronSpeed.rows.length} crons`, ours: fixed(cronSpeed.oursMsTotal, 1), naive: fixed(cronSpeed.cronerMsTotal, 1) });
  rows.push({
    figure: 'speed-up over croner (croner time / ours)',
    workload: `${cronSpeed.rows.length} crons`,
    ours: times(cronSpeed.speedup),
    ...check('cron fire times: croner time / our time', cronSpeed.speedup, '>=', LIMITS.cronSpeedupOverCroner),
  });

  const sumTicks = (d: 'ours' | 'naive') => pairs.reduce((n, p) => n + p[d].ticks, 0);
  const sumWall = (d: 'ours' | 'naive') => pairs.reduce((n, p) => n + p[d].wallMs, 0);
  const oursTps = sumTicks('ours') / (sumWall('ours') / 1000);
  const naiveTps = sumTicks('naive') / (sumWall('naive') / 1000);
  rows.push(section('local runtime speed (all workloads: ticks / wall time from the first Start to the last completion)'));
  rows.push({
    figure: 'ticks per second of wall time',
    workload: 'all',
    ours: fixed(oursTps, 0),
    naive: fixed(naiveTps, 0),
    ratio: times(ratio(oursTps, naiveTps)),
    ...check('local runtime ticks per second of wall time (all our workloads)', oursTps, '>=', LIMITS.ticksPerSecond),
  });

  const wallSeconds = (performance.now() - started) / 1000;
  const table = renderTable(rows);
  const failed = targets.filter((t) => !t.pass);
  console.log(table);
  console.log('');
  console.log('total = from the Start command to completion, divided by the ticks (one-shots: per schedule).');
  console.log('steady = counter differences between two snapshots in the same phase, after the first batch and before the last one');
  console.log('  (ticks 100 to limit-100: whole batches with their plan steps and hand-overs; the 20-tick schedules: after the Start');
  console.log('  to tick 19, inside their single batch), so the start and completion overhead is excluded.');
  console.log(`targets: ${targets.length - failed.length} pass, ${failed.length} fail`);
  for (const t of failed) console.log(`  FAIL ${t.name}: ${fixed(t.value, 2)} (target ${t.comparison} ${t.limit})`);
  const loadAfter = os.loadavg();
  console.log(`${QUICK ? 'quick' : 'full'} run, wall time ${wallSeconds.toFixed(1)} s on ${os.cpus().length} CPUs (1-minute load average `
    + `${loadBefore[0].toFixed(1)} at start, ${loadAfter[0].toFixed(1)} at end: timings are noisy on a busy machine); JSON: ${displayPath(OUT)}`);

  const summarize = (r: WorkloadResult) => ({
    ...r,
    lambdaMillis: undefined,
    lambdaMsMedian: median(r.lambdaMillis),
    lambdaInvocationsTimed: r.lambdaMillis.length,
  });
  const json = {
    generatedAt: new Date().toISOString(),
    mode: QUICK ? 'quick' : 'full',
    wallSeconds,
    environment: {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      loadAverage1m: { start: loadBefore[0], end: loadAfter[0] },
    },
    definitions: {
      total: 'whole run (Start to completion) / ticks; one-shots per schedule',
      steady: 'difference of counters between snapshots after tick `from` and after tick `to` of each schedule, / ticks in between',
      dynamoWrites: 'successful writes + writes rejected by their condition (both billed)',
      putEventsEntries: 'entries the design put itself (ticks and lifecycle events), not the benchmark\'s Start commands',
    },
    prices: PRICES,
    workloads: pairs.map((p) => ({
      key: p.workload.key,
      title: p.workload.title,
      schedules: p.workload.schedules,
      ticksPerSchedule: p.workload.ticksPerSchedule,
      window: p.workload.window,
      ours: summarize(p.ours),
      naive: summarize(p.naive),
      ratios: {
        totalStateTransitions: ratio(p.ours.total.stateTransitions, p.naive.total.stateTransitions),
        totalLambdaInvocations: ratio(p.ours.total.lambdaInvocations, p.naive.total.lambdaInvocations),
        totalDynamoWrites: ratio(p.ours.total.dynamoWrites, p.naive.total.dynamoWrites),
        executionsPer1000Ticks: ratio(p.ours.total.executionsPer1000Ticks, p.naive.total.executionsPer1000Ticks),
        ...(p.ours.steady && p.naive.steady ? {
          steadyStateTransitions: ratio(p.ours.steady.stateTransitions, p.naive.steady.stateTransitions),
          steadyLambdaInvocations: ratio(p.ours.steady.lambdaInvocations, p.naive.steady.lambdaInvocations),
          steadyDynamoWrites: ratio(p.ours.steady.dynamoWrites, p.naive.steady.dynamoWrites),
        } : {}),
      },
    })),
    costPerMillionTicks: { ...cost.json, eventBridgeScheduler: eventBridgeSchedulerPerMillionTicks() },
    lambdaHandlerMsLocalMedian: { ours: oursMs, naive: naiveMs },
    bundles,
    synth,
    planStep: plan,
    cronSpeed,
    localRuntime: { oursTicksPerSecond: oursTps, naiveTicksPerSecond: naiveTps },
    table: rows,
    targets,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(json, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
