/**
 * The rules of each dialect, as tables: cronie's (vectors from a model of src/cron.c, crond with TZ=<zone>) and
 * EventBridge Scheduler's (built from its "Daylight savings time" section and the cron expressions reference).
 */
import { cronOccurrencesAfter, parseCron } from '../../../../lambda/domain/cron';

const NY = 'America/New_York';

function fireTimes(text: string, timezone: string, after: string, until: string): string[] {
  const parsed = parseCron(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return cronOccurrencesAfter(parsed.cron, timezone, new Date(after), 100, new Date(until), parsed.years)
    .map((d) => d.toISOString().replace(':00.000Z', 'Z'));
}

describe('Unix crons follow cronie across daylight saving changes (New York, 2026)', () => {
  // Spring forward 2026-03-08 02:00 EST → 03:00 EDT (07:00Z).
  const spring = ['2026-03-08T04:58:00Z', '2026-03-08T09:05:00Z'] as const;
  // Fall back 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
  const fall = ['2026-11-01T03:58:00Z', '2026-11-01T08:05:00Z'] as const;
  test.each([
    ['fixed-time job in the gap runs right after the change', '30 2 * * *', spring, ['2026-03-08T07:00Z']],
    ['wildcard job in the gap does not run', '*/15 2 * * *', spring, []],
    ['fixed 02:00 runs at the change', '0 2 * * *', spring, ['2026-03-08T07:00Z']],
    ['every hour as a range: 02:00 and 03:00 meet at the change, once', '0 0-23 * * *', spring,
      ['2026-03-08T05:00Z', '2026-03-08T06:00Z', '2026-03-08T07:00Z', '2026-03-08T08:00Z', '2026-03-08T09:00Z']],
    ['a range with a step is fixed-time (it does not start with *)', '0 0-23/2 * * *', spring,
      ['2026-03-08T05:00Z', '2026-03-08T07:00Z', '2026-03-08T08:00Z']],
    ['a list is fixed-time', '30 2,14 * * *', spring, ['2026-03-08T07:00Z']],
    ['hour * is wildcard: no 02:30', '30 * * * *', spring, ['2026-03-08T05:30Z', '2026-03-08T06:30Z', '2026-03-08T07:30Z', '2026-03-08T08:30Z']],
    ['every 30 minutes', '*/30 * * * *', spring,
      ['2026-03-08T05:00Z', '2026-03-08T05:30Z', '2026-03-08T06:00Z', '2026-03-08T06:30Z', '2026-03-08T07:00Z', '2026-03-08T07:30Z',
        '2026-03-08T08:00Z', '2026-03-08T08:30Z', '2026-03-08T09:00Z']],
    ['fixed-time job does not repeat in the second pass', '0 0-23 * * *', fall,
      ['2026-11-01T04:00Z', '2026-11-01T05:00Z', '2026-11-01T07:00Z', '2026-11-01T08:00Z']],
    ['wildcard job runs in both passes', '*/20 1 * * *', fall,
      ['2026-11-01T05:00Z', '2026-11-01T05:20Z', '2026-11-01T05:40Z', '2026-11-01T06:00Z', '2026-11-01T06:20Z', '2026-11-01T06:40Z']],
    ['fixed 01:30 once', '30 1 * * *', fall, ['2026-11-01T05:30Z']],
    ['hourly (HR_STAR) in both passes', '0 * * * *', fall,
      ['2026-11-01T04:00Z', '2026-11-01T05:00Z', '2026-11-01T06:00Z', '2026-11-01T07:00Z', '2026-11-01T08:00Z']],
    ['a */1 hour is wildcard', '15 */1 * * *', fall, ['2026-11-01T04:15Z', '2026-11-01T05:15Z', '2026-11-01T06:15Z', '2026-11-01T07:15Z']],
    ['fixed list once', '0 1,13 * * *', fall, ['2026-11-01T05:00Z']],
    ['@hourly is wildcard (HR_STAR)', '@hourly', fall,
      ['2026-11-01T04:00Z', '2026-11-01T05:00Z', '2026-11-01T06:00Z', '2026-11-01T07:00Z', '2026-11-01T08:00Z']],
  ])('%s: %j', (_name, text, [after, until], expected) => {
    expect(fireTimes(text, NY, after, until)).toEqual(expected);
  });
});

describe('Unix crons combine the day fields as cronie (src/cron.c 579-585)', () => {
  test.each([
    ['AND when day-of-month starts with * (*/2)', '0 0 */2 * MON',
      ['2026-01-05T00:00Z', '2026-01-19T00:00Z', '2026-02-09T00:00Z', '2026-02-23T00:00Z', '2026-03-09T00:00Z', '2026-03-23T00:00Z']],
    ['OR when neither starts with *', '0 0 1-31/2 * MON',
      ['2026-01-03T00:00Z', '2026-01-05T00:00Z', '2026-01-07T00:00Z', '2026-01-09T00:00Z', '2026-01-11T00:00Z', '2026-01-12T00:00Z']],
    ['OR for a list and a day', '0 0 1,15 * FRI',
      ['2026-01-02T00:00Z', '2026-01-09T00:00Z', '2026-01-15T00:00Z', '2026-01-16T00:00Z', '2026-01-23T00:00Z', '2026-01-30T00:00Z']],
    ['AND when day-of-week starts with * (*/3 = SUN, WED, SAT)', '0 0 1-10 * */3',
      ['2026-01-03T00:00Z', '2026-01-04T00:00Z', '2026-01-07T00:00Z', '2026-01-10T00:00Z', '2026-02-01T00:00Z', '2026-02-04T00:00Z']],
    ['OR even when day-of-month allows every day: runs daily', '0 0 1-31 * MON',
      ['2026-01-02T00:00Z', '2026-01-03T00:00Z', '2026-01-04T00:00Z', '2026-01-05T00:00Z', '2026-01-06T00:00Z', '2026-01-07T00:00Z']],
  ])('%s: %j', (_name, text, expected) => {
    expect(fireTimes(text, 'UTC', '2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z').slice(0, expected.length)).toEqual(expected);
  });

  test('overlapping list items are one set', () => {
    expect(fireTimes('0-30,15 0 1 1 *', 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z')).toHaveLength(30);
    expect(fireTimes('59,58-59 1 * * *', 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T23:00:00Z')).toEqual(['2026-01-01T01:58Z', '2026-01-01T01:59Z']);
  });
});

describe('AWS cron() follows EventBridge Scheduler across daylight saving changes (New York, 2026)', () => {
  // "if a cron expression falls on a non-existent date and time, your schedule invocation is skipped";
  // "When time shifts backwards in the Fall, your schedule runs only once and does not repeat its invocation."
  test.each([
    ['a skipped local time does not fire that day', 'cron(30 2 * * ? *)', '2026-03-08T05:00:00Z', '2026-03-10T00:00:00Z', ['2026-03-09T06:30Z']],
    ['every 15 minutes of the skipped hour: none that day', 'cron(0/15 2 * * ? *)', '2026-03-08T05:00:00Z', '2026-03-09T12:00:00Z',
      ['2026-03-09T06:00Z', '2026-03-09T06:15Z', '2026-03-09T06:30Z', '2026-03-09T06:45Z']],
    ['every hour: 02:00 is skipped, nothing moves to 03:00', 'cron(0 * * * ? *)', '2026-03-08T05:30:00Z', '2026-03-08T08:30:00Z',
      ['2026-03-08T06:00Z', '2026-03-08T07:00Z', '2026-03-08T08:00Z']],
    ['a repeated hour fires once', 'cron(0 0-23 * * ? *)', '2026-11-01T04:00:00Z', '2026-11-01T08:00:00Z',
      ['2026-11-01T05:00Z', '2026-11-01T07:00Z', '2026-11-01T08:00Z']],
    ['a wildcard in the repeated hour fires once too', 'cron(0/20 1 * * ? *)', '2026-11-01T04:00:00Z', '2026-11-02T07:00:00Z',
      ['2026-11-01T05:00Z', '2026-11-01T05:20Z', '2026-11-01T05:40Z', '2026-11-02T06:00Z', '2026-11-02T06:20Z', '2026-11-02T06:40Z']],
    ['every hour (*): 01:00 once', 'cron(0 * * * ? *)', '2026-11-01T04:30:00Z', '2026-11-01T07:30:00Z',
      ['2026-11-01T05:00Z', '2026-11-01T07:00Z']],
    ['fixed 01:30 once', 'cron(30 1 * * ? *)', '2026-11-01T04:00:00Z', '2026-11-02T07:00:00Z', ['2026-11-01T05:30Z', '2026-11-02T06:30Z']],
  ])('%s: %j', (_name, text, after, until, expected) => {
    expect(fireTimes(text, NY, after, until)).toEqual(expected);
  });

  test('UTC has no changes', () => {
    expect(fireTimes('cron(30 2 * * ? *)', 'UTC', '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z')).toEqual(['2026-03-08T02:30Z']);
  });

  test('Lord Howe (30-minute change): a skipped 02:15 does not fire, a repeated 01:45 fires once', () => {
    // 2026-10-04 02:00 +10:30 → 02:30 +11 (2026-10-03T15:30Z); 2026-04-05 02:00 +11 → 01:30 +10:30 (2026-04-04T15:00Z).
    expect(fireTimes('cron(15 2 * * ? *)', 'Australia/Lord_Howe', '2026-10-03T12:00:00Z', '2026-10-04T16:00:00Z')).toEqual(['2026-10-04T15:15Z']);
    expect(fireTimes('cron(45 1 * * ? *)', 'Australia/Lord_Howe', '2026-04-04T12:00:00Z', '2026-04-05T16:00:00Z')).toEqual(['2026-04-04T14:45Z', '2026-04-05T15:15Z']);
  });
});

describe('AWS cron() day-of-month W and LW (Quartz semantics)', () => {
  test.each([
    ['L: last day', 'cron(0 0 L * ? *)', '2026-01-01T00:00:00Z', ['2026-01-31T00:00Z', '2026-02-28T00:00Z', '2026-03-31T00:00Z']],
    ['LW: last weekday (31 May 2026 is a Sunday)', 'cron(0 0 LW * ? *)', '2026-05-01T00:00:00Z', ['2026-05-29T00:00Z', '2026-06-30T00:00Z', '2026-07-31T00:00Z']],
    ['LW when the last day is a Saturday (31 Oct 2026)', 'cron(0 0 LW 10 ? *)', '2026-01-01T00:00:00Z', ['2026-10-30T00:00Z']],
    ['1W on a Saturday does not jump back into the previous month', 'cron(0 0 1W * ? *)', '2026-07-31T00:00:00Z', ['2026-08-03T00:00Z', '2026-09-01T00:00Z', '2026-10-01T00:00Z']],
    ['15W on a Sunday is Monday the 16th; on a Saturday Friday the 14th', 'cron(0 0 15W * ? *)', '2026-01-01T00:00:00Z', ['2026-01-15T00:00Z', '2026-02-16T00:00Z', '2026-03-16T00:00Z', '2026-04-15T00:00Z', '2026-05-15T00:00Z', '2026-06-15T00:00Z', '2026-07-15T00:00Z', '2026-08-14T00:00Z']],
    ['31W on a Sunday is Friday the 29th; months without a 31st are skipped', 'cron(0 0 31W * ? *)', '2026-05-01T00:00:00Z', ['2026-05-29T00:00Z', '2026-07-31T00:00Z', '2026-08-31T00:00Z']],
    ['30W on a Sunday (30 August 2026) moves to Monday the 31st', 'cron(0 0 30W 8 ? *)', '2026-01-01T00:00:00Z', ['2026-08-31T00:00Z']],
    ['31W on the last day, a Sunday (31 January 2027), moves back to Friday the 29th', 'cron(0 0 31W 1 ? *)', '2026-06-01T00:00:00Z', ['2027-01-29T00:00Z']],
    ['6#3: third Friday', 'cron(0 0 ? * 6#3 *)', '2026-01-01T00:00:00Z', ['2026-01-16T00:00Z', '2026-02-20T00:00Z']],
    ['6L: last Friday', 'cron(0 0 ? * 6L *)', '2026-01-01T00:00:00Z', ['2026-01-30T00:00Z', '2026-02-27T00:00Z']],
    ['wrapping hours 20-2', 'cron(0 20-2 ? * MON *)', '2026-01-04T00:00:00Z', ['2026-01-05T00:00Z', '2026-01-05T01:00Z', '2026-01-05T02:00Z', '2026-01-05T20:00Z']],
  ])('%s: %j', (_name, text, after, expected) => {
    expect(fireTimes(text, 'UTC', after, '2027-12-31T00:00:00Z').slice(0, expected.length)).toEqual(expected);
  });
});

describe('AWS cron() years', () => {
  test('a rare cron fires decades ahead: the fifth Tuesday of February from 10 to 19', () => {
    expect(fireTimes('cron(*/10 15-19 ? 2 3#5 *)', 'UTC', '2028-03-01T00:00:00Z', '2199-12-31T00:00:00Z')[0]).toBe('2056-02-29T15:00Z');
  });

  test('the year 2199 is the last', () => {
    expect(fireTimes('cron(0 0 31 12 ? 2199)', 'UTC', '2199-01-01T00:00:00Z', '2200-12-31T00:00:00Z')).toEqual(['2199-12-31T00:00Z']);
  });
});
