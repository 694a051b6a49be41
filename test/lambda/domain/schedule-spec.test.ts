import * as fc from 'fast-check';
import { parseInstant } from '../../../lambda/domain/instant';
import { nextOccurrences } from '../../../lambda/domain/occurrences';
import { StartParseResult } from '../../../lambda/domain/parse-result';
import { parseStartDetail } from '../../../lambda/domain/schedule-spec';
import { parseStopDetail } from '../../../lambda/domain/stop-detail';
import { ValidationError } from '../../../src/contract';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const ALLOWED = 'allowed fields are id, cron, every, duration, at, limit, timezone, startAt, endAt, payload';

function errorsOf(result: StartParseResult | ReturnType<typeof parseStopDetail>): ValidationError[] {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.errors;
}

/** Every value (deeply) is JSON: no undefined, no NaN. */
function expectPlainJson(value: unknown): void {
  expect(JSON.parse(JSON.stringify(value))).toEqual(value);
  const walk = (v: unknown): void => {
    expect(v).not.toBeUndefined();
    if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
}

describe('parseStartDetail accepts', () => {
  test.each([
    ['cron', { id: 'nightly', cron: '0 9 * * MON-FRI' },
      { kind: 'cron', expression: '0 9 * * MON-FRI', cron: '0 0 9 * * 1-5 cronie-and-fixed', timezone: 'UTC' }],
    ['cron with every option', {
      id: 'rome',
      cron: '30 2 * * *',
      timezone: 'Europe/Rome',
      limit: 3,
      startAt: '2026-06-02T00:00:00+02:00',
      endAt: '2026-12-01T00:00:00Z',
    }, {
      kind: 'cron',
      expression: '30 2 * * *',
      cron: '0 30 2 * * * cronie-and-fixed',
      timezone: 'Europe/Rome',
      limit: 3,
      startAt: '2026-06-01T22:00:00.000Z',
      endAt: '2026-12-01T00:00:00.000Z',
    }],
    ['AWS cron with years', { id: 'aws', cron: 'cron(0 8 1 * ? 2026-2027)' },
      { kind: 'cron', expression: 'cron(0 8 1 * ? 2026-2027)', cron: '0 0 8 1 * * aws', years: [2026, 2027], timezone: 'UTC' }],
    ['every: first tick one interval after now', { id: 'poll', every: '5m' },
      { kind: 'every', expression: '5m', everyMs: 300_000, anchor: '2026-06-01T12:05:00.000Z', timezone: 'UTC' }],
    ['every ISO with limit and timezone (kept, unused)', { id: 'poll', every: 'PT1H30M', limit: 1_000_000_000, timezone: 'Asia/Kolkata' },
      { kind: 'every', expression: 'PT1H30M', everyMs: 5_400_000, anchor: '2026-06-01T13:30:00.000Z', timezone: 'Asia/Kolkata', limit: 1_000_000_000 }],
    ['every anchored at a future startAt', { id: 'poll', every: '1h', startAt: '2026-06-02T00:00:00Z' },
      { kind: 'every', expression: '1h', everyMs: 3_600_000, anchor: '2026-06-02T00:00:00.000Z', timezone: 'UTC', startAt: '2026-06-02T00:00:00.000Z' }],
    ['every anchored at a past startAt', { id: 'poll', every: '1h', startAt: '2026-01-01T00:00:00Z' },
      { kind: 'every', expression: '1h', everyMs: 3_600_000, anchor: '2026-01-01T00:00:00.000Z', timezone: 'UTC', startAt: '2026-01-01T00:00:00.000Z' }],
    ['duration', { id: 'remind', duration: 'PT30M' },
      { kind: 'duration', expression: 'PT30M', anchor: '2026-06-01T12:30:00.000Z', timezone: 'UTC' }],
    ['duration within endAt', { id: 'remind', duration: '2d', endAt: '2026-06-03T12:00:00Z' },
      { kind: 'duration', expression: '2d', anchor: '2026-06-03T12:00:00.000Z', timezone: 'UTC', endAt: '2026-06-03T12:00:00.000Z' }],
    ['at with an offset', { id: 'launch', at: '2026-12-01T09:00:00+01:00' },
      { kind: 'at', expression: '2026-12-01T09:00:00+01:00', anchor: '2026-12-01T08:00:00.000Z', timezone: 'UTC' }],
    ['at with Z, minutes only', { id: 'launch', at: '2026-06-01T12:01Z' },
      { kind: 'at', expression: '2026-06-01T12:01Z', anchor: '2026-06-01T12:01:00.000Z', timezone: 'UTC' }],
    ['at with fractions, rounded up to the next whole second (Wait drops milliseconds)', { id: 'launch', at: '2026-06-01T12:00:00.0015Z' },
      { kind: 'at', expression: '2026-06-01T12:00:00.0015Z', anchor: '2026-06-01T12:00:01.000Z', timezone: 'UTC' }],
    ['every from a fractional startAt: anchor and startAt rounded up', { id: 'poll', every: '1m', startAt: '2026-06-02T00:00:00.250Z' },
      { kind: 'every', expression: '1m', everyMs: 60_000, anchor: '2026-06-02T00:00:01.000Z', timezone: 'UTC', startAt: '2026-06-02T00:00:01.000Z' }],
    ['undefined optional fields are absent', { id: 'x', every: '5m', limit: undefined, timezone: undefined },
      { kind: 'every', expression: '5m', everyMs: 300_000, anchor: '2026-06-01T12:05:00.000Z', timezone: 'UTC' }],
  ])('%s', (_name, detail, spec) => {
    const result = parseStartDetail(detail, NOW);
    if (result.ok) expect(nextOccurrences(result.spec, NOW, 3).every((t) => t.getTime() % 1000 === 0)).toBe(true);
    expect(result).toEqual({ ok: true, id: (detail as { id: string }).id, spec, hasPayload: false });
    expectPlainJson(result);
    if (result.ok) expect(nextOccurrences(result.spec, NOW, 1)).toHaveLength(1);
  });

  test.each([
    ['an object', { order: 42, tags: ['a'] }],
    ['null (still a payload)', null],
    ['a string', 'hello'],
    ['8192 bytes exactly', 'x'.repeat(8_190)],
  ])('payload: %s', (_name, payload) => {
    const result = parseStartDetail({ id: 'p', every: '1m', payload }, NOW);
    expect(result).toMatchObject({ ok: true, hasPayload: true, payload });
  });

  test('no payload: hasPayload is false and payload absent', () => {
    const result = parseStartDetail({ id: 'p', every: '1m' }, NOW);
    expect(result.ok && result.hasPayload).toBe(false);
    expect(Object.keys(result)).not.toContain('payload');
  });

  test('id of 256 characters counts code points, not UTF-16 units', () => {
    const id = '😀'.repeat(256);
    expect(parseStartDetail({ id, every: '1m' }, NOW)).toMatchObject({ ok: true, id });
  });

  test('a null-prototype object is a plain object', () => {
    const detail = Object.assign(Object.create(null), { id: 'n', every: '1m' });
    expect(parseStartDetail(detail, NOW).ok).toBe(true);
  });
});

describe('parseStartDetail rejects', () => {
  test.each([
    ['null', null],
    ['an array', [{ id: 'x', every: '1m' }]],
    ['a string', '{"id":"x"}'],
    ['a number', 42],
    ['undefined', undefined],
    ['a Date', new Date()],
    ['a Map', new Map([['id', 'x']])],
  ])('a detail that is %s', (_name, detail) => {
    const errors = errorsOf(parseStartDetail(detail, NOW));
    expect(errors).toHaveLength(1);
    expect(errors[0].field).toBe('detail');
    expect(errors[0].message).toMatch(/^a Start detail must be a JSON object such as .*; received /);
  });

  test.each([
    // [name, detail, [[field, message pattern, value?]]]
    ['an empty object', {}, [
      ['id', /^id is required: a string of 1 to 256 characters/],
      ['cron|every|duration|at', /^one of cron, every, duration, at is required/],
    ]],
    ['id: a number', { id: 42, every: '1m' }, [['id', /^id must be a string of 1 to 256 characters; received 42 \(a number\)$/, 42]]],
    ['id: empty', { id: '', every: '1m' }, [['id', /^id "" is empty; it must have 1 to 256 characters$/, '']]],
    ['id: too long', { id: 'x'.repeat(257), every: '1m' }, [['id', /^id "x+…" has 257 characters; at most 256 are allowed$/]]],
    ['id: NUL', { id: 'a\u0000b', every: '1m' }, [['id', /^id "a\\u0000b" contains the control character U\+0000 at position 2/, 'a\u0000b']]],
    ['id: DEL', { id: 'a\u007f', every: '1m' }, [['id', /control character U\+007F at position 2/]]],
    ['id: C1', { id: 'a\u0085', every: '1m' }, [['id', /control character U\+0085/]]],
    ['id: newline', { id: 'a\nb', every: '1m' }, [['id', /control character U\+000A/]]],
    ['id: lone surrogate', { id: 'a\ud800', every: '1m' }, [['id', /is not valid Unicode: it has an unpaired surrogate at position 2/]]],
    ['several timing fields', { id: 'x', every: '5m', at: '2026-12-01T09:00:00Z' }, [
      ['every|at', /^only one of cron, every, duration, at may be given; received every and at$/, { every: '5m', at: '2026-12-01T09:00:00Z' }],
    ]],
    ['several timing fields, one invalid: both reported', { id: 'x', cron: '0 25 * * *', duration: '5m' }, [
      ['cron|duration', /^only one of cron, every, duration, at may be given; received cron and duration$/],
      ['cron', /^cron "0 25 \* \* \*" has hour 25 out of range/],
    ]],
    ['cron: not a string', { id: 'x', cron: 5 }, [['cron', /^cron must be a string such as "0 9 \* \* MON-FRI"; received 5 \(a number\)$/, 5]]],
    ['cron: invalid', { id: 'x', cron: 'cron(0 0 1 * MON *)' }, [['cron', /^cron "cron\(0 0 1 \* MON \*\)" sets both day-of-month "1" and day-of-week "MON"; AWS requires exactly one/]]],
    ['cron: never fires (30 February)', { id: 'x', cron: '0 0 30 2 *' }, [['cron', /^cron "0 0 30 2 \*" never fires/]]],
    ['cron: only past years', { id: 'x', cron: 'cron(0 0 1 1 ? 2020-2025)' }, [
      ['cron', /^cron "cron\(0 0 1 1 \? 2020-2025\)" would never fire: it has no occurrence after now \(2026-06-01T12:00:00\.000Z\) in the years it allows/],
    ]],
    ['cron: none before endAt', { id: 'x', cron: '0 0 1 1 *', endAt: '2026-12-31T00:00:00Z' }, [
      ['cron', /^cron "0 0 1 1 \*" would never fire: .* up to endAt 2026-12-31T00:00:00\.000Z before 2200/],
    ]],
    ['cron: a leap day in a year without one', { id: 'x', cron: 'cron(0 0 29 2 ? 2027)' }, [
      ['cron', /^cron "cron\(0 0 29 2 \? 2027\)" would never fire: it has no occurrence after now .* in the years it allows \(2027\) before 2200/],
    ]],
    ['every: no unit', { id: 'x', every: '5' }, [['every', /^every "5" has no unit; write e\.g\. "5m" or "PT5M"$/, '5']]],
    ['every: ambiguous M', { id: 'x', every: '5M' }, [['every', /^every "5M" is ambiguous/]]],
    ['every: not a string', { id: 'x', every: 300 }, [['every', /^every must be a string such as "5m"; received 300 \(a number\)$/]]],
    ['every: first occurrence after endAt', { id: 'x', every: '1h', endAt: '2026-06-01T12:30:00Z' }, [
      ['every', /^every "1h" would never fire: its first occurrence after now .* is after endAt 2026-06-01T12:30:00\.000Z$/],
    ]],
    ['every: past startAt grid misses the window', { id: 'x', every: '1h', startAt: '2026-01-01T00:00:00Z', endAt: '2026-06-01T12:30:00Z' }, [
      ['every', /^every "1h" would never fire/],
    ]],
    ['duration: months', { id: 'x', duration: 'P1M' }, [['duration', /^duration "P1M" uses months, which have no fixed length/]]],
    ['duration: after endAt', { id: 'x', duration: '1h', endAt: '2026-06-01T12:10:00Z' }, [
      ['duration', /^duration "1h" \(fires at 2026-06-01T13:00:00\.000Z\) would never fire: it is after endAt 2026-06-01T12:10:00\.000Z$/],
    ]],
    ['duration: before startAt', { id: 'x', duration: '1h', startAt: '2026-06-02T00:00:00Z' }, [['duration', /would never fire: it is before startAt/]]],
    ['at: no offset', { id: 'x', at: '2026-12-01T09:00:00' }, [
      ['at', /^at "2026-12-01T09:00:00" has no UTC offset, so the instant it names is ambiguous; add "Z" or an offset, e\.g\. "2026-12-01T09:00:00Z"/],
    ]],
    ['at: date only', { id: 'x', at: '2026-12-01' }, [['at', /^at "2026-12-01" is a date without a time and offset; write an instant such as "2026-12-01T00:00:00Z"$/]]],
    ['at: 30 February', { id: 'x', at: '2026-02-30T09:00:00Z' }, [['at', /^at "2026-02-30T09:00:00Z" is not a real date: February 2026 has 28 days$/]]],
    ['at: 29 February of a common year', { id: 'x', at: '2027-02-29T09:00:00Z' }, [['at', /February 2027 has 28 days/]]],
    ['at: month 13', { id: 'x', at: '2026-13-01T09:00:00Z' }, [['at', /has month 13, which does not exist/]]],
    ['at: hour 24', { id: 'x', at: '2026-12-01T24:00:00Z' }, [['at', /has hour 24; use 00-23/]]],
    ['at: garbage', { id: 'x', at: 'tomorrow' }, [['at', /^at "tomorrow" is not an ISO-8601 instant; write e\.g\. "2026-12-01T09:00:00\+01:00"/]]],
    ['at: epoch number', { id: 'x', at: 1_790_000_000_000 }, [['at', /^at must be a string such as "2026-12-01T09:00:00Z"; received 1790000000000 \(a number\)$/]]],
    ['at: in the past', { id: 'x', at: '2020-01-01T00:00:00Z' }, [
      ['at', /^at "2020-01-01T00:00:00Z" is not in the future \(now is 2026-06-01T12:00:00\.000Z\)/, '2020-01-01T00:00:00Z'],
    ]],
    ['at: exactly now', { id: 'x', at: '2026-06-01T12:00:00Z' }, [['at', /is not in the future/]]],
    ['at: before startAt', { id: 'x', at: '2026-07-01T00:00:00Z', startAt: '2026-08-01T00:00:00Z' }, [
      ['at', /^at "2026-07-01T00:00:00Z" would never fire: it is before startAt 2026-08-01T00:00:00\.000Z$/],
    ]],
    ['limit: 0', { id: 'x', every: '1m', limit: 0 }, [['limit', /^limit must be a whole number from 1 to 1000000000; received 0 \(a number\)$/, 0]]],
    ['limit: negative', { id: 'x', every: '1m', limit: -3 }, [['limit', /received -3 \(a number\)/]]],
    ['limit: fractional', { id: 'x', every: '1m', limit: 1.5 }, [['limit', /received 1\.5 \(a number\)/]]],
    ['limit: a string', { id: 'x', every: '1m', limit: '3' }, [['limit', /received "3" \(a string\)/, '3']]],
    ['limit: too large', { id: 'x', every: '1m', limit: 1_000_000_001 }, [['limit', /received 1000000001 \(a number\)/]]],
    ['limit: null', { id: 'x', every: '1m', limit: null }, [['limit', /received null$/]]],
    ['limit: with duration', { id: 'x', duration: '5m', limit: 2 }, [['limit', /^limit is only allowed with cron or every; a duration schedule fires once$/, 2]]],
    ['limit: with at', { id: 'x', at: '2026-12-01T00:00:00Z', limit: 1 }, [['limit', /^limit is only allowed with cron or every; an at schedule fires once$/]]],
    ['timezone: unknown', { id: 'x', cron: '0 9 * * *', timezone: 'Mars/Base' }, [
      ['timezone', /^timezone "Mars\/Base" is not an IANA time zone name; use e\.g\. "Europe\/Rome"/, 'Mars/Base'],
    ]],
    ['timezone: empty', { id: 'x', cron: '0 9 * * *', timezone: '' }, [['timezone', /^timezone "" is not an IANA time zone name/]]],
    ['timezone: an offset', { id: 'x', cron: '0 9 * * *', timezone: '+01:00' }, [['timezone', /^timezone "\+01:00" is not an IANA time zone name/]]],
    ['timezone: a number', { id: 'x', cron: '0 9 * * *', timezone: 1 }, [['timezone', /^timezone must be an IANA time zone name such as "Europe\/Rome"; received 1 \(a number\)$/]]],
    ['startAt: no offset', { id: 'x', every: '1m', startAt: '2026-07-01T00:00:00' }, [['startAt', /^startAt "2026-07-01T00:00:00" has no UTC offset/]]],
    ['endAt: not after startAt', { id: 'x', every: '1m', startAt: '2026-07-01T00:00:00Z', endAt: '2026-07-01T00:00:00Z' }, [
      ['endAt', /^endAt "2026-07-01T00:00:00Z" must be after startAt "2026-07-01T00:00:00Z"$/],
    ]],
    ['endAt: in the past', { id: 'x', every: '1m', endAt: '2026-05-01T00:00:00Z' }, [
      ['endAt', /^endAt "2026-05-01T00:00:00Z" is not in the future \(now is 2026-06-01T12:00:00\.000Z\)$/],
    ]],
    ['endAt: a number', { id: 'x', every: '1m', endAt: 5 }, [['endAt', /^endAt must be an ISO-8601 instant with an offset/]]],
    ['payload: too large', { id: 'x', every: '1m', payload: 'x'.repeat(8_191) }, [
      ['payload', /^payload is 8193 bytes as JSON \(UTF-8\); at most 8192 bytes are allowed$/],
    ]],
    ['payload: multi-byte characters count as bytes', { id: 'x', every: '1m', payload: 'é'.repeat(4_096) }, [['payload', /^payload is 8194 bytes/]]],
    ['payload: not JSON', { id: 'x', every: '1m', payload: { a: [1, NaN] } }, [['payload', /^payload must be a JSON value; payload\.a\[1\] is NaN, which JSON cannot represent$/]]],
    ['payload: undefined inside', { id: 'x', every: '1m', payload: { a: undefined } }, [['payload', /payload\.a is undefined, which is not JSON/]]],
    ['unknown fields, one error each', { id: 'x', every: '1m', foo: 1, Every: '2m' }, [
      ['foo', new RegExp(`^unknown field "foo"; ${ALLOWED}$`), 1],
      ['Every', new RegExp(`^unknown field "Every"; ${ALLOWED}$`), '2m'],
    ]],
    ['an empty key', { 'id': 'x', 'every': '1m', '': 1 }, [['""', /^unknown field ""; allowed fields/]]],
  ] as Array<[string, Record<string, unknown>, Array<[string, RegExp, unknown?]>]>)('%s', (_name, detail, expected) => {
    const result = parseStartDetail(detail, NOW);
    const errors = errorsOf(result);
    expect(errors.map((e) => e.field).sort()).toEqual(expected.map(([field]) => field).sort());
    for (const [field, message, value] of expected) {
      const error = errors.find((e) => e.field === field && message.test(e.message));
      expect({ field, message: error?.message ?? errors.map((e) => e.message) }).toEqual({ field, message: expect.stringMatching(message) });
      if (value !== undefined) expect(error!.value).toEqual(value);
    }
    // The id is reported when it was valid.
    if (typeof detail.id === 'string' && !errors.some((e) => e.field === 'id')) expect(result).toMatchObject({ id: detail.id });
    else expect(result).not.toHaveProperty('id');
    expectPlainJson(result);
  });

  test('every problem is reported at once', () => {
    const errors = errorsOf(parseStartDetail({
      id: '', every: '5', limit: '3', timezone: 'Mars/Base', startAt: 'soon', endAt: '2026-07-01', payload: 'x'.repeat(9_000), extra: true,
    }, NOW));
    expect(errors.map((e) => e.field)).toEqual(['extra', 'id', 'every', 'limit', 'timezone', 'startAt', 'endAt', 'payload']);
    for (const error of errors) {
      expect(error.field.length).toBeGreaterThan(0);
      expect(error.message.length).toBeGreaterThan(0);
    }
  });

  test('messages quote the value received', () => {
    const values = { every: '7 minutes', cron: undefined, startAt: 'next monday', timezone: 'Europe/Romee' };
    for (const [field, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const detail = field === 'every' ? { id: 'q', every: value } : { id: 'q', every: '1m', [field]: value };
      const error = errorsOf(parseStartDetail(detail, NOW)).find((e) => e.field === field)!;
      expect(error.message).toContain(JSON.stringify(value));
      expect(error.value).toBe(value);
    }
  });

  test('a huge value is echoed as a summary, not copied', () => {
    const errors = errorsOf(parseStartDetail({ id: 'x', every: '1m', junk: 'y'.repeat(100_000) }, NOW));
    expect(errors[0].value).toBe('[a string of 100002 characters as JSON, not echoed]');
  });

  test('a getter that throws is reported, not thrown', () => {
    const detail = {
      id: 'x',
      get every(): string {
        throw new Error('boom');
      },
    };
    expect(parseStartDetail(detail, NOW)).toEqual({ ok: false, errors: [{ field: 'detail', message: 'the detail could not be read: boom' }] });
  });
});

describe('parseInstant', () => {
  test.each([
    ['2026-12-01T09:00:00+01:00', '2026-12-01T08:00:00.000Z'],
    ['2026-12-01T09:00:00-05:30', '2026-12-01T14:30:00.000Z'],
    ['2026-12-01T09:00Z', '2026-12-01T09:00:00.000Z'],
    ['2026-12-01T09:00:00.5Z', '2026-12-01T09:00:00.500Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z'],
  ])('%j is %j', (text, instant) => {
    const result = parseInstant(text);
    expect(result.ok && new Date(result.ms).toISOString()).toBe(instant);
  });
});

describe('parseStopDetail', () => {
  test('accepts { id }', () => {
    expect(parseStopDetail({ id: 'nightly' })).toEqual({ ok: true, id: 'nightly' });
  });

  test.each([
    ['not an object', 'nightly', undefined, [['detail', /^a Stop detail must be a JSON object such as \{"id": "nightly-report"\}; received "nightly" \(a string\)$/]]],
    ['no id', {}, undefined, [['id', /^id is required/]]],
    ['an id that is too long', { id: 'z'.repeat(300) }, undefined, [['id', /has 300 characters/]]],
    ['a control character', { id: 'a\tb' }, undefined, [['id', /control character U\+0009/]]],
    ['an unknown field (id still reported)', { id: 'nightly', cron: '0 0 * * *' }, 'nightly', [['cron', /^unknown field "cron"; allowed fields are id$/]]],
  ] as Array<[string, unknown, string | undefined, Array<[string, RegExp]>]>)('rejects %s', (_name, detail, id, expected) => {
    const result = parseStopDetail(detail);
    const errors = errorsOf(result);
    expect(errors.map((e) => e.field)).toEqual(expected.map(([field]) => field));
    expected.forEach(([, message], i) => expect(errors[i].message).toMatch(message));
    if (id) expect(result).toMatchObject({ id });
    else expect(result).not.toHaveProperty('id');
  });
});

describe('properties', () => {
  function checkResult(result: StartParseResult, detail: unknown): void {
    if (result.ok) {
      expect(typeof result.id).toBe('string');
      expectPlainJson(result.spec);
      expect(nextOccurrences(result.spec, NOW, 1)).toHaveLength(1);
      const given = ['cron', 'every', 'duration', 'at'].filter((k) => (detail as Record<string, unknown>)[k] !== undefined);
      expect(given).toEqual([result.spec.kind]);
    } else {
      expect(result.errors.length).toBeGreaterThan(0);
      for (const error of result.errors) {
        expect(typeof error.field).toBe('string');
        expect(error.field.length).toBeGreaterThan(0);
        expect(typeof error.message).toBe('string');
        expect(error.message.length).toBeGreaterThan(0);
      }
      expect(() => JSON.stringify(result)).not.toThrow();
    }
  }

  const exotic = {
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withSparseArray: true,
    withTypedArray: true,
    withBoxedValues: true,
    withObjectString: true,
  };

  test.each([
    ['fc.anything()', fc.anything(exotic)],
    ['fc.jsonValue()', fc.jsonValue()],
    ['fc.object()', fc.object(exotic)],
  ])('never throws on %s', (_name, arbitrary) => {
    fc.assert(fc.property(arbitrary, (detail) => {
      checkResult(parseStartDetail(detail, NOW), detail);
      const stop = parseStopDetail(detail);
      if (!stop.ok) stop.errors.forEach((e) => expect(e.field.length).toBeGreaterThan(0));
    }), { numRuns: 300 });
  });

  test('never throws on details built from plausible and broken fields', () => {
    const instant = fc.integer({ min: -400, max: 3_000 }).map((days) => new Date(NOW.getTime() + days * 86_400_000 + 1_234).toISOString());
    const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 3 });
    const timing = {
      cron: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('*/15 * * * *', '0 9 * * MON-FRI', 'cron(0 12 ? * 2-6 *)', 'cron(0 0 1 1 ? 2027)', '0 0 31 2 *', '0 0 29 2 *', 'x') },
        { weight: 1, arbitrary: fc.string() },
      ),
      every: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('1s', '5m', 'PT1H', '3650d', '5', '0s') }, { weight: 1, arbitrary: fc.string() }),
      duration: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('1s', 'PT30M', '2d', 'P1M') }, { weight: 1, arbitrary: fc.string() }),
      at: fc.oneof({ weight: 3, arbitrary: instant }, { weight: 1, arbitrary: fc.string() }),
    };
    const oneTiming = fc.constantFrom('cron', 'every', 'duration', 'at').chain((kind) => timing[kind as keyof typeof timing].map((value) => ({ [kind]: value })));
    const anyTiming = fc.record(
      { cron: maybe(timing.cron), every: maybe(timing.every), duration: maybe(timing.duration), at: maybe(timing.at) },
      { requiredKeys: [] },
    );
    const detailArb = fc.tuple(
      fc.record({
        id: fc.oneof({ weight: 5, arbitrary: fc.constant('job-1') }, { weight: 1, arbitrary: fc.string() }, { weight: 1, arbitrary: fc.anything() }),
        limit: maybe(fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 1, max: 1_000 }) },
          { weight: 1, arbitrary: fc.double() },
          { weight: 1, arbitrary: fc.anything() },
        )),
        timezone: maybe(fc.oneof(fc.constantFrom('UTC', 'Europe/Rome', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'Nowhere'), fc.string())),
        startAt: maybe(fc.oneof({ weight: 4, arbitrary: instant }, { weight: 1, arbitrary: fc.string() })),
        endAt: maybe(fc.oneof({ weight: 4, arbitrary: instant }, { weight: 1, arbitrary: fc.string() })),
        payload: maybe(fc.jsonValue()),
      }, { requiredKeys: [] }),
      fc.oneof({ weight: 4, arbitrary: oneTiming }, { weight: 1, arbitrary: anyTiming }),
    ).map(([rest, timingFields]) => ({ ...rest, ...timingFields }));
    let accepted = 0;
    fc.assert(fc.property(detailArb, (detail) => {
      const result = parseStartDetail(detail, NOW);
      if (result.ok) accepted++;
      checkResult(result, detail);
    }), { numRuns: 1_000 });
    // The generator reaches the accepting paths too.
    expect(accepted).toBeGreaterThan(40);
  });
});

describe('whole seconds: Step Functions truncates the milliseconds of a Wait timestamp', () => {
  const FRACTIONAL_NOW = new Date('2026-06-01T12:00:00.400Z');
  test.each([
    ['every', { id: 'x', every: '5s' }, '2026-06-01T12:00:06.000Z'],
    ['duration', { id: 'x', duration: '90s' }, '2026-06-01T12:01:31.000Z'],
    ['at', { id: 'x', at: '2026-06-01T12:10:00.001Z' }, '2026-06-01T12:10:01.000Z'],
  ])('a Start received at a fractional time: the %s anchor is rounded up to the next whole second', (_kind, detail, anchor) => {
    const result = parseStartDetail(detail, FRACTIONAL_NOW);
    expect(result.ok && result.spec.anchor).toBe(anchor);
  });

  test('a whole-second anchor is kept as it is', () => {
    const result = parseStartDetail({ id: 'x', every: '5s' }, NOW);
    expect(result.ok && result.spec.anchor).toBe('2026-06-01T12:00:05.000Z');
  });
});
