/**
 * Reliability: races between commands and a running schedule. A Stop or a restart (a new Start for the id) is
 * applied at the awkward moments: while a batch is ticking, while the plan step runs (before and after its
 * conditional write), and at each step of a hand-over to a new execution. Whatever the interleaving: no orphaned
 * execution keeps ticking, nothing is resurrected, and the item names the execution that is really running.
 * On every engine, a Stop takes effect within one second of being processed: no tick with a later `scheduledAt`.
 *
 * The schedule ticks every second, so a per-schedule hand-over (after 1,800 ticks) comes after 30 virtual minutes;
 * the hand-over races are that engine's own (`perScheduleExecutions`).
 */
import { createScheduler, EngineUnderTest, ENGINES, loopFunction } from './engines';
import { runIdFor } from '../../lambda/domain/execution-names';
import { LocalScheduler } from '../../local/src';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const T0 = new Date('2026-05-04T08:00:00Z');
const ID = 'race';
const FIRST_RUN = runIdFor(ID, 'start-1');
const SECOND_RUN = runIdFor(ID, 'start-2');

let local: LocalScheduler;
let removeHooks: (() => void)[] = [];
afterEach(async () => {
  // The local AWS endpoint is shared by every runtime in this process: its hooks must not outlive a test.
  removeHooks.forEach((remove) => remove());
  removeHooks = [];
  await local?.close();
});

