/**
 * Security, end to end: `allowedSources` restricts who can start and stop schedules, and events from the tick source
 * (the scheduler's own) never start or stop one, whatever their detail type: the rules do not match them, and the
 * handlers ignore them even if invoked directly.
 */
import { LocalScheduler } from '../../local/src';

const MINUTE = 60_000;
const T0 = new Date('2026-05-04T08:00:00Z');

let local: LocalScheduler;
afterEach(async () => {
  await local?.close();
});

const command = (source: string, detailType: 'Schedule Start' | 'Schedule Stop', detail: Record<string, unknown>) =>
  local.put({ source, detailType, detail });
const handlerInvocations = () => local.functions
  .filter((fn) => /StartFunction|StopFunction/.test(fn.name))
  .reduce((n, fn) => n + fn.invocations, 0);

describe('GIVEN allowedSources: ["good"]', () => {
  beforeEach(async () => {
    local = await LocalScheduler.create({ now: T0, props: { allowedSources: ['good'] } });
  });

  test('WHEN "evil" or the tick source puts a Start THEN nothing happens: no handler runs, no item, no execution, no event', async () => {
    const before = local.events().length;
    await command('evil', 'Schedule Start', { id: 'a', every: '1m' });
    await command(local.scheduler.tickSource, 'Schedule Start', { id: 'b', every: '1m' });
    await command('good.but.longer', 'Schedule Start', { id: 'c', every: '1m' });
    await local.advanceBy(5 * MINUTE);

    expect(handlerInvocations()).toBe(0);
    expect(local.executions()).toEqual([]);
    expect(await local.dynamo.scan(local.tableName)).toEqual([]);
    expect(local.events()).toHaveLength(before + 3); // just the three commands
  });

  test('WHEN "good" starts a schedule and "evil" or the tick source tries to stop it THEN it keeps ticking', async () => {
    await command('good', 'Schedule Start', { id: 'a', every: '1m' });
    await local.advanceBy(2 * MINUTE + 30_000);
    await command('evil', 'Schedule Stop', { id: 'a' });
    await command(local.scheduler.tickSource, 'Schedule Stop', { id: 'a' });
    await local.advanceBy(3 * MINUTE);

    expect(local.ticks('a')).toHaveLength(5);
    expect(await local.item('a')).toMatchObject({ status: 'RUNNING' });
    await command('good', 'Schedule Stop', { id: 'a' });
    expect(await local.item('a')).toMatchObject({ status: 'STOPPED' });
  });
});

describe('GIVEN the default (any source but the tick source)', () => {
  beforeEach(async () => {
    local = await LocalScheduler.create({ now: T0 });
  });

  test('WHEN the tick source puts a Start or a Stop THEN no rule matches it', async () => {
    await command('my.app', 'Schedule Start', { id: 'a', every: '1m' });
    await local.advanceBy(MINUTE + 30_000);
    await command(local.scheduler.tickSource, 'Schedule Stop', { id: 'a' });
    await command(local.scheduler.tickSource, 'Schedule Start', { id: 'b', every: '1m' });
    await local.advanceBy(2 * MINUTE);

    expect(local.ticks('a')).toHaveLength(3);
    expect(await local.item('b')).toBeUndefined();
    // Only the one command from my.app reached a handler.
    expect(handlerInvocations()).toBe(1);
  });

  test('WHEN a handler is invoked directly with an event from the tick source THEN it ignores it', async () => {
    const start = local.functions.find((fn) => fn.name.includes('StartFunction'))!;
    const stop = local.functions.find((fn) => fn.name.includes('StopFunction'))!;
    const envelope = (detailType: string, detail: unknown) => ({
      'version': '0',
      'id': `direct-${detailType}`,
      'detail-type': detailType,
      'source': local.scheduler.tickSource,
      'account': '123456789012',
      'time': T0.toISOString(),
      'region': 'us-east-1',
      'resources': [],
      detail,
    });

    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'kept', every: '1m' } });
    await start.invoke(envelope('Schedule Start', { id: 'injected', every: '1m' }));
    await stop.invoke(envelope('Schedule Stop', { id: 'kept' }));
    await local.advanceBy(2 * MINUTE);

    expect(await local.item('injected')).toBeUndefined();
    expect(await local.item('kept')).toMatchObject({ status: 'RUNNING' });
    expect(local.executions()).toHaveLength(1);
    expect(start.logs().some((l) => l.text.includes('Ignored a Start from the tick source'))).toBe(true);
    expect(stop.logs().some((l) => l.text.includes('Ignored a Stop from the tick source'))).toBe(true);
  });

  test('the scheduler\'s own events (ticks, lifecycle) never reach the command handlers', async () => {
    await command('my.app', 'Schedule Start', { id: 'a', every: '1m', limit: 3 });
    await command('my.app', 'Schedule Start', { id: 'bad', every: '5' });
    await local.advanceBy(5 * MINUTE);

    const own = new Set(local.events().filter((e) => e.source === local.scheduler.tickSource).map((e) => e.id));
    expect(own.size).toBeGreaterThanOrEqual(5); // Started, 3 ticks, Completed, Rejected
    const toHandlers = local.bus.deliveries().filter((d) => /StartFunction|StopFunction/.test(d.targetArn));
    expect(toHandlers.filter((d) => own.has(d.eventId))).toEqual([]);
  });
});
