/**
 * Integration test: deploy a scheduler, put a `Schedule Start` on its bus, and wait for the tick to arrive in a
 * queue. `npx projen integ:update` refreshes the snapshot offline (no deploy), `npx projen integ` verifies it offline;
 * to run it for real, with AWS credentials: `npx integ-runner --language typescript --update-on-failed --force`.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DynamicScheduler, ScheduleEvents } from '../src';

const SCHEDULE_ID = 'integ:one-minute';

const app = new App();
const stack = new Stack(app, 'DynamicSchedulerInteg');
const eventBus = new events.EventBus(stack, 'Bus');
const scheduler = new DynamicScheduler(stack, 'Scheduler', {
  eventBus,
  tickSource: 'integ.dynamic-scheduler',
  allowedSources: ['integ.client'],
  removalPolicy: RemovalPolicy.DESTROY,
});
const ticks = new sqs.Queue(stack, 'Ticks', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
scheduler.onTick('TicksToQueue', { scheduleId: SCHEDULE_ID, target: new targets.SqsQueue(ticks) });
// Deploy the opt-in monitoring too, so a real run proves it synthesizes into valid resources.
scheduler.addAlarms();
scheduler.metricTicksEmitted();

const integ = new IntegTest(app, 'DynamicSchedulerIntegTest', {
  testCases: [stack],
  diffAssets: false,
});

// One tick, one minute after the Start is accepted.
const start = ScheduleEvents.start({ id: SCHEDULE_ID, duration: '1m', payload: { from: 'integ' }, source: 'integ.client', eventBusName: eventBus.eventBusName });
const putStart = integ.assertions.awsApiCall('EventBridge', 'putEvents', { Entries: [ScheduleEvents.toPutEventsEntry(start)] });
putStart.expect(ExpectedResult.objectLike({ FailedEntryCount: 0 }));

const receiveTick = integ.assertions.awsApiCall('SQS', 'receiveMessage', {
  QueueUrl: ticks.queueUrl,
  WaitTimeSeconds: 20,
  MaxNumberOfMessages: 10,
});
receiveTick.expect(ExpectedResult.objectLike({
  Messages: Match.arrayWith([Match.objectLike({
    // The body is the whole EventBridge event, as JSON.
    Body: Match.serializedJson(Match.objectLike({
      'source': 'integ.dynamic-scheduler',
      'detail-type': 'Schedule Tick',
      'detail': Match.objectLike({ id: SCHEDULE_ID, sequence: 1, last: true, payload: { from: 'integ' } }),
    })),
  })]),
}));
putStart.next(receiveTick.waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(10) }));
