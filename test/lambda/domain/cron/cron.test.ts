import * as fc from 'fast-check';
import { cronOccurrencesAfter, parseCron } from '../../../../lambda/domain/cron';

const iso = (dates: Date[]): string[] => dates.map((d) => d.toISOString());

/** Occurrences of a text expression (parsed first), as ISO strings. */
function occurrences(text: string, timezone: string, after: string, count: number, until?: string): string[] {
  const parsed = parseCron(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return iso(cronOccurrencesAfter(parsed.cron, timezone, new Date(after), count, until ? new Date(until) : undefined, parsed.years));
}

describe('parseCron accepts and normalizes', () => {
  test.each([
    // 5-field Unix cron
    ['*/15 * * * *', '0 */15 * * * * cronie-and-wildcard'],
    ['0 9 * * MON-FRI', '0 0 9 * * 1-5 cronie-and-fixed'],
    ['0 9 * * mon-fri', '0 0 9 * * 1-5 cronie-and-fixed'],
    ['0 0 1 JAN,JUL *', '0 0 0 1 1,7 * cronie-and-fixed'],
    ['5,10-20/5 0-23/6 1-15 */2 *', '0 5,10-20/5 0-23/6 1-15 */2 * cronie-and-fixed'],
    ['0 0 * * 0', '0 0 0 * * 0 cronie-and-fixed'],
    ['0 0 * * 7', '0 0 0 * * 0 cronie-and-fixed'],
    ['0 0 * * SUN,SAT', '0 0 0 * * 0,6 cronie-and-fixed'],
    ['0 0 * * 5-7', '0 0 0 * * 0,5,6 cronie-and-fixed'],
    ['0 0 * * */2', '0 0 0 * * 0,2,4,6 cronie-and-fixed'],
    ['0 0 * * 0-6', '0 0 0 * * 0-6 cronie-and-fixed'],
    ['0 0 * * 1,2,3', '0 0 0 * * 1-3 cronie-and-fixed'],
    ['0 0 * * 5L', '0 0 0 * * 5L cronie-and-fixed'],
    ['0 0 * * 7L', '0 0 0 * * 0L cronie-and-fixed'],
    ['0 0 * * 1,5L', '0 0 0 * * 1,5L cronie-and-fixed'],
    ['0 0 * * FRI#3', '0 0 0 * * 5#3 cronie-and-fixed'],
    ['0 0 L * *', '0 0 0 L * * cronie-and-fixed'],
    ['0 0 1,L * *', '0 0 0 1,L * * cronie-and-fixed'],
    ['00 09 01 01 *', '0 0 9 1 1 * cronie-and-fixed'],
    ['0 0 5/10 * *', '0 0 0 5/10 * * cronie-and-fixed'],
    ['0  0\t* * *', '0 0 0 * * * cronie-and-fixed'],
    // cronie: overlapping list items (src/entry.c get_list 493-532), x-SUN (entry.c 641-643), the day rule's flags
    ['0-30,15 * * * *', '0 0-30,15 * * * * cronie-and-wildcard'],
    ['59,58-59 1 * * *', '0 59,58-59 1 * * * cronie-and-fixed'],
    ['0 0 * * FRI-SUN', '0 0 0 * * 0,5,6 cronie-and-fixed'],
    ['0 0 */2 * MON', '0 0 0 */2 * 1 cronie-and-fixed'],
    ['0 0 1-31/2 * MON', '0 0 0 1-31/2 * 1 cronie-or-fixed'],
    ['0 0 1,15 * FRI', '0 0 0 1,15 * 5 cronie-or-fixed'],
    ['0 2,14 * * *', '0 0 2,14 * * * cronie-and-fixed'],
    ['0 */2 * * *', '0 0 */2 * * * cronie-and-wildcard'],
    ['*/30 0 9 * * *', '*/30 0 9 * * * cronie-and-wildcard'],
    // 6-field with seconds
    ['30 0 9 * * 1-5', '30 0 9 * * 1-5 cronie-and-fixed'],
    ['*/10 * * * * *', '*/10 * * * * * cronie-and-wildcard'],
    // macros
    ['@daily', '0 0 0 * * * cronie-and-fixed'],
    ['@midnight', '0 0 0 * * * cronie-and-fixed'],
    ['@hourly', '0 0 * * * * cronie-and-wildcard'],
    ['@weekly', '0 0 0 * * 0 cronie-and-fixed'],
    ['@monthly', '0 0 0 1 * * cronie-and-fixed'],
    ['@yearly', '0 0 0 1 1 * cronie-and-fixed'],
    ['@annually', '0 0 0 1 1 * cronie-and-fixed'],
    // AWS cron(min hour dom month dow year), day-of-week 1 = Sunday
    ['cron(0 12 ? * 2-6 *)', '0 0 12 * * 1-5 aws'],
    ['cron(0 12 ? * MON-FRI *)', '0 0 12 * * 1-5 aws'],
    ['cron(0 18 ? * 1 *)', '0 0 18 * * 0 aws'],
    ['cron(0 18 ? * SUN *)', '0 0 18 * * 0 aws'],
    ['cron(0 0 ? * 1,7 *)', '0 0 0 * * 0,6 aws'],
    ['cron(0 0 ? * 7 *)', '0 0 0 * * 6 aws'],
    ['cron(0 0 ? * 6#3 *)', '0 0 0 * * 5#3 aws'],
    ['cron(0 0 ? * 1#1 *)', '0 0 0 * * 0#1 aws'],
    ['cron(0 0 ? * 6L *)', '0 0 0 * * 5L aws'],
    ['cron(0 0 ? * L *)', '0 0 0 * * 6 aws'],
    ['cron(0 0 ? * * *)', '0 0 0 * * * aws'],
    ['cron(0 0 L * ? *)', '0 0 0 L * * aws'],
    ['cron(0 0 * * ? *)', '0 0 0 * * * aws'],
    ['cron(0/15 * ? * MON-FRI *)', '0 0/15 * * * 1-5 aws'],
    ['cron(0 8 1 JAN,JUL ? *)', '0 0 8 1 1,7 * aws'],
    ['cron( 0 8 1 * ? * )', '0 0 8 1 * * aws'],
    ['cron(0 0 LW * ? *)', '0 0 0 LW * * aws'],
    ['cron(0 0 15W * ? *)', '0 0 0 15W * * aws'],
    ['cron(0 0 lw * ? *)', '0 0 0 LW * * aws'],
    ['cron(0/30 20-2 ? * MON-FRI *)', '0 0/30 0,1,2,20,21,22,23 * * 1-5 aws'],
    ['cron(0 22-1 ? DEC-FEB MON *)', '0 0 0,1,22,23 * 1,2,12 1 aws'],
    ['cron(0 0 1/10 * ? *)', '0 0 0 1/10 * * aws'],
  ])('%j → %j', (text, cron) => {
    expect(parseCron(text)).toEqual({ ok: true, cron });
  });

  test.each([
    ['cron(15 10 ? * 6L 2026)', '0 15 10 * * 5L aws', [2026]],
    ['cron(0 8 1 * ? 2026-2027)', '0 0 8 1 * * aws', [2026, 2027]],
    ['cron(0 0 1 1 ? 2026,2030)', '0 0 0 1 1 * aws', [2026, 2030]],
    ['cron(0 0 1 1 ? 2030,2026,2030)', '0 0 0 1 1 * aws', [2026, 2030]],
    ['cron(0 0 1 1 ? 2190/3)', '0 0 0 1 1 * aws', [2190, 2193, 2196, 2199]],
    ['cron(0 0 1 1 ? 2026-2032/3)', '0 0 0 1 1 * aws', [2026, 2029, 2032]],
  ])('%j → %j in years %j', (text, cron, years) => {
    expect(parseCron(text)).toEqual({ ok: true, cron, years });
  });

  test('"2026/2" means every other year from 2026 up to 2199', () => {
    const result = parseCron('cron(0 0 1 1 ? 2026/2)');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.years).toHaveLength(87);
    expect(result.years![0]).toBe(2026);
    expect(result.years![1]).toBe(2028);
    expect(result.years![86]).toBe(2198);
  });
});

