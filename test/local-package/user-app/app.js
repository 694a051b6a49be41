// The user's app: a bus, a DynamicScheduler, a reminder Lambda subscribed to its ticks, and an audit queue.
const path = require('node:path');
const { App, Stack } = require('aws-cdk-lib');
const events = require('aws-cdk-lib/aws-events');
const targets = require('aws-cdk-lib/aws-events-targets');
const lambda = require('aws-cdk-lib/aws-lambda');
const sqs = require('aws-cdk-lib/aws-sqs');
const { DynamicScheduler, SchedulerEngine } = require('cdk-dynamic-scheduler');

/** `subscribe: false` leaves the reminder unsubscribed (the negative control). */
function remindersStack({ engine = SchedulerEngine.perSchedule(), subscribe = true } = {}) {
  const stack = new Stack(new App(), 'RemindersApp');
  const bus = new events.EventBus(stack, 'Bus');
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus, tickSource: 'com.reminders', engine });
  const reminder = new lambda.Function(stack, 'Reminder', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(__dirname, 'reminder')),
    environment: { GREETING: 'Hello' },
  });
  const audit = new sqs.Queue(stack, 'Audit');
  const rule = subscribe
    ? scheduler.onTick('Reminders', { scheduleIdPrefix: 'reminder:', target: new targets.LambdaFunction(reminder) })
    : scheduler.onTick('Reminders', { scheduleIdPrefix: 'nothing-starts-with-this:' });
  rule.addTarget(new targets.SqsQueue(audit));
  return { stack, scheduler, reminder, rule };
}

module.exports = { remindersStack };
