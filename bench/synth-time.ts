/**
 * Synthesis time: a stack with a bus and one DynamicScheduler against a stack with a bus and one
 * `aws-cdk-lib/aws-scheduler` L2 `Schedule` that puts an event on that bus (the EventBridge Scheduler way to tick),
 * each a fresh App synthesized to a fresh temporary directory (asset staging included), alternated, after a warm-up.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { median } from './stats';
import { DynamicScheduler } from '../src';

export interface SynthResult {
  readonly runs: number;
  readonly dynamicSchedulerMsMedian: number;
  readonly awsSchedulerMsMedian: number;
  readonly ratio: number;
  readonly dynamicSchedulerResources: number;
  readonly awsSchedulerResources: number;
  readonly dynamicSchedulerSamples: number[];
  readonly awsSchedulerSamples: number[];
}

type Build = (stack: Stack) => void;

const withDynamicScheduler: Build = (stack) => {
  const eventBus = new events.EventBus(stack, 'Bus');
  new DynamicScheduler(stack, 'Scheduler', { eventBus });
};

const withAwsScheduler: Build = (stack) => {
  const eventBus = new events.EventBus(stack, 'Bus');
  new scheduler.Schedule(stack, 'Schedule', {
    schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
    target: new schedulerTargets.EventBridgePutEvents({
      eventBus,
      source: 'com.example',
      detailType: 'Schedule Tick',
      detail: scheduler.ScheduleTargetInput.fromObject({ id: 'every-minute' }),
    }),
  });
};

function synthOnce(build: Build): { ms: number; resources: number } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    const t0 = performance.now();
    const app = new App({ outdir });
    const stack = new Stack(app, 'BenchStack');
    build(stack);
    const assembly = app.synth();
    const ms = performance.now() - t0;
    const resources = Object.keys(assembly.getStackByName('BenchStack').template.Resources ?? {}).length;
    return { ms, resources };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

export function measureSynth(runs: number): SynthResult {
  for (let i = 0; i < 2; i++) {
    synthOnce(withDynamicScheduler);
    synthOnce(withAwsScheduler);
  }
  const ours: number[] = [];
  const theirs: number[] = [];
  let oursResources = 0;
  let theirResources = 0;
  for (let i = 0; i < runs; i++) {
    const a = synthOnce(withDynamicScheduler);
    const b = synthOnce(withAwsScheduler);
    ours.push(a.ms);
    theirs.push(b.ms);
    oursResources = a.resources;
    theirResources = b.resources;
  }
  const oursMedian = median(ours);
  const theirMedian = median(theirs);
  return {
    runs,
    dynamicSchedulerMsMedian: oursMedian,
    awsSchedulerMsMedian: theirMedian,
    ratio: oursMedian / theirMedian,
    dynamicSchedulerResources: oursResources,
    awsSchedulerResources: theirResources,
    dynamicSchedulerSamples: ours,
    awsSchedulerSamples: theirs,
  };
}
