/**
 * Reliability: commands for an id are ordered by their event `time`, ties broken by event id. A command older than
 * the last one applied is ignored: a late Start never resurrects a stopped schedule, a late Stop never kills a
 * newer run.
 */
import { createScheduler, ENGINES } from './engines';
import { runIdFor } from '../../lambda/domain/execution-names';
import { LocalScheduler } from '../../local/src';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const T0 = new Date('2026-05-04T08:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

let local: LocalScheduler;
afterEach(async () => {
  await local?.close();
});

const start = (eventId: string, time: Date, detail: Record<string, unknown> = { id: 's', every: '1m' }) =>
  local.put({ source: 'my.app', detailType: 'Schedule Start', detail, id: eventId, time });
const stop = (eventId: string, time: Date, id = 's') =>
  local.put({ source: 'my.app', detailType: 'Schedule Stop', detail: { id }, id: eventId, time });
const running = () => local.executions().filter((e) => e.status === 'RUNNING');

describe.each(ENGINES)('on the $name engine', (engine) => {
  beforeEach(async () => {
    local = await createScheduler(engine, { now: T0 });
  });

  describe('late commands', () => {
    test('GIVEN a stopped schedule WHEN a Start older than the Stop arrives late THEN it is ignored: no run, no execution, no tick', async () => {
      await start('start-1', at(0));
      await local.advanceBy(2 * MINUTE + 30 * SECOND); // 2 ticks
      await stop('stop-1', local.now());
      const executionsAfterStop = local.executions().length; // per-schedule engine

      await start('start-late', at(MINUTE)); // sent before the Stop, delivered after it
      await local.advanceBy(10 * MINUTE);

      if (engine.perScheduleExecutions) {
        expect(local.executions()).toHaveLength(executionsAfterStop);
        expect(running()).toEqual([]);
      }
      expect(local.ticks('s')).toHaveLength(2);
      expect(local.eventsOfType('Schedule Started', 's')).toHaveLength(1);
      expect(await local.item('s')).toMatchObject({ status: 'STOPPED', runId: runIdFor('s', 'start-1') });
    });

    test('GIVEN a Stop for an id never started WHEN an older Start arrives after it THEN the tombstone keeps it from starting', async () => {
      await stop('stop-1', at(30 * SECOND));
      await start('start-late', at(0));
      await local.advanceBy(10 * MINUTE);

      if (engine.perScheduleExecutions) expect(local.executions()).toEqual([]);
      expect(local.ticks('s')).toEqual([]);
      expect(await local.item('s')).toMatchObject({ status: 'STOPPED' });
    });

    test('GIVEN a run started by a newer Start WHEN an older Stop arrives late THEN the newer run keeps ticking', async () => {
      await start('start-1', at(0));
      await local.advanceBy(MINUTE + 30 * SECOND);
      await start('start-2', local.now(), { id: 's', every: '1m', limit: 5 });
      await stop('stop-late', at(MINUTE)); // sent between the two Starts
      await local.advanceBy(10 * MINUTE);

      const newRun = runIdFor('s', 'start-2');
      expect(local.ticks('s').filter((t) => t.runId === newRun).map((t) => t.sequence)).toEqual([1, 2, 3, 4, 5]);
      expect(local.eventsOfType('Schedule Stopped', 's')).toEqual([]);
      expect(await local.item('s')).toMatchObject({ status: 'COMPLETED', runId: newRun });
    });

    test('GIVEN a running schedule WHEN an older Start arrives after a newer one THEN the older one is ignored', async () => {
      await start('start-2', at(30 * SECOND), { id: 's', every: '1m', limit: 3 });
      await start('start-1', at(0), { id: 's', every: '10s' });
      await local.advanceBy(10 * MINUTE);

      if (engine.perScheduleExecutions) expect(local.executions()).toHaveLength(1);
      expect(new Set(local.ticks('s').map((t) => t.runId))).toEqual(new Set([runIdFor('s', 'start-2')]));
      expect(local.ticks('s')).toHaveLength(3);
    });
  });

  describe('ties (same event time) are broken by event id, whatever the delivery order', () => {
    test.each([
      ['b then a', ['b', 'a']],
      ['a then b', ['a', 'b']],
    ])('GIVEN two Starts with the same time delivered %s THEN the run of event id "b" is the one running', async (_name, order) => {
      for (const eventId of order) await start(eventId, at(0), { id: 's', every: '1m', payload: { from: eventId } });
      await local.advanceBy(5 * MINUTE + 30 * SECOND);

      const winner = runIdFor('s', 'b');
      const item = await local.item('s');
      expect(item).toMatchObject({ status: 'RUNNING', runId: winner });
      if (engine.perScheduleExecutions) expect(running().map((e) => e.executionArn)).toEqual([item!.executionArn]);
      const lastTicks = local.ticks('s').slice(-3);
      expect(lastTicks.every((t) => t.runId === winner && t.payload.from === 'b')).toBe(true);
    });

    test.each([
      ['Start "a" then Stop "b"', [['start', 'a'], ['stop', 'b']], 'STOPPED'],
      ['Stop "b" then Start "a"', [['stop', 'b'], ['start', 'a']], 'STOPPED'],
      ['Start "b" then Stop "a"', [['start', 'b'], ['stop', 'a']], 'RUNNING'],
      ['Stop "a" then Start "b"', [['stop', 'a'], ['start', 'b']], 'RUNNING'],
    ])('GIVEN a Start and a Stop with the same time WHEN delivered as %s THEN the higher event id decides: %s', async (_name, order, status) => {
      for (const [kind, eventId] of order) {
        if (kind === 'start') await start(eventId, at(0));
        else await stop(eventId, at(0));
      }
      await local.advanceBy(3 * MINUTE + 30 * SECOND);

      expect(await local.item('s')).toMatchObject({ status });
      if (engine.perScheduleExecutions) expect(running()).toHaveLength(status === 'RUNNING' ? 1 : 0);
      if (status === 'STOPPED') {
        // Nothing ticks after the Stop was applied.
        expect(local.events().filter((e) => e.detailType === 'Schedule Tick' && e.time.getTime() > T0.getTime())).toEqual([]);
      } else {
        expect(local.ticks('s')).toHaveLength(3);
      }
    });
  });
});
