/**
 * Reliability: bad input of every kind is rejected with a `Schedule Rejected` naming the field, and nothing
 * changes: no item in any of the scheduler's tables, no execution (per-schedule engine), no tick. (A detail that is not a JSON object never reaches the scheduler:
 * EventBridge refuses it; the start handler's own check is covered by test/handlers/start-property.test.ts.)
 */
import { allItems, createScheduler, ENGINES } from './engines';
import { LocalScheduler } from '../../local/src';

const MINUTE = 60_000;
const T0 = new Date('2026-05-04T08:00:00Z');

let local: LocalScheduler;

const cases: [string, Record<string, unknown>, string][] = [
  // wrong types
  ['an id that is a number', { id: 42, every: '1m' }, 'id'],
  ['an interval that is a number', { id: 'wrong-every', every: 5 }, 'every'],
  ['a cron that is an array', { id: 'wrong-cron', cron: ['*', '*'] }, 'cron'],
  ['a limit that is a string', { id: 'wrong-limit', every: '1m', limit: '3' }, 'limit'],
  ['a time zone that is a number', { id: 'wrong-tz', cron: '0 9 * * *', timezone: 1 }, 'timezone'],
  ['a startAt that is a number', { id: 'wrong-start', every: '1m', startAt: 1_800_000_000 }, 'startAt'],
  ['an at that is an object', { id: 'wrong-at', at: { when: 'soon' } }, 'at'],
  // sizes
  ['a payload over 8 KiB', { id: 'big', every: '1m', payload: { blob: 'x'.repeat(8_200) } }, 'payload'],
  ['an id over 256 characters', { id: 'i'.repeat(257), every: '1m' }, 'id'],
  ['an empty id', { id: '', every: '1m' }, 'id'],
  ['an id with a control character', { id: 'bell\u0007', every: '1m' }, 'id'],
  // shape
  ['an unknown field', { id: 'unknown', every: '1m', colour: 'red' }, 'colour'],
  ['no timing field', { id: 'untimed' }, 'cron|every|duration|at'],
  ['two timing fields', { id: 'twice', every: '1m', cron: '* * * * *' }, 'cron|every'],
  ['a limit on a one-shot', { id: 'once-limited', duration: '5m', limit: 2 }, 'limit'],
  // cron
  ['a cron minute out of range', { id: 'cron-range', cron: '61 * * * *' }, 'cron'],
  ['a cron with three fields', { id: 'cron-short', cron: '* * *' }, 'cron'],
  ['an impossible cron (Feb 31)', { id: 'cron-never', cron: '0 0 31 2 *' }, 'cron'],
  ['an AWS cron with both day fields', { id: 'cron-aws', cron: 'cron(0 12 * * 2 *)' }, 'cron'],
  ['a cron with years only in the past', { id: 'cron-past', cron: 'cron(0 12 * * ? 2020)' }, 'cron'],
  // intervals
  ['an interval without a unit', { id: 'no-unit', every: '5' }, 'every'],
  ['an ambiguous "5M"', { id: 'ambiguous', every: '5M' }, 'every'],
  ['a zero interval', { id: 'zero', every: '0s' }, 'every'],
  ['a negative interval', { id: 'negative', every: '-5m' }, 'every'],
  ['an unknown unit', { id: 'unit', duration: '5y' }, 'duration'],
  ['an empty ISO duration', { id: 'iso-empty', duration: 'PT' }, 'duration'],
  ['a sub-second interval', { id: 'sub-second', every: '500ms' }, 'every'],
  // timestamps
  ['an at with month 13', { id: 'month-13', at: '2026-13-01T00:00:00Z' }, 'at'],
  ['an at without an offset', { id: 'no-offset', at: '2026-12-01T09:00:00' }, 'at'],
  ['an at in words', { id: 'words', at: 'tomorrow at nine' }, 'at'],
  ['an at in the past', { id: 'past-at', at: '2026-05-01T00:00:00Z' }, 'at'],
  ['a February 30 endAt', { id: 'feb-30', every: '1m', endAt: '2026-02-30T00:00:00Z' }, 'endAt'],
  ['an endAt in the past', { id: 'past-end', every: '1m', endAt: '2026-05-01T00:00:00Z' }, 'endAt'],
  ['an endAt before startAt', { id: 'end-before-start', every: '1m', startAt: '2026-06-02T00:00:00Z', endAt: '2026-06-01T00:00:00Z' }, 'endAt'],
  ['an invalid time zone', { id: 'bad-tz', cron: '0 9 * * *', timezone: 'Mars/Olympus_Mons' }, 'timezone'],
  // limits
  ['a limit of 0', { id: 'limit-0', every: '1m', limit: 0 }, 'limit'],
  ['a fractional limit', { id: 'limit-frac', every: '1m', limit: 1.5 }, 'limit'],
  ['a negative limit', { id: 'limit-neg', every: '1m', limit: -3 }, 'limit'],
];

