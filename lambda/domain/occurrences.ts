/**
 * Occurrence instants of a validated schedule.
 *
 * Pure: the caller passes the instants; nothing here reads the clock. `limit` is not applied (the caller counts
 * ticks); `startAt` and `endAt` are (both inclusive).
 */
import { cronOccurrencesAfter } from './cron';
import { ScheduleSpec } from '../../src/contract';

/**
 * The next `count` occurrences of `spec` strictly after `after`, ascending, at or after `spec.startAt`, and at or
 * before both `spec.endAt` and `until` when given.
 *
 * - `cron`: the expression's fire times in `spec.timezone` (see `cronOccurrencesAfter`), within `spec.years`.
 * - `every`: `anchor + k * everyMs` for k >= 0, computed arithmetically (the cost does not grow with the gap).
 * - `duration` and `at`: the single `anchor`, if it is in range.
 */
export function nextOccurrences(spec: ScheduleSpec, after: Date, count: number, until?: Date): Date[] {
  const range = rangeOf(spec, after.getTime(), until?.getTime());
  if (!range || !(count >= 1)) return [];
  const { from, to } = range;
  switch (spec.kind) {
    case 'cron': {
      if (typeof spec.cron !== 'string') return [];
      return cronOccurrencesAfter(spec.cron, spec.timezone || 'UTC', new Date(from - 1), Math.floor(count), to === Infinity ? undefined : new Date(to), spec.years);
    }
    case 'every': {
      const series = seriesOf(spec);
      if (!series) return [];
      const first = firstIndexAtOrAfter(series, from);
      const out: Date[] = [];
      for (let k = first; out.length < count; k++) {
        const t = series.anchor + k * series.step;
        if (t > to) break;
        out.push(new Date(t));
      }
      return out;
    }
    case 'duration':
    case 'at': {
      const anchor = instant(spec.anchor);
      return anchor !== undefined && anchor >= from && anchor <= to ? [new Date(anchor)] : [];
    }
    default:
      return [];
  }
}

/**
 * The number of occurrences of `spec` in (`afterExclusive`, `untilInclusive`], within `startAt`/`endAt`, capped at
 * `max`. O(1) for `every`; for `cron` it enumerates at most `max` occurrences.
 */
export function countOccurrences(spec: ScheduleSpec, afterExclusive: Date, untilInclusive: Date, max: number): number {
  if (!(max >= 1)) return 0;
  const cap = Math.floor(max);
  if (spec.kind !== 'every') return nextOccurrences(spec, afterExclusive, cap, untilInclusive).length;
  const range = rangeOf(spec, afterExclusive.getTime(), untilInclusive.getTime());
  const series = seriesOf(spec);
  if (!range || !series || range.to === Infinity) return 0;
  const first = firstIndexAtOrAfter(series, range.from);
  const last = lastIndexAtOrBefore(series, range.to);
  return last < first ? 0 : Math.min(cap, last - first + 1);
}

interface Range {
  /** Earliest allowed instant (inclusive). */
  readonly from: number;
  /** Latest allowed instant (inclusive), Infinity when unbounded. */
  readonly to: number;
}

/** The inclusive range of allowed instants, or undefined when it is empty or an input is not a valid instant. */
function rangeOf(spec: ScheduleSpec, afterMs: number, untilMs: number | undefined): Range | undefined {
  if (isNaN(afterMs) || (untilMs !== undefined && isNaN(untilMs))) return undefined;
  const startAt = spec.startAt === undefined ? undefined : instant(spec.startAt);
  const endAt = spec.endAt === undefined ? undefined : instant(spec.endAt);
  if ((spec.startAt !== undefined && startAt === undefined) || (spec.endAt !== undefined && endAt === undefined)) return undefined;
  const from = Math.max(afterMs + 1, startAt ?? -Infinity);
  const to = Math.min(untilMs ?? Infinity, endAt ?? Infinity);
  return from <= to ? { from, to } : undefined;
}

interface Series {
  readonly anchor: number;
  readonly step: number;
}

function seriesOf(spec: ScheduleSpec): Series | undefined {
  const anchor = instant(spec.anchor);
  const step = spec.everyMs;
  if (anchor === undefined || typeof step !== 'number' || !Number.isSafeInteger(step) || step < 1) return undefined;
  return { anchor, step };
}

/** The smallest k >= 0 with anchor + k * step >= t. */
function firstIndexAtOrAfter({ anchor, step }: Series, t: number): number {
  if (t <= anchor) return 0;
  let k = Math.ceil((t - anchor) / step);
  // Correct a rounding error of the division, if any.
  while (k > 0 && anchor + (k - 1) * step >= t) k--;
  while (anchor + k * step < t) k++;
  return k;
}

/** The largest k with anchor + k * step <= t (-1 when t is before the anchor). */
function lastIndexAtOrBefore({ anchor, step }: Series, t: number): number {
  if (t < anchor) return -1;
  let k = Math.floor((t - anchor) / step);
  while (anchor + k * step > t) k--;
  while (anchor + (k + 1) * step <= t) k++;
  return k;
}

function instant(text: string | undefined): number | undefined {
  if (typeof text !== 'string') return undefined;
  const ms = Date.parse(text);
  return isNaN(ms) ? undefined : ms;
}
