/**
 * The per-schedule engine's template does not change when the sharded engine joins it: the stack of
 * test/integ.scheduler.ts, synthesized now (by default and with `engine: SchedulerEngine.perSchedule()`), has the
 * same resources, logical ids and properties as the committed integ snapshot, asset hashes aside (the start and stop
 * bundles gained the sharded branch).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { DynamicScheduler, DynamicSchedulerProps, SchedulerEngine } from '../src';

const SNAPSHOT = path.join(__dirname, 'integ.scheduler.ts.snapshot', 'DynamicSchedulerInteg.template.json');

/** The stack of test/integ.scheduler.ts. */
function integStack(engineProps: Partial<DynamicSchedulerProps>): Record<string, unknown> {
  // integ-runner synthesizes with the currently recommended feature flags; so does this test.
  const app = new App({ context: { ...cxapi.CURRENTLY_RECOMMENDED_FLAGS } });
  const stack = new Stack(app, 'DynamicSchedulerInteg');
  const eventBus = new events.EventBus(stack, 'Bus');
  const scheduler = new DynamicScheduler(stack, 'Scheduler', {
    eventBus,
    tickSource: 'integ.dynamic-scheduler',
    allowedSources: ['integ.client'],
    removalPolicy: RemovalPolicy.DESTROY,
    ...engineProps,
  });
  const ticks = new sqs.Queue(stack, 'Ticks', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
  scheduler.onTick('TicksToQueue', { scheduleId: 'integ:one-minute', target: new targets.SqsQueue(ticks) });
  scheduler.addAlarms();
  scheduler.metricTicksEmitted();
  return Template.fromStack(stack).toJSON().Resources;
}

/** Asset hashes (64 hex digits) replaced, so only the code of the bundles may differ. */
const withoutAssetHashes = (resources: unknown) => JSON.parse(JSON.stringify(resources).replace(/[0-9a-f]{64}/g, '<asset hash>'));

test.each([
  ['by default', {}],
  ['with engine: SchedulerEngine.perSchedule()', { engine: SchedulerEngine.perSchedule() }],
])('the per-schedule template %s is the committed integ snapshot: same resources, logical ids and properties', (_name, props) => {
  const snapshot = JSON.parse(fs.readFileSync(SNAPSHOT, 'utf8')).Resources;
  expect(withoutAssetHashes(integStack(props))).toEqual(withoutAssetHashes(snapshot));
});