describe.each(ENGINES)('on the $name engine', (engine) => {
  beforeAll(async () => {
    local = await createScheduler(engine, { now: T0 });
  });
  afterAll(async () => {
    await local?.close();
  });

  test.each(cases)('GIVEN %s WHEN it is put as a Start THEN it is rejected naming that field, and nothing changes', async (_name, detail, field) => {
    const eventId = await local.put({ source: 'my.app', detailType: 'Schedule Start', detail });
    await local.advanceBy(MINUTE);

    const rejections = local.events().filter((e) => e.detailType === 'Schedule Rejected' && e.detail.eventId === eventId);
    expect(rejections).toHaveLength(1);
    const [{ detail: rejected, source }] = rejections;
    expect(source).toBe(local.scheduler.tickSource);
    expect(rejected.command).toBe('Schedule Start');
    const fields = rejected.errors.map((e: any) => e.field);
    expect(fields).toContain(field);
    for (const error of rejected.errors) {
      expect(typeof error.message).toBe('string');
      expect(error.message.length).toBeGreaterThan(10);
    }
    if (typeof detail.id === 'string' && fields.every((f: string) => f !== 'id')) expect(rejected.id).toBe(detail.id);
    // Nothing changed: no item (not even a tombstone), no execution, no tick.
    expect(await allItems(local)).toEqual([]);
    if (engine.perScheduleExecutions) expect(local.executions()).toEqual([]);
    expect(local.ticks()).toEqual([]);
  });

  test.each([
    ['no id', {}, 'id'],
    ['an id that is a number', { id: 7 }, 'id'],
    ['an extra field', { id: 'x', force: true }, 'force'],
  ])('GIVEN a Stop with %s THEN it is rejected naming that field, and nothing changes', async (_name, detail, field) => {
    const eventId = await local.put({ source: 'my.app', detailType: 'Schedule Stop', detail });
    await local.advanceBy(MINUTE);

    const [rejected] = local.eventsOfType('Schedule Rejected').filter((r) => r.eventId === eventId);
    expect(rejected).toMatchObject({ command: 'Schedule Stop' });
    expect(rejected.errors.map((e: any) => e.field)).toContain(field);
    expect(await allItems(local)).toEqual([]);
  });

  test('GIVEN a detail that is not a JSON object THEN EventBridge refuses the entry and nothing reaches the scheduler', async () => {
    const before = local.events().length;
    await expect(local.put({ source: 'my.app', detailType: 'Schedule Start', detail: 'start please' })).rejects.toThrow('MalformedDetail');
    await expect(local.put({ source: 'my.app', detailType: 'Schedule Start', detail: [{ id: 'a', every: '1m' }] })).rejects.toThrow('MalformedDetail');
    expect(local.events()).toHaveLength(before);
  });

  test('GIVEN a Start with 1,600 unknown fields (a 200 KB detail) WHEN it is put THEN one Schedule Rejected with the first 20 errors goes out, and nothing is dead-lettered', async () => {
    const detail: Record<string, unknown> = { id: 'many-fields', every: '1m' };
    for (let i = 0; i < 1_600; i++) detail[`field${String(i).padStart(4, '0')}_${'k'.repeat(40)}`] = 'v'.repeat(60);
    await local.put({ source: 'my.app', detailType: 'Schedule Start', detail });
    await local.advanceBy(5 * MINUTE);

    const rejected = local.eventsOfType('Schedule Rejected', 'many-fields');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ command: 'Schedule Start', errorCount: 1_600, errorsOmitted: 1_580, received: { truncated: true } });
    expect(rejected[0].errors).toHaveLength(20);
    expect(local.deadLetters()).toEqual([]);
    expect(await local.item('many-fields')).toBeUndefined();
  });
});
