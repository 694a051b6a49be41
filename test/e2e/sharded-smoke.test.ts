/**
 * End-to-end smoke test of the sharded engine: the synthesized supervisor and window, the real shard, start and stop
 * bundles, dynalite, the keeper rule and the Express window run by the local runtime under a virtual clock.
 * (The full suites run over both engines; this is the sharded engine's first story.)
 */
import { LocalScheduler } from '../../local/src';
import { SchedulerEngine } from '../../src';

const MINUTE = 60_000;

let local: LocalScheduler;
afterEach(async () => {
  await local?.close();
});

const start = (detail: Record<string, unknown>) => local.put({ source: 'my.app', detailType: 'Schedule Start', detail });
const stop = (id: string) => local.put({ source: 'my.app', detailType: 'Schedule Stop', detail: { id } });
/** Each tick of a schedule: when it was put on the bus, and what it says. */
const ticks = (id: string) => local.events()
  .filter((e) => e.detailType === 'Schedule Tick' && e.detail.id === id)
  .map((e) => ({ at: e.time.getTime(), sequence: e.detail.sequence, scheduledAt: e.detail.scheduledAt, last: e.detail.last }));
const lifecycle = (id: string) => local.events()
  .filter((e) => e.source !== 'my.app' && e.detailType !== 'Schedule Tick' && e.detail.id === id)
  .map((e) => e.detailType);

test('on the sharded engine, a cron and a one-shot tick on time, within a second of scheduledAt, and a Stop ends the cron', async () => {
  local = await LocalScheduler.create({ now: new Date('2026-05-04T11:58:10Z'), props: { engine: SchedulerEngine.sharded({ shards: 2 }) } });

  await start({ id: 'report', cron: '* * * * *' });
  await start({ id: 'reminder', duration: '90s', payload: { to: 'ana' } });
  await local.advanceBy(4 * MINUTE);

  const cron = ticks('report');
  expect(cron.map((t) => [t.sequence, t.scheduledAt])).toEqual([
    [1, '2026-05-04T11:59:00.000Z'],
    [2, '2026-05-04T12:00:00.000Z'],
    [3, '2026-05-04T12:01:00.000Z'],
    [4, '2026-05-04T12:02:00.000Z'],
  ]);
  const once = ticks('reminder');
  expect(once.map((t) => [t.sequence, t.scheduledAt, t.last])).toEqual([[1, '2026-05-04T11:59:40.000Z', true]]);
  for (const tick of [...cron, ...once]) {
    const late = tick.at - Date.parse(tick.scheduledAt);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThanOrEqual(1_000);
  }
  expect(local.events().find((e) => e.detailType === 'Schedule Tick' && e.detail.id === 'reminder')?.detail.payload).toEqual({ to: 'ana' });
  expect(lifecycle('reminder')).toEqual(['Schedule Started', 'Schedule Completed']);

  await local.advanceBy(20_000); // 12:02:30
  await stop('report');
  await local.advanceBy(3 * MINUTE);
  expect(ticks('report')).toHaveLength(4);
  expect(lifecycle('report')).toEqual(['Schedule Started', 'Schedule Stopped']);
  expect(local.events().find((e) => e.detailType === 'Schedule Stopped')?.detail).toMatchObject({ id: 'report', ticks: 4 });
});
