// The negative control: the same assertion on a stack whose reminder is NOT subscribed must fail, so the harness
// that runs test/ is known to report a consumer that was not invoked.
const assert = require('node:assert');
const { test } = require('node:test');
const { LocalScheduler } = require('cdk-dynamic-scheduler-local');
const { remindersStack } = require('../app');

test('an unsubscribed reminder is not invoked (this test must fail)', async () => {
  const { stack, reminder } = remindersStack({ subscribe: false });
  const local = await LocalScheduler.fromStack(stack, { now: new Date('2030-01-01T00:00:00Z') });
  try {
    await local.put({ source: 'com.app', detailType: 'Schedule Start', detail: { id: 'reminder:ada', every: '10m', limit: 3, payload: { user: 'Ada' } } });
    await local.advanceBy(60 * 60_000);
    assert.strictEqual(local.invocations(reminder).length, 3, 'the reminder should have been invoked 3 times');
  } finally {
    await local.close();
  }
});
