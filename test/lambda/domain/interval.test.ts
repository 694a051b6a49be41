import * as fc from 'fast-check';
import { formatInterval, formatIsoInterval, MAX_INTERVAL_MS, parseInterval } from '../../../lambda/domain/interval';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseInterval accepts', () => {
  test.each([
    ['1s', S],
    ['30s', 30 * S],
    ['5m', 5 * M],
    ['90m', 90 * M],
    ['1h', H],
    ['1h30m', H + 30 * M],
    ['2d', 2 * D],
    ['1d12h', D + 12 * H],
    ['1d2h3m4s', D + 2 * H + 3 * M + 4 * S],
    ['1d4s', D + 4 * S],
    ['0m30s', 30 * S],
    ['007m', 7 * M],
    ['3650d', 3650 * D],
    ['PT1S', S],
    ['PT5M', 5 * M],
    ['PT1H30M', H + 30 * M],
    ['PT90M', 90 * M],
    ['PT36H', 36 * H],
    ['P2D', 2 * D],
    ['P1DT12H', D + 12 * H],
    ['P1DT2H3M4S', D + 2 * H + 3 * M + 4 * S],
    ['P1W', 7 * D],
    ['P52W', 364 * D],
    ['P3650D', 3650 * D],
  ])('%j = %d ms', (text, ms) => {
    expect(parseInterval(text)).toEqual({ ok: true, ms });
  });
});

