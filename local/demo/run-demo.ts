/**
 * The README's main job: run a stack with a DynamicScheduler end to end on this machine, under a virtual clock, and
 * print a timeline of every event on the bus. It uses the local package's public API, as a user's test would: the
 * demo builds its own stack (a bus, a scheduler, a reminder function subscribed to the reminders' ticks) and runs it
 * with `LocalScheduler.fromStack`.
 *
 *   npm run demo
 */
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamicScheduler } from '../../src';
import { LocalScheduler } from '../src';

const START = new Date('2026-03-27T12:00:00.000Z');
const HOUR = 3600_000;

/** The app under test: what a user deploys. */
function demoStack(): { stack: Stack; reminder: lambda.Function } {
  const stack = new Stack(new App(), 'Demo');
  const bus = new events.EventBus(stack, 'Bus', { eventBusName: 'demo-bus' });
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus, tickSource: 'com.demo' });
  const reminder = new lambda.Function(stack, 'Reminder', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline(
      'exports.handler = async (event) => `${process.env.PREFIX} ${event.detail.payload.text} (user ${event.detail.payload.user})`;'),
    environment: { PREFIX: 'Reminder:' },
  });
  scheduler.onTick('Reminders', { scheduleIdPrefix: 'reminder:', target: new targets.LambdaFunction(reminder) });
  return { stack, reminder };
}

async function main(): Promise<void> {
  const wall = Date.now();
  console.log('Synthesizing a stack with a DynamicScheduler and a reminder function, and starting the local runtime...');
  const { stack, reminder } = demoStack();
  const local = await LocalScheduler.fromStack(stack, { now: START });
  const wallStart = performance.now();
  try {
    // A daily 09:00 in Rome, three times, across the spring daylight-saving change (29 March).
    await local.put({
      source: 'demo.app',
      detailType: 'Schedule Start',
      detail: { id: 'standup', cron: '0 9 * * *', timezone: 'Europe/Rome', limit: 3 },
    });
    // A one-shot reminder in 90 minutes, for the reminder function.
    await local.put({
      source: 'demo.app',
      detailType: 'Schedule Start',
      detail: { id: 'reminder:42', duration: '90m', payload: { user: 42, text: 'Stretch your legs' } },
    });
    // An interval with a payload, stopped after 35 minutes.
    await local.put({
      source: 'demo.app',
      detailType: 'Schedule Start',
      detail: { id: 'poll:orders', every: '10m', payload: { queue: 'orders' } },
    });
    // Bad input is rejected, never fired.
    await local.put({ source: 'demo.app', detailType: 'Schedule Start', detail: { id: 'oops', duration: '5' } });

    await local.advanceBy(35 * 60_000);
    await local.put({ source: 'demo.app', detailType: 'Schedule Stop', detail: { id: 'poll:orders' } });
    await local.advanceBy(4 * 24 * HOUR);

    printTimeline(local);
    printReminders(local, reminder);
    printSummary(local, performance.now() - wallStart);
  } finally {
    await local.close();
  }
  console.log(`\nDone in ${((Date.now() - wall) / 1000).toFixed(1)} s of wall time.`);
}

function printReminders(local: LocalScheduler, reminder: lambda.IFunction): void {
  console.log('\nThe reminder function (subscribed with scheduler.onTick(\'Reminders\', { scheduleIdPrefix: \'reminder:\' })):\n');
  for (const call of local.invocations(reminder)) {
    console.log(`${call.time.toISOString().padEnd(24)}  ${call.event.detail.id.padEnd(12)}  ${call.error ? `failed: ${call.error.errorMessage}` : `returned ${JSON.stringify(call.result)}`}`);
  }
}

function printTimeline(local: LocalScheduler): void {
  console.log('\nTimeline of the bus (virtual time, UTC):\n');
  console.log(`${'time'.padEnd(24)}  ${'source'.padEnd(9)}  ${'detail-type'.padEnd(18)}  ${'id'.padEnd(12)}  details`);
  console.log('-'.repeat(100));
  for (const event of local.events()) {
    const d = event.detail ?? {};
    const details = describe(event.detailType, d);
    console.log(`${event.time.toISOString().padEnd(24)}  ${event.source.padEnd(9)}  ${event.detailType.padEnd(18)}  ${String(d.id ?? '-').padEnd(12)}  ${details}`);
  }
}

function describe(detailType: string, d: any): string {
  switch (detailType) {
    case 'Schedule Tick':
      return `#${d.sequence} scheduledAt ${d.scheduledAt}${d.remaining !== undefined ? ` remaining ${d.remaining}` : ''}${d.last ? ' last' : ''}${d.payload !== undefined ? ` payload ${JSON.stringify(d.payload)}` : ''}`;
    case 'Schedule Started':
      return `${d.kind} "${d.expression}" next ${d.nextAt}`;
    case 'Schedule Completed':
      return `${d.ticks} ticks, reason ${d.reason}`;
    case 'Schedule Stopped':
      return `${d.ticks} ticks`;
    case 'Schedule Start': {
      const timing = ['cron', 'every', 'duration', 'at'].filter((k) => d[k] !== undefined).map((k) => `${k} "${d[k]}"`).join(' ');
      const extras = ['timezone', 'limit'].filter((k) => d[k] !== undefined).map((k) => `${k} ${d[k]}`);
      return [timing, ...extras, d.payload !== undefined ? `payload ${JSON.stringify(d.payload)}` : ''].filter(Boolean).join(', ');
    }
    case 'Schedule Stop':
      return '';
    case 'Schedule Rejected':
      return (d.errors ?? []).map((e: any) => e.message).join('; ');
    default:
      return JSON.stringify(d).slice(0, 60);
  }
}

function printSummary(local: LocalScheduler, wallMs: number): void {
  const ticks = local.ticks();
  const stats = local.stats();
  const perId = new Map<string, number>();
  for (const tick of ticks) perId.set(tick.id, (perId.get(tick.id) ?? 0) + 1);
  console.log('\nSummary');
  console.log(`  ticks                 ${ticks.length} (${[...perId].map(([id, n]) => `${id}: ${n}`).join(', ')})`);
  console.log(`  executions started    ${stats.executionsStarted}`);
  console.log(`  state transitions     ${stats.stateTransitions}`);
  console.log(`  Lambda invocations    ${stats.lambdaInvocations}`);
  console.log(`  DynamoDB writes       ${stats.dynamoWrites}`);
  console.log(`  max history events    ${stats.maxHistoryEventsPerExecution} per execution`);
  console.log(`  virtual time          ${local.now().toISOString()}`);
  console.log(`  wall time             ${(wallMs / 1000).toFixed(2)} s`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