describe('parseCron rejects', () => {
  test.each([
    ['', /^"" is empty/],
    ['   ', /^" {3}" is blank/],
    [' 0 0 * * *', /^" 0 0 \* \* \*" has leading or trailing whitespace; write "0 0 \* \* \*"$/],
    ['garbage', /^"garbage" has 1 field; write 5 fields .*6 with leading seconds.*cron\(minute hour/],
    ['* * * *', /^"\* \* \* \*" has 4 fields; write 5 fields/],
    ['* * * * * * *', /^"\* \* \* \* \* \* \*" has 7 fields/],
    ['cron(0 0 1 * *)', /has 5 fields inside cron\(\.\.\.\); an AWS cron expression has 6: minute hour day-of-month month day-of-week year/],
    ['cron()', /has 0 fields inside cron/],
    ['cron(0 12 ? * MON-FRI *', /has no closing parenthesis/],
    ['CRON(0 12 ? * MON-FRI *)', /must start with lowercase "cron\("/],
    ['rate(5 minutes)', /is an AWS rate expression.*every: "5m"/],
    ['@reboot', /is not a known macro; use one of @yearly/],
    ['0 25 * * *', /^"0 25 \* \* \*" has hour 25 out of range in "25"; use 0-23$/],
    ['60 * * * *', /has minute 60 out of range; use 0-59|has minute 60 out of range in "60"; use 0-59/],
    ['61 * * * * *', /has second 61 out of range/],
    ['0 0 32 * *', /has day-of-month 32 out of range/],
    ['0 0 0 * *', /has day-of-month 0 out of range/],
    ['0 0 * 13 *', /has month 13 out of range in "13"; use 1-12 or JAN-DEC/],
    ['0 0 * * 8', /has day-of-week 8 out of range in "8"; use 0-7 \(0 and 7 are Sunday\) or SUN-SAT/],
    ['cron(0 0 ? * 0 *)', /has day-of-week 0 out of range in "0"; use 1-7 \(1 is Sunday\) or SUN-SAT/],
    ['cron(0 0 ? * 8 *)', /has day-of-week 8 out of range/],
    ['0 0 * * MOO', /has an invalid day-of-week value "MOO" in "MOO"; use 0-7/],
    ['0 0 * FOO *', /has an invalid month value "FOO"/],
    ['5-1 * * * *', /has the range "5-1" in minute, which goes backwards/],
    ['0 0 * * FRI-MON', /has the range "FRI-MON" in day-of-week, which goes backwards/],
    ['*/0 * * * *', /has a step of 0 in minute "\*\/0"; a step must be at least 1/],
    ['*/90 * * * *', /has a step of 90 in minute "\*\/90", larger than the field's range 0-59.*every: "90m"/],
    ['*/x * * * *', /has an invalid step in minute/],
    ['1,,2 * * * *', /has an empty list item in minute "1,,2"/],
    ['*-5 * * * *', /"\*" cannot start a range/],
    ['1-2-3 * * * *', /has an invalid minute "1-2-3"/],
    ['H * * * *', /uses "H" \(a hashed value\) in minute "H", which is not supported/],
    ['0 L * * *', /has "L" in hour "L", which is only meaningful in day-of-month or day-of-week/],
    ['0 0 ? * MON', /has "\?" in day-of-month; "\?" is only accepted in AWS cron\(\.\.\.\) expressions.*use "\*"/],
    ['0 0 0 ? * 2', /has "\?" in day-of-month/],
    ['0 0 1 * ?', /has "\?" in day-of-week/],
    ['0 0 15W * *', /uses "W" \(nearest weekday\) in day-of-month "15W", which only AWS cron\(\.\.\.\) expressions support/],
    ['cron(0 0 1-15W * ? *)', /has an invalid day-of-month "1-15W"; "W" follows a single day, e\.g\. "15W"/],
    ['cron(0 0 1,15W * ? *)', /has an invalid day-of-month "1,15W"; "W" follows a single day/],
    ['cron(0 0 32W * ? *)', /has day-of-month 32 out of range in "32W"; use 1-31 or L/],
    ['cron(0 0 ? * 2W *)', /has "W" in day-of-week "2W"; "W" \(nearest weekday\) belongs in day-of-month/],
    ['cron(0 0 ? * */2 *)', /has a step "\/" in day-of-week "\*\/2"; AWS cron expressions allow "\/" in minutes, hours, day-of-month, month and year but not in day-of-week: list the days instead/],
    ['cron(0 0 ? * 2/2 *)', /has a step "\/" in day-of-week "2\/2"; AWS .* not in day-of-week/],
    ['cron(0 0 ? * MON-FRI/2 *)', /has a step "\/" in day-of-week/],
    ['cron(0 0 1 1 ? 2030-2026/2)', /has the range "2030-2026" in year, which goes backwards/],
    ['0 22-1 * * *', /has the range "22-1" in hour, which goes backwards; write it from low to high, or as a list/],
    ['0 0 * * FRI-SUN/1', /has the range "FRI-SUN" in day-of-week, which goes backwards/],
    ['6~15 * * * *', /uses "~" \(a random value\) in minute "6~15", which is not supported; write the value/],
    ['0 0 1 ? * *', /has "\?" in day-of-month/],
    ['0 ? * * *', /has "\?" in hour "\?"; "\?" is only for day-of-month or day-of-week in AWS cron/],
    ['0 0 1 JUL# *', /has "#" in month "JUL#", which is only meaningful in day-of-month or day-of-week/],
    ['0 0 1 W *', /has "W" in month "W", which is only meaningful in day-of-month or day-of-week/],
    ['0 0 L-2 * *', /uses an offset from the last day "L-2" in day-of-month, which is not supported/],
    ['0 0 * * L', /has "L" alone in day-of-week "L"; write e\.g\. "5L"/],
    ['0 0 * * 1#6', /has the occurrence 6 in day-of-week "1#6"; use 1-5/],
    ['0 0 * * 1#0', /has the occurrence 0 in day-of-week "1#0"; use 1-5/],
    ['0 0 * * 1#2,3', /"#" takes one day and an occurrence 1-5/],
    ['cron(0 0 1 * MON *)', /sets both day-of-month "1" and day-of-week "MON"; AWS requires exactly one of them to be "\?".*"cron\(0 0 1 \* \? \*\)".*"cron\(0 0 \? \* MON \*\)"/],
    ['cron(0 0 * * * *)', /sets both day-of-month "\*" and day-of-week "\*"; AWS requires exactly one of them to be "\?"/],
    ['cron(0 0 ? * ? *)', /has "\?" in both day-of-month and day-of-week; AWS requires exactly one of them to be "\?"/],
    ['cron(0 0 1? * ? *)', /has "\?" inside day-of-month "1\?"; "\?" must be the whole field/],
    ['cron(0 0 1 * ? ?)', /has "\?" in year "\?"; use "\*" for every year/],
    ['cron(0 0 1 1 ? 1969)', /has year 1969 out of range in "1969"; use 1970-2199/],
    ['cron(0 0 1 1 ? 2200)', /has year 2200 out of range in "2200"; use 1970-2199/],
    ['cron(0 0 1 1 ? 2030-2026)', /has the range "2030-2026" in year, which goes backwards/],
    ['cron(0 0 1 1 ? abc)', /has an invalid year value "abc"/],
    // impossible dates
    ['0 0 31 2 *', /^"0 0 31 2 \*" never fires: its day-of-month 31 does not exist in February \(at most 29 days\)$/],
    ['0 0 30 2 *', /^"0 0 30 2 \*" never fires: its day-of-month 30 does not exist in February/],
    ['0 0 30,31 2 *', /never fires: its day-of-month 30, 31 does not exist in February/],
    ['0 0 31 4,6,9,11 *', /^"0 0 31 4,6,9,11 \*" never fires: its day-of-month 31 does not exist in April, June, September or November \(at most 30 days\)$/],
    ['0 0 31 2 */2', /never fires: its day-of-month 31 does not exist in February/],
    ['cron(0 0 30 2 ? *)', /^"cron\(0 0 30 2 \? \*\)" never fires: its day-of-month 30 does not exist in February/],
  ])('%j', (text, message) => {
    const result = parseCron(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(message);
    expect(result.message.startsWith(JSON.stringify(text))).toBe(true);
  });

  test('a non-string never throws', () => {
    expect(parseCron(42 as unknown as string).ok).toBe(false);
    expect(parseCron(null as unknown as string).ok).toBe(false);
  });

  test('a year with a leap day is accepted when one allowed year has it', () => {
    expect(parseCron('cron(0 0 29 2 ? 2027-2029)')).toEqual({ ok: true, cron: '0 0 0 29 2 * aws', years: [2027, 2028, 2029] });
  });

  test('30 February is fine when a day-of-week is ORed with it (cronie: both fields restricted)', () => {
    expect(parseCron('0 0 30 2 MON')).toEqual({ ok: true, cron: '0 0 0 30 2 1 cronie-or-fixed' });
    expect(parseCron('0 0 31 2 1,*')).toEqual({ ok: true, cron: '0 0 0 31 2 0-6 cronie-or-fixed' });
  });

  test('whether an expression fires again is not decided here (never-fires.ts is)', () => {
    expect(parseCron('cron(0 0 29 2 ? 2027)').ok).toBe(true);
    expect(parseCron('0 0 * 2 1#5').ok).toBe(true);
  });
});

describe('cronOccurrencesAfter in UTC', () => {
  test('every 15 minutes, strictly after `after`', () => {
    expect(occurrences('*/15 * * * *', 'UTC', '2026-03-29T00:45:00.000Z', 3)).toEqual([
      '2026-03-29T01:00:00.000Z', '2026-03-29T01:15:00.000Z', '2026-03-29T01:30:00.000Z',
    ]);
    expect(occurrences('*/15 * * * *', 'UTC', '2026-03-29T00:44:59.999Z', 1)).toEqual(['2026-03-29T00:45:00.000Z']);
    expect(occurrences('*/15 * * * *', 'UTC', '2026-03-29T00:45:00.001Z', 1)).toEqual(['2026-03-29T01:00:00.000Z']);
  });

  test('until is inclusive', () => {
    expect(occurrences('0 * * * *', 'UTC', '2026-01-01T00:00:00Z', 10, '2026-01-01T03:00:00Z')).toEqual([
      '2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z',
    ]);
    expect(occurrences('0 * * * *', 'UTC', '2026-01-01T00:00:00Z', 10, '2026-01-01T02:59:59.999Z')).toHaveLength(2);
    expect(occurrences('0 * * * *', 'UTC', '2026-01-01T03:00:00Z', 10, '2026-01-01T03:00:00Z')).toEqual([]);
  });

  test('count 0 and invalid dates give nothing', () => {
    expect(cronOccurrencesAfter('0 0 * * * *', 'UTC', new Date('2026-01-01T00:00:00Z'), 0)).toEqual([]);
    expect(cronOccurrencesAfter('0 0 * * * *', 'UTC', new Date('nope'), 3)).toEqual([]);
  });

  test('an unknown time zone throws a RangeError', () => {
    expect(() => cronOccurrencesAfter('0 0 * * * *', 'Mars/Base', new Date('2026-01-01T00:00:00Z'), 1)).toThrow(RangeError);
  });

  test('seconds', () => {
    expect(occurrences('*/20 * * * * *', 'UTC', '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-01T00:00:20.000Z', '2026-01-01T00:00:40.000Z', '2026-01-01T00:01:00.000Z', '2026-01-01T00:01:20.000Z',
    ]);
  });

  test('day-of-month and day-of-week both restricted: either matches (Vixie)', () => {
    // 2026-06-01 is a Monday.
    expect(occurrences('0 0 1,15 * MON', 'UTC', '2026-05-31T00:00:00Z', 4)).toEqual([
      '2026-06-01T00:00:00.000Z', '2026-06-08T00:00:00.000Z', '2026-06-15T00:00:00.000Z', '2026-06-22T00:00:00.000Z',
    ]);
  });

  test('last day of the month and 29 February', () => {
    expect(occurrences('0 0 L * *', 'UTC', '2027-12-31T00:00:00Z', 3)).toEqual([
      '2028-01-31T00:00:00.000Z', '2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z',
    ]);
    expect(occurrences('0 0 29 2 *', 'UTC', '2026-01-01T00:00:00Z', 3)).toEqual([
      '2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z', '2036-02-29T00:00:00.000Z',
    ]);
    // 2100 is not a leap year.
    expect(occurrences('0 0 29 2 *', 'UTC', '2097-01-01T00:00:00Z', 1)).toEqual(['2104-02-29T00:00:00.000Z']);
  });
});

describe('AWS cron translation', () => {
  test('cron(0 12 ? * 2-6 *) is weekdays at 12:00', () => {
    // 2026-06-05 is a Friday.
    expect(occurrences('cron(0 12 ? * 2-6 *)', 'UTC', '2026-06-05T12:00:00Z', 6)).toEqual([
      '2026-06-08T12:00:00.000Z', '2026-06-09T12:00:00.000Z', '2026-06-10T12:00:00.000Z',
      '2026-06-11T12:00:00.000Z', '2026-06-12T12:00:00.000Z', '2026-06-15T12:00:00.000Z',
    ]);
  });

  test('cron(0 18 ? * 1 *) is Sundays at 18:00', () => {
    expect(occurrences('cron(0 18 ? * 1 *)', 'UTC', '2026-06-01T00:00:00Z', 3)).toEqual([
      '2026-06-07T18:00:00.000Z', '2026-06-14T18:00:00.000Z', '2026-06-21T18:00:00.000Z',
    ]);
    for (const date of occurrences('cron(0 18 ? * 1 *)', 'UTC', '2026-01-01T00:00:00Z', 20)) {
      expect(new Date(date).getUTCDay()).toBe(0);
    }
  });

  test('cron(15 10 ? * 6L 2026) is the last Friday of each month of 2026, then nothing', () => {
    expect(occurrences('cron(15 10 ? * 6L 2026)', 'UTC', '2026-10-01T00:00:00Z', 5)).toEqual([
      '2026-10-30T10:15:00.000Z', '2026-11-27T10:15:00.000Z', '2026-12-25T10:15:00.000Z',
    ]);
    expect(occurrences('cron(15 10 ? * 6L 2026)', 'UTC', '2025-12-01T00:00:00Z', 1)).toEqual(['2026-01-30T10:15:00.000Z']);
  });

  test('cron(0 8 1 * ? 2026-2027) stops after 2027', () => {
    expect(occurrences('cron(0 8 1 * ? 2026-2027)', 'UTC', '2027-10-15T00:00:00Z', 5)).toEqual([
      '2027-11-01T08:00:00.000Z', '2027-12-01T08:00:00.000Z',
    ]);
    expect(occurrences('cron(0 8 1 * ? 2026-2027)', 'UTC', '2020-01-01T00:00:00Z', 30)).toHaveLength(24);
  });

  test('cron(0 0 ? * 6#3 *) is the third Friday', () => {
    expect(occurrences('cron(0 0 ? * 6#3 *)', 'UTC', '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-16T00:00:00.000Z', '2026-02-20T00:00:00.000Z', '2026-03-20T00:00:00.000Z',
      '2026-04-17T00:00:00.000Z', '2026-05-15T00:00:00.000Z',
    ]);
  });

  test('a year list skips to the next allowed year', () => {
    expect(occurrences('cron(0 0 1 1 ? 2026,2150,2199)', 'UTC', '2026-06-01T00:00:00Z', 5)).toEqual([
      '2150-01-01T00:00:00.000Z', '2199-01-01T00:00:00.000Z',
    ]);
    expect(occurrences('cron(0 0 1 1 ? 2026/2)', 'UTC', '2026-06-01T00:00:00Z', 2)).toEqual([
      '2028-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z',
    ]);
  });

  test('years are years of the local calendar of the time zone', () => {
    // Midnight of 1 January 2027 in Kolkata (+05:30) is still 2026 in UTC.
    expect(occurrences('cron(0 0 1 1 ? 2027)', 'Asia/Kolkata', '2026-06-01T00:00:00Z', 2)).toEqual(['2026-12-31T18:30:00.000Z']);
    expect(occurrences('cron(30 23 31 12 ? 2026)', 'America/New_York', '2026-06-01T00:00:00Z', 2)).toEqual(['2027-01-01T04:30:00.000Z']);
  });
});

describe('time zones and daylight saving time (2026)', () => {
  test.each([
    // Europe/Rome: spring forward 2026-03-29 02:00 CET → 03:00 CEST (01:00Z).
    ['fixed-time 02:30 skipped on spring day fires right after the change, 03:00 CEST', '30 2 * * *', 'Europe/Rome', '2026-03-27T12:00:00Z',
      ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']],
    ['hourly across spring forward: no 02:00 local, no duplicate', '0 * * * *', 'Europe/Rome', '2026-03-28T23:30:00Z',
      ['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z']],
    ['fixed-time 02:30 and 03:30: 02:30 at the change, 03:30 as usual', '30 2,3 * * *', 'Europe/Rome', '2026-03-28T12:00:00Z',
      ['2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-30T01:30:00.000Z']],
    ['fixed-time 02:00 and 03:00 fire once at the change (cronie would run it twice)', '0 2,3 * * *', 'Europe/Rome', '2026-03-28T12:00:00Z',
      ['2026-03-29T01:00:00.000Z', '2026-03-30T00:00:00.000Z']],
    ['wildcard every 15 minutes of the skipped hour does not fire that day', '*/15 2 * * *', 'Europe/Rome', '2026-03-28T23:00:00Z',
      ['2026-03-30T00:00:00.000Z', '2026-03-30T00:15:00.000Z']],
    // Europe/Rome: fall back 2026-10-25 03:00 CEST → 02:00 CET (01:00Z).
    ['daily 02:30 fires once on fall-back day (first pass)', '30 2 * * *', 'Europe/Rome', '2026-10-23T12:00:00Z',
      ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']],
    ['hourly :30 fires in both passes of the repeated hour', '30 * * * *', 'Europe/Rome', '2026-10-24T23:00:00Z',
      ['2026-10-24T23:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-25T02:30:00.000Z']],
    ['daily 09:00 keeps local time across both changes', '0 9 * * *', 'Europe/Rome', '2026-03-28T00:00:00Z',
      ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z']],
    ['daily 09:00 after fall back', '0 9 * * *', 'Europe/Rome', '2026-10-24T00:00:00Z',
      ['2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z']],
    // America/New_York: spring 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); fall 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
    ['New York 02:30 on spring day fires at 03:00 EDT', '30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z',
      ['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']],
    ['New York 01:30 on fall-back day fires once (EDT)', '30 1 * * *', 'America/New_York', '2026-10-31T00:00:00Z',
      ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']],
    ['New York weekdays 09:00', '0 9 * * MON-FRI', 'America/New_York', '2026-03-06T00:00:00Z',
      ['2026-03-06T14:00:00.000Z', '2026-03-09T13:00:00.000Z', '2026-03-10T13:00:00.000Z']],
    ['New York weekdays 09:00 around fall back', '0 9 * * MON-FRI', 'America/New_York', '2026-10-30T00:00:00Z',
      ['2026-10-30T13:00:00.000Z', '2026-11-02T14:00:00.000Z']],
    // Australia/Sydney: fall back 2026-04-05 03:00 AEDT → 02:00 AEST (04-04T16:00Z); spring 2026-10-04 02:00 AEST → 03:00 AEDT (10-03T16:00Z).
    ['Sydney 02:30 on fall-back day fires once (AEDT)', '30 2 * * *', 'Australia/Sydney', '2026-04-03T00:00:00Z',
      ['2026-04-03T15:30:00.000Z', '2026-04-04T15:30:00.000Z', '2026-04-05T16:30:00.000Z']],
    ['Sydney 02:30 on spring day fires at 03:00 AEDT', '30 2 * * *', 'Australia/Sydney', '2026-10-02T00:00:00Z',
      ['2026-10-02T16:30:00.000Z', '2026-10-03T16:00:00.000Z', '2026-10-04T15:30:00.000Z']],
    ['Sydney 09:00 across fall back', '0 9 * * *', 'Australia/Sydney', '2026-04-03T00:00:00Z',
      ['2026-04-03T22:00:00.000Z', '2026-04-04T23:00:00.000Z', '2026-04-05T23:00:00.000Z']],
    ['Sydney 09:00 across spring forward', '0 9 * * *', 'Australia/Sydney', '2026-10-02T00:00:00Z',
      ['2026-10-02T23:00:00.000Z', '2026-10-03T22:00:00.000Z', '2026-10-04T22:00:00.000Z']],
    // Asia/Kolkata: +05:30 all year.
    ['Kolkata 09:00 is 03:30Z on Rome\'s spring day', '0 9 * * *', 'Asia/Kolkata', '2026-03-28T12:00:00Z',
      ['2026-03-29T03:30:00.000Z', '2026-03-30T03:30:00.000Z']],
    ['Kolkata 02:30 is 21:00Z the day before', '30 2 * * *', 'Asia/Kolkata', '2026-10-24T12:00:00Z',
      ['2026-10-24T21:00:00.000Z', '2026-10-25T21:00:00.000Z']],
    ['Kolkata third Friday', 'cron(0 0 ? * 6#3 *)', 'Asia/Kolkata', '2026-01-01T00:00:00Z',
      ['2026-01-15T18:30:00.000Z', '2026-02-19T18:30:00.000Z']],
    // UTC never shifts.
    ['UTC 02:30 on Rome\'s spring day', '30 2 * * *', 'UTC', '2026-03-28T12:00:00Z',
      ['2026-03-29T02:30:00.000Z', '2026-03-30T02:30:00.000Z']],
  ])('%s', (_name, text, timezone, after, expected) => {
    expect(occurrences(text, timezone, after, expected.length)).toEqual(expected);
  });

  test('the result does not depend on where the search starts', () => {
    // 02:30's catch-up is at the change (01:00Z): from just before it, it is next; from after it, the next day.
    expect(occurrences('30 2 * * *', 'Europe/Rome', '2026-03-29T00:59:59.999Z', 1)).toEqual(['2026-03-29T01:00:00.000Z']);
    expect(occurrences('30 2 * * *', 'Europe/Rome', '2026-03-29T01:00:00Z', 1)).toEqual(['2026-03-30T00:30:00.000Z']);
    // From inside the second pass of 02:xx on the fall-back day, 02:30 does not fire again.
    expect(occurrences('30 2 * * *', 'Europe/Rome', '2026-10-25T01:10:00Z', 1)).toEqual(['2026-10-26T01:30:00.000Z']);
  });
});

describe('properties', () => {
  const fields = {
    second: ['0', '0', '0', '30', '*/20'],
    minute: ['0', '30', '*/15', '0,30', '*', '5-10', '59'],
    hour: ['*', '0', '1', '2', '3', '2,3', '1-3', '*/2', '22-23', '12', '0,2'],
    dom: ['*', '*', '*', '1', 'L', '15', '1-7', '29', '31', '*/2'],
    month: ['*', '*', '*', '3', '10', '3,10', '4', '9', '11', '2'],
    dow: ['*', '*', '*', '0', '1-5', '0,6', '5L', '0#1', '6'],
  };
  const cronArb = fc.tuple(
    fc.constantFrom(...fields.second), fc.constantFrom(...fields.minute), fc.constantFrom(...fields.hour),
    fc.constantFrom(...fields.dom), fc.constantFrom(...fields.month), fc.constantFrom(...fields.dow),
  ).map((parts) => parts.join(' ')).filter((cron) => parseCron(cron).ok);
  /** Instants of each 2026 change, per zone. */
  const changes: Record<string, string[]> = {
    'UTC': ['2026-03-29T01:00:00Z'],
    'Europe/Rome': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
    'Europe/London': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
    'America/New_York': ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z'],
    'America/St_Johns': ['2026-03-08T05:30:00Z', '2026-11-01T04:30:00Z'],
    'America/Santiago': ['2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z'],
    'Australia/Sydney': ['2026-04-04T16:00:00Z', '2026-10-03T16:00:00Z'],
    'Pacific/Auckland': ['2026-04-04T14:00:00Z', '2026-09-26T14:00:00Z'],
    'Asia/Kolkata': ['2026-03-29T01:00:00Z'],
    'Asia/Beirut': ['2026-03-28T22:00:00Z', '2026-10-24T21:00:00Z'],
    'Africa/Casablanca': ['2026-02-15T02:00:00Z', '2026-03-22T02:00:00Z'],
  };
  const nearChange = fc.constantFrom(...Object.entries(changes).flatMap(([zone, list]) => list.map((at) => [zone, Date.parse(at)] as const)))
    .chain(([zone, at]) => fc.integer({ min: -8 * 3_600, max: 8 * 3_600 }).chain((seconds) =>
      fc.integer({ min: 0, max: 999 }).map((ms) => ({ zone, after: at + seconds * 1_000 + (ms < 300 ? 0 : ms) }))));

  test('strictly increasing, strictly after `after`, not after `until`, and independent of the starting point', () => {
    const countArb = fc.integer({ min: 1, max: 30 });
    const spanArb = fc.integer({ min: 0, max: 40 * 86_400 });
    fc.assert(fc.property(cronArb, nearChange, countArb, spanArb, (text, { zone, after }, count, span) => {
      const parsed = parseCron(text);
      if (!parsed.ok) return;
      const until = after + span * 1_000;
      const list = cronOccurrencesAfter(parsed.cron, zone, new Date(after), count, new Date(until)).map((d) => d.getTime());
      expect(list.length).toBeLessThanOrEqual(count);
      list.forEach((t, i) => {
        expect(t).toBeGreaterThan(i === 0 ? after : list[i - 1]);
        expect(t).toBeLessThanOrEqual(until);
        expect(t % 1_000).toBe(0);
      });
      // Restarting from any returned occurrence gives the rest of the same list.
      if (list.length > 1) {
        const middle = list[Math.floor(list.length / 2)];
        const rest = cronOccurrencesAfter(parsed.cron, zone, new Date(middle), count, new Date(until)).map((d) => d.getTime());
        expect(rest.slice(0, list.length - list.indexOf(middle) - 1)).toEqual(list.slice(list.indexOf(middle) + 1));
      }
    }), { numRuns: 300 });
  });

  test('years filter equals the unfiltered occurrences in those years', () => {
    fc.assert(fc.property(cronArb, fc.uniqueArray(fc.integer({ min: 2026, max: 2030 }), { minLength: 1, maxLength: 3 }), (text, years) => {
      const parsed = parseCron(text);
      if (!parsed.ok) return;
      const after = new Date('2025-12-31T00:00:00Z');
      const until = new Date('2031-01-02T00:00:00Z');
      const all = cronOccurrencesAfter(parsed.cron, 'Europe/Rome', after, 60, until);
      const filtered = cronOccurrencesAfter(parsed.cron, 'Europe/Rome', after, 20, until, years);
      const localYear = (d: Date): number => Number(d.toLocaleString('en-US', { timeZone: 'Europe/Rome', year: 'numeric' }));
      filtered.forEach((d) => expect(years).toContain(localYear(d)));
      // The first occurrences of the filtered list are the unfiltered ones in those years (up to what was computed).
      const expected = all.filter((d) => years.includes(localYear(d))).slice(0, 20);
      const last = all[all.length - 1]?.getTime() ?? 0;
      expect(filtered.filter((d) => d.getTime() <= last).map((d) => d.getTime())).toEqual(expected.map((d) => d.getTime()));
    }), { numRuns: 200 });
  });
});

test('Casablanca follows the same rules: a repeated hour fires once (first pass), a skipped fixed time fires at the change', () => {
  const parsed = parseCron('0 30 2 * * *');
  if (!parsed.ok) throw new Error(parsed.message);
  // 2026-02-15 03:00 (+01) goes back to 02:00 (+00); 2026-03-22 02:00 (+00) jumps to 03:00 (+01).
  expect(cronOccurrencesAfter(parsed.cron, 'Africa/Casablanca', new Date('2026-02-14T12:00:00Z'), 2).map((d) => d.toISOString()))
    .toEqual(['2026-02-15T01:30:00.000Z', '2026-02-16T02:30:00.000Z']);
  expect(cronOccurrencesAfter(parsed.cron, 'Africa/Casablanca', new Date('2026-03-21T12:00:00Z'), 2).map((d) => d.toISOString()))
    .toEqual(['2026-03-22T02:00:00.000Z', '2026-03-23T01:30:00.000Z']);
});