describe('parseInterval rejects', () => {
  test.each([
    ['5', /^"5" has no unit; write e\.g\. "5m" or "PT5M"$/],
    ['30', /^"30" has no unit; write e\.g\. "30m" or "PT30M"$/],
    ['1.5', /^"1\.5" has no unit/],
    ['5M', /^"5M" is ambiguous: "M" could mean minutes or months; write "5m" for minutes/],
    ['1H30M', /^"1H30M" is ambiguous.*write "1h30m"/],
    ['5H', /^"5H" has an uppercase unit; units are lowercase: write "5h"$/],
    ['2D', /^"2D" has an uppercase unit.*"2d"/],
    ['0s', /^"0s" is zero; an interval must be at least 1 second/],
    ['0m0s', /^"0m0s" is zero/],
    ['P0D', /^"P0D" is zero/],
    ['PT0S', /^"PT0S" is zero/],
    ['-5m', /^"-5m" is negative; an interval must be positive, e\.g\. "5m"$/],
    ['-PT5M', /^"-PT5M" is negative/],
    ['1.5h', /^"1\.5h" has a fractional number.*write "1h30m"$/],
    ['0.5s', /^"0\.5s" has a fractional number.*write "1s"$/],
    ['2.5d', /^"2\.5d" has a fractional number.*write "2d12h"$/],
    ['5y', /^"5y" uses years, which have no fixed length; write days instead, e\.g\. "1825d"$/],
    ['1year', /^"1year" uses years/],
    ['3mo', /^"3mo" uses months, which have no fixed length; write days instead, e\.g\. "90d"$/],
    ['2w', /^"2w" has the unknown unit "w"; write days instead, e\.g\. "14d" \(or "P2W"\)$/],
    ['2x', /^"2x" has the unknown unit "x"; use d, h, m or s/],
    ['10ms', /^"10ms" uses milliseconds, which are not supported/],
    ['5min', /^"5min" has the unit "min"; units are single letters: write "5m"$/],
    ['2hours', /^"2hours" has the unit "hours".*write "2h"$/],
    ['P1M', /^"P1M" uses months, which have no fixed length; write days instead, e\.g\. "P30D".*"PT1M"/],
    ['P1Y', /^"P1Y" uses years, which have no fixed length; write days instead, e\.g\. "P365D"/],
    ['P1Y2D', /^"P1Y2D" uses years/],
    ['PT0.5S', /^"PT0\.5S" has a fractional number; intervals are whole seconds: write "PT1S"$/],
    ['PT1.5H', /^"PT1\.5H" has a fractional number.*write "PT1H30M"$/],
    ['PT1,5H', /^"PT1,5H" has a fractional number.*write "PT1H30M"$/],
    ['P1W2D', /^"P1W2D" combines weeks with other units; write "P9D"$/],
    ['P', /^"P" has no amount/],
    ['PT', /^"PT" has no amount/],
    ['P1DT', /^"P1DT" has a "T" with no hours, minutes or seconds after it; write "P1D"$/],
    ['pt5m', /^"pt5m" has lowercase letters; ISO-8601 durations are uppercase: write "PT5M"$/],
    ['P5', /^"P5" is not an ISO-8601 duration/],
    ['PT5M3H', /^"PT5M3H" is not an ISO-8601 duration/],
    ['', /^"" is empty; write e\.g\. "5m" or "PT5M"$/],
    ['   ', /^" {3}" is blank/],
    [' 5m', /^" 5m" has leading or trailing whitespace; write "5m"$/],
    ['5m\n', /^"5m\\n" has leading or trailing whitespace; write "5m"$/],
    ['1h 30m', /^"1h 30m" contains whitespace; write "1h30m"$/],
    ['5m1h', /^"5m1h" must list each unit at most once, in the order d, h, m, s; write "1h5m"$/],
    ['1m1m', /^"1m1m" must list each unit at most once.*write "2m"$/],
    ['30s1d', /^"30s1d" must list each unit.*write "1d30s"$/],
    ['3651d', /^"3651d" is longer than the maximum of 10 years \("3650d" or "P3650D"\)/],
    ['87601h', /^"87601h" is longer than the maximum of 10 years/],
    ['P522W', /^"P522W" is longer than the maximum of 10 years/],
    ['99999999999999999999999d', /is longer than the maximum of 10 years/],
    ['abc', /^"abc" is not an interval; write e\.g\. "30s", "5m", "1h30m", "2d"/],
    ['m5', /^"m5" is not an interval/],
    ['5m-', /^"5m-" is not an interval/],
    ['+5m', /^"\+5m" is not an interval/],
  ])('%j', (text, message) => {
    const result = parseInterval(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(message);
    // Every message quotes the value received.
    expect(result.message.startsWith(JSON.stringify(text))).toBe(true);
  });

  test('a non-string never throws', () => {
    expect(parseInterval(5 as unknown as string)).toEqual({ ok: false, message: '5 (a number) is not a text; write e.g. "5m" or "PT5M"' });
    expect(parseInterval(undefined as unknown as string).ok).toBe(false);
  });

  test('a very long value is quoted shortened', () => {
    const result = parseInterval(`${'9'.repeat(500)}x`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeLessThan(300);
  });
});

describe('formatting', () => {
  test.each([
    [S, '1s', 'PT1S'],
    [90 * M, '1h30m', 'PT1H30M'],
    [D + 12 * H, '1d12h', 'P1DT12H'],
    [2 * D, '2d', 'P2D'],
    [D + 4 * S, '1d4s', 'P1DT4S'],
  ])('%d ms is %j and %j', (ms, compact, iso) => {
    expect(formatInterval(ms)).toBe(compact);
    expect(formatIsoInterval(ms)).toBe(iso);
  });
});

describe('properties', () => {
  const parts = fc.record({
    d: fc.option(fc.integer({ min: 0, max: 3650 }), { nil: undefined }),
    h: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
    m: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
    s: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
  });

  test('compact texts round-trip to the sum of their parts', () => {
    fc.assert(fc.property(parts, ({ d, h, m, s }) => {
      const text = `${d !== undefined ? `${d}d` : ''}${h !== undefined ? `${h}h` : ''}${m !== undefined ? `${m}m` : ''}${s !== undefined ? `${s}s` : ''}`;
      const expected = (d ?? 0) * D + (h ?? 0) * H + (m ?? 0) * M + (s ?? 0) * S;
      const result = parseInterval(text);
      if (text === '') {
        expect(result.ok).toBe(false);
      } else if (expected >= S && expected <= MAX_INTERVAL_MS) {
        expect(result).toEqual({ ok: true, ms: expected });
      } else {
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.message).toMatch(expected === 0 ? /is zero/ : /longer than the maximum of 10 years/);
      }
    }), { numRuns: 500 });
  });

  test('formatInterval and formatIsoInterval round-trip any valid interval', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: MAX_INTERVAL_MS / S }), (seconds) => {
      const ms = seconds * S;
      expect(parseInterval(formatInterval(ms))).toEqual({ ok: true, ms });
      expect(parseInterval(formatIsoInterval(ms))).toEqual({ ok: true, ms });
    }), { numRuns: 500 });
  });

  test('never throws, and a rejection quotes the value', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (text) => {
      const result = parseInterval(text);
      if (result.ok) {
        expect(Number.isInteger(result.ms / S)).toBe(true);
        expect(result.ms).toBeGreaterThanOrEqual(S);
        expect(result.ms).toBeLessThanOrEqual(MAX_INTERVAL_MS);
      } else {
        expect(result.message.startsWith(JSON.stringify(text))).toBe(true);
      }
    }), { numRuns: 500 });
  });
});
