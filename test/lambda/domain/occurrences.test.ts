import * as fc from 'fast-check';
import { parseCron } from '../../../lambda/domain/cron';
import { countOccurrences, nextOccurrences } from '../../../lambda/domain/occurrences';
import { ScheduleSpec } from '../../../src/contract';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

const iso = (dates: Date[]): string[] => dates.map((d) => d.toISOString());
const at = (text: string): Date => new Date(text);

function every(everyMs: number, anchor: string, extra: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return { kind: 'every', expression: `${everyMs / S}s`, everyMs, anchor: at(anchor).toISOString(), timezone: 'UTC', ...extra };
}

function cron(text: string, extra: Partial<ScheduleSpec> = {}): ScheduleSpec {
  const parsed = parseCron(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return { kind: 'cron', expression: text, cron: parsed.cron, ...(parsed.years ? { years: parsed.years } : {}), timezone: 'UTC', ...extra };
}

function once(kind: 'duration' | 'at', anchor: string, extra: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return { kind, expression: kind === 'at' ? anchor : '1h', anchor: at(anchor).toISOString(), timezone: 'UTC', ...extra };
}

describe('every', () => {
  const spec = every(5 * M, '2026-01-01T00:05:00Z');

  test('starts at the anchor', () => {
    expect(iso(nextOccurrences(spec, at('2026-01-01T00:00:00Z'), 3))).toEqual([
      '2026-01-01T00:05:00.000Z', '2026-01-01T00:10:00.000Z', '2026-01-01T00:15:00.000Z',
    ]);
  });

  test('is strictly after `after`', () => {
    expect(iso(nextOccurrences(spec, at('2026-01-01T00:05:00Z'), 2))).toEqual(['2026-01-01T00:10:00.000Z', '2026-01-01T00:15:00.000Z']);
    expect(iso(nextOccurrences(spec, at('2026-01-01T00:04:59.999Z'), 1))).toEqual(['2026-01-01T00:05:00.000Z']);
    expect(iso(nextOccurrences(spec, at('2026-01-01T00:07:30Z'), 1))).toEqual(['2026-01-01T00:10:00.000Z']);
  });

  test('a 10,000-day gap is computed, not iterated (864 million occurrences counted at once)', () => {
    const second = every(S, '2026-01-01T00:00:00Z');
    const after = new Date(Date.parse('2026-01-01T00:00:00Z') + 10_000 * D + 500);
    const result = nextOccurrences(second, after, 3);
    const count = countOccurrences(second, at('2026-01-01T00:00:00Z'), after, Number.MAX_SAFE_INTEGER);
    expect(result.map((d) => d.getTime() - Date.parse('2026-01-01T00:00:00Z'))).toEqual([10_000 * D + S, 10_000 * D + 2 * S, 10_000 * D + 3 * S]);
    expect(count).toBe(10_000 * 86_400);
  });

  test('an anchor in the past counts from the anchor', () => {
    const hourly = every(H, '2026-01-01T00:00:00Z', { startAt: '2026-01-01T00:00:00.000Z' });
    expect(iso(nextOccurrences(hourly, at('2026-06-01T12:30:00Z'), 2))).toEqual(['2026-06-01T13:00:00.000Z', '2026-06-01T14:00:00.000Z']);
  });

  test('startAt and endAt are inclusive bounds; until too', () => {
    const bounded = every(H, '2026-01-01T00:00:00Z', { startAt: '2026-01-01T02:00:00.000Z', endAt: '2026-01-01T05:00:00.000Z' });
    expect(iso(nextOccurrences(bounded, at('2025-12-31T00:00:00Z'), 10))).toEqual([
      '2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z', '2026-01-01T04:00:00.000Z', '2026-01-01T05:00:00.000Z',
    ]);
    expect(iso(nextOccurrences(bounded, at('2025-12-31T00:00:00Z'), 10, at('2026-01-01T03:00:00Z')))).toEqual([
      '2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z',
    ]);
    expect(nextOccurrences(bounded, at('2026-01-01T05:00:00Z'), 10)).toEqual([]);
    // startAt between two occurrences: the next one on the grid.
    const offGrid = every(H, '2026-01-01T00:00:00Z', { startAt: '2026-01-01T02:30:00.000Z' });
    expect(iso(nextOccurrences(offGrid, at('2025-01-01T00:00:00Z'), 1))).toEqual(['2026-01-01T03:00:00.000Z']);
  });

  test('limit is not applied', () => {
    expect(nextOccurrences(every(M, '2026-01-01T00:00:00Z', { limit: 2 }), at('2025-01-01T00:00:00Z'), 5)).toHaveLength(5);
  });

  test('count below 1 and invalid instants give nothing', () => {
    expect(nextOccurrences(spec, at('2026-01-01T00:00:00Z'), 0)).toEqual([]);
    expect(nextOccurrences(spec, new Date('nope'), 3)).toEqual([]);
    expect(nextOccurrences({ ...spec, anchor: 'nope' }, at('2026-01-01T00:00:00Z'), 3)).toEqual([]);
    expect(nextOccurrences({ ...spec, everyMs: 0 }, at('2026-01-01T00:00:00Z'), 3)).toEqual([]);
  });

  test('countOccurrences counts (after, until]', () => {
    expect(countOccurrences(spec, at('2026-01-01T00:00:00Z'), at('2026-01-01T01:00:00Z'), 100)).toBe(12);
    expect(countOccurrences(spec, at('2026-01-01T00:05:00Z'), at('2026-01-01T01:00:00Z'), 100)).toBe(11);
    expect(countOccurrences(spec, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:59:59.999Z'), 100)).toBe(11);
    expect(countOccurrences(spec, at('2026-01-01T00:00:00Z'), at('2026-01-01T01:00:00Z'), 5)).toBe(5);
    expect(countOccurrences(spec, at('2026-01-01T00:00:00Z'), at('2026-01-01T01:00:00Z'), 0)).toBe(0);
    expect(countOccurrences(spec, at('2026-01-01T01:00:00Z'), at('2026-01-01T00:00:00Z'), 10)).toBe(0);
    expect(countOccurrences({ ...spec, endAt: '2026-01-01T00:20:00.000Z' }, at('2026-01-01T00:00:00Z'), at('2026-01-01T01:00:00Z'), 100)).toBe(4);
  });
});

describe('duration and at', () => {
  test.each(['duration', 'at'] as const)('%s: the single anchor when in range', (kind) => {
    const spec = once(kind, '2026-06-01T12:30:00Z');
    expect(iso(nextOccurrences(spec, at('2026-06-01T12:00:00Z'), 5))).toEqual(['2026-06-01T12:30:00.000Z']);
    expect(nextOccurrences(spec, at('2026-06-01T12:30:00Z'), 5)).toEqual([]);
    expect(nextOccurrences(spec, at('2026-06-01T12:00:00Z'), 5, at('2026-06-01T12:29:59.999Z'))).toEqual([]);
    expect(iso(nextOccurrences(spec, at('2026-06-01T12:00:00Z'), 5, at('2026-06-01T12:30:00Z')))).toEqual(['2026-06-01T12:30:00.000Z']);
    expect(nextOccurrences({ ...spec, startAt: '2026-06-01T13:00:00.000Z' }, at('2026-06-01T12:00:00Z'), 5)).toEqual([]);
    expect(nextOccurrences({ ...spec, endAt: '2026-06-01T12:00:00.000Z' }, at('2026-06-01T11:00:00Z'), 5)).toEqual([]);
    expect(countOccurrences(spec, at('2026-06-01T12:00:00Z'), at('2026-06-01T13:00:00Z'), 10)).toBe(1);
    expect(countOccurrences(spec, at('2026-06-01T12:30:00Z'), at('2026-06-01T13:00:00Z'), 10)).toBe(0);
  });
});

describe('cron', () => {
  test('in the spec time zone', () => {
    const spec = cron('0 9 * * MON-FRI', { timezone: 'Europe/Rome' });
    // 2026-06-05 is a Friday; CEST is UTC+2.
    expect(iso(nextOccurrences(spec, at('2026-06-05T08:00:00Z'), 2))).toEqual(['2026-06-08T07:00:00.000Z', '2026-06-09T07:00:00.000Z']);
  });

  test('startAt is inclusive and endAt is inclusive', () => {
    const spec = cron('0 * * * *', { startAt: '2026-01-01T10:00:00.000Z', endAt: '2026-01-01T12:00:00.000Z' });
    expect(iso(nextOccurrences(spec, at('2025-06-01T00:00:00Z'), 10))).toEqual([
      '2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z',
    ]);
    const late = cron('0 * * * *', { startAt: '2026-01-01T10:00:00.001Z' });
    expect(iso(nextOccurrences(late, at('2025-06-01T00:00:00Z'), 1))).toEqual(['2026-01-01T11:00:00.000Z']);
  });

  test('years and until', () => {
    const spec = cron('cron(0 8 1 * ? 2026-2027)');
    expect(iso(nextOccurrences(spec, at('2027-10-15T00:00:00Z'), 5))).toEqual(['2027-11-01T08:00:00.000Z', '2027-12-01T08:00:00.000Z']);
    expect(iso(nextOccurrences(spec, at('2027-10-15T00:00:00Z'), 5, at('2027-11-30T00:00:00Z')))).toEqual(['2027-11-01T08:00:00.000Z']);
    expect(countOccurrences(spec, at('2020-01-01T00:00:00Z'), at('2030-01-01T00:00:00Z'), 100)).toBe(24);
    expect(countOccurrences(spec, at('2020-01-01T00:00:00Z'), at('2030-01-01T00:00:00Z'), 10)).toBe(10);
  });

  test('a spec without a cron string gives nothing', () => {
    expect(nextOccurrences({ kind: 'cron', expression: 'x', timezone: 'UTC' }, at('2026-01-01T00:00:00Z'), 3)).toEqual([]);
  });
});

describe('properties', () => {
  const base = Date.parse('2026-01-01T00:00:00Z');
  const instantArb = fc.integer({ min: -400 * D, max: 400 * D }).map((offset) => base + offset);
  const everySpecArb = fc.record({
    everyMs: fc.integer({ min: 1, max: 3_650 * 86_400 }).map((seconds) => seconds * S),
    anchor: instantArb,
    startAt: fc.option(instantArb, { nil: undefined }),
    endAt: fc.option(instantArb, { nil: undefined }),
  }).map(({ everyMs, anchor, startAt, endAt }): ScheduleSpec => ({
    kind: 'every',
    expression: 'x',
    everyMs,
    anchor: new Date(anchor).toISOString(),
    timezone: 'UTC',
    ...(startAt !== undefined ? { startAt: new Date(startAt).toISOString() } : {}),
    ...(endAt !== undefined ? { endAt: new Date(endAt).toISOString() } : {}),
  }));

  const cronSpecArb = fc.record({
    text: fc.constantFrom('*/15 * * * *', '0 9 * * MON-FRI', '30 2 * * *', '0 0 L * *', 'cron(0 12 ? * 6#3 2026-2027)', '0 */6 * * *', '*/10 * * * * *'),
    timezone: fc.constantFrom('UTC', 'Europe/Rome', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'),
    startAt: fc.option(instantArb, { nil: undefined }),
    endAt: fc.option(instantArb, { nil: undefined }),
  }).map(({ text, timezone, startAt, endAt }) => cron(text, {
    timezone,
    ...(startAt !== undefined ? { startAt: new Date(startAt).toISOString() } : {}),
    ...(endAt !== undefined ? { endAt: new Date(endAt).toISOString() } : {}),
  }));

  function checkList(spec: ScheduleSpec, after: number, until: number | undefined, count: number, list: Date[]): void {
    const times = list.map((d) => d.getTime());
    expect(times.length).toBeLessThanOrEqual(count);
    times.forEach((t, i) => {
      expect(t).toBeGreaterThan(i === 0 ? after : times[i - 1]);
      if (spec.startAt) expect(t).toBeGreaterThanOrEqual(Date.parse(spec.startAt));
      if (spec.endAt) expect(t).toBeLessThanOrEqual(Date.parse(spec.endAt));
      if (until !== undefined) expect(t).toBeLessThanOrEqual(until);
    });
  }

  test('every: ascending, inside the window, exactly anchor + k * interval, none skipped', () => {
    const untilArb = fc.option(instantArb, { nil: undefined });
    fc.assert(fc.property(everySpecArb, instantArb, untilArb, fc.integer({ min: 1, max: 20 }), (spec, after, until, count) => {
      const list = nextOccurrences(spec, new Date(after), count, until === undefined ? undefined : new Date(until));
      checkList(spec, after, until, count, list);
      const anchor = Date.parse(spec.anchor!);
      const lower = Math.max(after + 1, spec.startAt ? Date.parse(spec.startAt) : -Infinity);
      list.forEach((d, i) => {
        const k = (d.getTime() - anchor) / spec.everyMs!;
        expect(Number.isInteger(k)).toBe(true);
        expect(k).toBeGreaterThanOrEqual(0);
        if (i > 0) expect(d.getTime() - list[i - 1].getTime()).toBe(spec.everyMs);
      });
      if (list.length > 0) {
        // The occurrence before the first one is not allowed (before the anchor, or not after the lower bound).
        const previous = list[0].getTime() - spec.everyMs!;
        expect(previous < anchor || previous < lower).toBe(true);
      }
    }), { numRuns: 500 });
  });

  test('every: countOccurrences equals the length of the enumerated list', () => {
    fc.assert(fc.property(everySpecArb, instantArb, instantArb, fc.integer({ min: 0, max: 200 }), (spec, after, until, max) => {
      const expected = nextOccurrences(spec, new Date(after), max, new Date(until)).length;
      expect(countOccurrences(spec, new Date(after), new Date(until), max)).toBe(expected);
    }), { numRuns: 500 });
  });

  test('cron: ascending, inside the window, and counted consistently', () => {
    const nearInstant = fc.integer({ min: -30 * D, max: 30 * D }).map((offset) => base + 80 * D + offset);
    const spanArb = fc.integer({ min: 0, max: 20 * D });
    fc.assert(fc.property(cronSpecArb, nearInstant, spanArb, fc.integer({ min: 1, max: 40 }), (spec, after, span, count) => {
      const until = after + span;
      const list = nextOccurrences(spec, new Date(after), count, new Date(until));
      checkList(spec, after, until, count, list);
      expect(countOccurrences(spec, new Date(after), new Date(until), count)).toBe(list.length);
    }), { numRuns: 200 });
  });
});