describe.each(ENGINES)('on the $name engine', (engine: EngineUnderTest) => {
  beforeEach(async () => {
    local = await createScheduler(engine, { now: T0 });
    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: ID, every: '1s' }, id: 'start-1', time: T0 });
  });

  /**
   * Puts a command on the bus and waits (in real time, with virtual time standing still) until its handler finished:
   * for use inside a hook, where the system is mid-step.
   */
  async function applyNow(kind: 'stop' | 'restart'): Promise<void> {
    const [detailType, detail, id] = kind === 'stop'
      ? ['Schedule Stop', { id: ID }, 'stop-1']
      : ['Schedule Start', { id: ID, every: '1s', payload: { run: 2 } }, 'start-2'];
    local.bus.putEvents({ Entries: [{ Source: 'my.app', DetailType: detailType, Detail: JSON.stringify(detail), EventBusName: local.eventBusName, Id: id }] });
    const pending = () => local.bus.deliveries().filter((d) => d.eventId === id && d.status === 'PENDING');
    while (pending().length > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  /** The virtual time at which the hook applied its command. */
  let appliedAt: Date | undefined;
  const apply = async (kind: 'stop' | 'restart') => {
    appliedAt = new Date();
    await applyNow(kind);
  };

  /** Invariants that hold at any quiet moment, whatever happened. */
  async function expectConsistent(): Promise<void> {
    const item = await local.item(ID);
    expect(['RUNNING', 'STOPPED']).toContain(item?.status);
    if (!engine.perScheduleExecutions) return;
    const running = local.executions().filter((e) => e.status === 'RUNNING');
    if (item?.status === 'RUNNING') {
      expect(running.map((e) => e.executionArn)).toEqual([item.executionArn]);
    } else {
      expect(running).toEqual([]);
    }
  }

  /**
   * Ticks of the first run that a Stop or restart applied at `when` must have prevented: on every engine, those with a
   * `scheduledAt` more than a second after it; on the per-schedule engine (which aborts the execution at once), also
   * any put on the bus after it.
   */
  const firstRunTicksAfter = (when: Date) => local.events()
    .filter((e) => e.detailType === 'Schedule Tick' && e.detail.runId === FIRST_RUN)
    .filter((e) => Date.parse(e.detail.scheduledAt) > when.getTime() + SECOND || (engine.perScheduleExecutions && e.time.getTime() > when.getTime()));

  async function expectStopped(): Promise<void> {
    await local.advanceBy(40 * MINUTE); // well past any hand-over, retry or batch
    await expectConsistent();
    expect(await local.item(ID)).toMatchObject({ status: 'STOPPED', runId: FIRST_RUN });
    expect(firstRunTicksAfter(appliedAt!)).toEqual([]);
    const sequences = local.ticks(ID).map((t) => t.sequence);
    expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, i) => i + 1));
    expect(local.eventsOfType('Schedule Stopped', ID)).toEqual([{ id: ID, runId: FIRST_RUN, ticks: sequences.length }]);
  }

  async function expectRestarted(): Promise<void> {
    await local.advanceBy(40 * MINUTE);
    await expectConsistent();
    const item = await local.item(ID);
    expect(item).toMatchObject({ status: 'RUNNING', runId: SECOND_RUN });
    expect(firstRunTicksAfter(appliedAt!)).toEqual([]);
    if (engine.perScheduleExecutions) {
      const running = local.executions().filter((e) => e.status === 'RUNNING');
      expect(running).toHaveLength(1);
      expect(JSON.parse(running[0].input).runId).toBe(SECOND_RUN);
    }
    // The new run ticks every second from one second after the restart, with its own sequence.
    const secondRun = local.ticks(ID).filter((t) => t.runId === SECOND_RUN);
    expect(secondRun.length).toBeGreaterThan(30 * 60 - 5);
    expect(secondRun.map((t) => t.sequence)).toEqual(Array.from({ length: secondRun.length }, (_, i) => i + 1));
    expect(secondRun.every((t) => t.payload?.run === 2)).toBe(true);
    expect(local.eventsOfType('Schedule Started', ID).map((s) => s.runId)).toEqual([FIRST_RUN, SECOND_RUN]);
  }

  describe('a Stop racing a running batch', () => {
    test('GIVEN a batch half-way WHEN a Stop arrives between two ticks THEN the execution is stopped and no tick follows', async () => {
      await local.advanceBy(150 * SECOND + 500);
      appliedAt = local.now();
      await local.put({ source: 'my.app', detailType: 'Schedule Stop', detail: { id: ID }, id: 'stop-1' });

      if (engine.perScheduleExecutions) expect(local.executions().map((e) => e.status)).toEqual(['ABORTED']);
      await expectStopped();
      // The tick due at 151 s is within a second of the Stop: an engine may still emit it, the per-schedule one does not.
      expect(local.ticks(ID).length).toBeGreaterThanOrEqual(150);
      if (engine.perScheduleExecutions) expect(local.ticks(ID)).toHaveLength(150);
    });

    test.each([
      ['before the plan step writes its progress', 'before'],
      ['after the plan step wrote its progress', 'after'],
    ])('GIVEN the loop\'s Lambda running (its second invocation) WHEN a Stop is applied %s THEN no tick follows', async (_name, when) => {
      let calls = 0;
      loopFunction(local).intercept(async (_event, proceed) => {
        calls += 1;
        if (calls !== 2) return proceed();
        if (when === 'before') {
          await apply('stop');
          return proceed();
        }
        const next = await proceed();
        await apply('stop');
        return next;
      });
      await local.advanceBy(10 * MINUTE);
      await expectStopped();
    });
  });

  // The hand-over to a new execution after 1,800 ticks is the per-schedule engine's.
  if (engine.perScheduleExecutions) {
    describe('commands racing a hand-over to a new execution', () => {
      /** Hooks the hand-over: the plan step of the first execution that starts the second one. */
      function atHandover(when: 'plan invoked' | 'before next execution starts' | 'after next execution started', act: () => Promise<void>) {
        if (when === 'plan invoked') {
          loopFunction(local).intercept(async (event, proceed) => {
            const last = event.state.plan.ticks?.[event.state.plan.ticks.length - 1];
            if (event.state.generation === 0 && last?.sequence === 1_800) await act();
            return proceed();
          });
          return;
        }
        removeHooks.push(local.endpoint.intercept('sfn:StartExecution', async (input, proceed) => {
          const handover = String(input.name).endsWith(`${FIRST_RUN}-1`);
          if (handover && when === 'before next execution starts') await act();
          const output = await proceed(input);
          if (handover && when === 'after next execution started') await act();
          return output;
        }));
      }

      const moments = ['plan invoked', 'before next execution starts', 'after next execution started'] as const;

      test.each(moments)('GIVEN a hand-over WHEN a Stop is applied at "%s" THEN nothing keeps ticking and nothing is resurrected', async (when) => {
        atHandover(when, () => apply('stop'));

        await local.advanceBy(31 * MINUTE);
        expect(appliedAt).toEqual(new Date(T0.getTime() + 1_800 * SECOND));
        await expectStopped();
        expect(local.ticks(ID)).toHaveLength(1_800);
      });

      test.each(moments)('GIVEN a hand-over WHEN a restart is applied at "%s" THEN only the new run ticks, and the item names its execution', async (when) => {
        atHandover(when, () => apply('restart'));

        await local.advanceBy(31 * MINUTE);
        expect(appliedAt).toEqual(new Date(T0.getTime() + 1_800 * SECOND));
        await expectRestarted();
        expect(local.ticks(ID).filter((t) => t.runId === FIRST_RUN)).toHaveLength(1_800);
      });

      test('GIVEN a run that handed over WHEN checked at every minute THEN the item always names the one running execution', async () => {
        for (let minute = 1; minute <= 65; minute++) {
          await local.advanceBy(MINUTE);
          await expectConsistent();
        }
        const generations = local.executions().map((e) => [e.name.split('-').pop(), e.status]);
        expect(generations).toEqual([['0', 'SUCCEEDED'], ['1', 'SUCCEEDED'], ['2', 'RUNNING']]);
        expect(await local.item(ID)).toMatchObject({ generation: 2, executionArn: local.executions()[2].executionArn });
      });
    });
  }

  describe('a Stop takes effect within one second of being processed', () => {
    test.each([
      ['on a whole second', 0],
      ['a millisecond after a whole second', 1],
      ['half-way between two seconds', 500],
      ['a millisecond before a whole second', 999],
    ])('GIVEN schedules due every second and every minute WHEN their Stops are processed %s THEN no tick with a scheduledAt more than a second later is emitted', async (_name, offsetMs) => {
      const ids = [ID, 'second-a', 'second-b', 'minute'];
      for (const id of ['second-a', 'second-b']) await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id, every: '1s' } });
      await local.put({ source: 'my.app', detailType: 'Schedule Start', detail: { id: 'minute', cron: '* * * * *' } });
      // The Stops land just before the cron's second occurrence (T0 + 2 min) and among the every-second ones.
      await local.advanceBy(2 * MINUTE - SECOND + offsetMs);

      const processedAt = new Map<string, number>();
      for (const id of ids) {
        processedAt.set(id, local.now().getTime());
        await local.put({ source: 'my.app', detailType: 'Schedule Stop', detail: { id } });
      }
      await local.advanceBy(5 * MINUTE);

      for (const id of ids) {
        const stoppedAt = processedAt.get(id)!;
        const tickEvents = local.events().filter((e) => e.detailType === 'Schedule Tick' && e.detail.id === id);
        expect(tickEvents.length).toBeGreaterThan(0);
        expect(tickEvents.filter((e) => Date.parse(e.detail.scheduledAt) > stoppedAt + SECOND)).toEqual([]);
        if (engine.perScheduleExecutions) expect(tickEvents.filter((e) => e.time.getTime() > stoppedAt)).toEqual([]);
        const sequences = tickEvents.map((e) => e.detail.sequence);
        expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, i) => i + 1));
        expect(local.eventsOfType('Schedule Stopped', id)).toEqual([expect.objectContaining({ id, ticks: sequences.length })]);
        expect(await local.item(id)).toMatchObject({ status: 'STOPPED' });
      }
      // Every second up to the Stop ticked: the schedules were really running when it came.
      expect(local.ticks('second-a').length).toBeGreaterThanOrEqual(2 * 60 - 2);
    });
  });
});
