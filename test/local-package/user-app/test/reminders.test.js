// The user's test, run with plain `node --test`: the app's stack, run offline by cdk-dynamic-scheduler-local.
const assert = require('node:assert');
const { afterEach, test } = require('node:test');
const { SchedulerEngine } = require('cdk-dynamic-scheduler');
const { LocalScheduler } = require('cdk-dynamic-scheduler-local');
const { remindersStack } = require('../app');

let local;
afterEach(async () => {
  await local?.close();
  local = undefined;
});

for (const [name, engine] of [['per-schedule', SchedulerEngine.perSchedule()], ['sharded', SchedulerEngine.sharded({ shards: 2 })]]) {
  test(`a reminder every 10 minutes, 3 times, reaches the consumer with its payload (${name} engine)`, async () => {
    const { stack, reminder, rule } = remindersStack({ engine });
    local = await LocalScheduler.fromStack(stack, { now: new Date('2030-01-01T00:00:00Z') });

    await local.put({
      source: 'com.app',
      detailType: 'Schedule Start',
      detail: { id: 'reminder:ada', every: '10m', limit: 3, payload: { user: 'Ada' } },
    });
    await local.advanceBy(60 * 60_000);

    const calls = local.invocations(reminder);
    assert.deepStrictEqual(calls.map((call) => call.result), [1, 2, 3].map((sequence) => ({ text: 'Hello, Ada', sequence })));
    assert.deepStrictEqual(calls.map((call) => call.event.time), ['2030-01-01T00:10:00Z', '2030-01-01T00:20:00Z', '2030-01-01T00:30:00Z']);
    assert.strictEqual((await local.item('reminder:ada')).status, 'COMPLETED');
    const audit = local.deliveries(rule).filter((delivery) => /:sqs:/.test(delivery.targetArn));
    assert.strictEqual(audit.length, 3);
    assert.match(audit[0].note, /an SQS queue: recorded, not sent/);
    console.log(`REMINDED ${name}: ${calls.map((call) => `tick ${call.result.sequence} ${call.result.text}`).join(', ')}`);
  });
}

test('a schedule whose id is not a reminder\'s ticks, and no reminder is invoked', async () => {
  const { stack, reminder } = remindersStack();
  local = await LocalScheduler.fromStack(stack, { now: new Date('2030-01-01T00:00:00Z') });

  await local.put({ source: 'com.app', detailType: 'Schedule Start', detail: { id: 'invoice:7', duration: '1m' } });
  await local.advanceBy(5 * 60_000);

  assert.strictEqual(local.ticks('invoice:7').length, 1);
  assert.deepStrictEqual(local.invocations(reminder), []);
});
