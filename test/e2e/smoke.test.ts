import { LocalScheduler } from '../local';

test('a one-shot duration fires once, 90 minutes after the start', async () => {
  const local = await LocalScheduler.create({ now: new Date('2026-01-01T00:00:00Z') });
  try {
    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'once', duration: '90m' } });
    await local.advanceBy(3 * 3600_000);
    console.log(JSON.stringify(local.bus.deliveries()), local.resolver.rules().map(r => JSON.stringify(r)).join('\n'), local.functions.map(f => f.arn + ' ' + JSON.stringify(f.logs())).join('\n'));
    console.log(local.events().map((e) => `${e.time.toISOString()} ${e.detailType} ${JSON.stringify(e.detail)}`).join('\n'));
    expect(local.ticks('once')).toHaveLength(1);
  } finally {
    await local.close();
  }
});
