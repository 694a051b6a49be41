/**
 * A time zone's UTC offset at an instant, fast, and the instants where it changes.
 */
import { IANAZone } from 'luxon';

/** A time zone's UTC offset in ms at an instant. */
export type OffsetOf = (instant: number) => number;

const DAY_MS = 86_400_000;

/** Longest offset change handled as a daylight saving change (and shortest distance between two changes). */
export const WINDOW_MS = 3 * 3_600_000;

/**
 * Offsets are looked up in 14-day buckets: a bucket whose two ends have the same offset is taken as constant,
 * else it holds one change, found by bisection. Each bucket costs one or two Intl look-ups once; after that an
 * offset costs a map look-up (an Intl look-up costs a few microseconds, and evaluation needs several per
 * occurrence). This assumes changes at least 14 days apart, true of every time zone's rules.
 */
const BUCKET_MS = 14 * DAY_MS;

const UTC_NAMES = ['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu'];

type Bucket = number | { readonly change: number; readonly before: number; readonly after: number };

const offsetCache = new Map<string, OffsetOf>();

/** The offset function of an IANA zone. Throws a RangeError for an unknown zone. */
export function offsetFunction(timezone: string): OffsetOf {
  const cached = offsetCache.get(timezone);
  if (cached) return cached;
  const zone = IANAZone.create(timezone);
  if (!zone.isValid) throw new RangeError(`Unknown time zone "${timezone}"`);
  const offset = UTC_NAMES.includes(timezone) ? () => 0 : bucketed((instant) => Math.round(zone.offset(instant) * 60_000));
  if (offsetCache.size >= 100) offsetCache.clear();
  offsetCache.set(timezone, offset);
  return offset;
}

function bucketed(raw: OffsetOf): OffsetOf {
  const edges = new Map<number, number>();
  const buckets = new Map<number, Bucket>();
  const edge = (index: number): number => {
    let value = edges.get(index);
    if (value === undefined) {
      value = raw(index * BUCKET_MS);
      edges.set(index, value);
    }
    return value;
  };
  return (instant) => {
    const index = Math.floor(instant / BUCKET_MS);
    let bucket = buckets.get(index);
    if (bucket === undefined) {
      const before = edge(index);
      const after = edge(index + 1);
      bucket = before === after ? before : { change: transitionIn(raw, index * BUCKET_MS, (index + 1) * BUCKET_MS), before, after };
      if (buckets.size >= 20_000) {
        buckets.clear();
        edges.clear();
      }
      buckets.set(index, bucket);
    }
    return typeof bucket === 'number' ? bucket : instant < bucket.change ? bucket.before : bucket.after;
  };
}

/** The first instant in (lo, hi] whose offset differs from `lo`'s, given `offset(lo) !== offset(hi)`. */
export function transitionIn(offset: OffsetOf, lo: number, hi: number): number {
  const base = offset(lo);
  let a = lo;
  let b = hi;
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (offset(mid) === base) a = mid;
    else b = mid;
  }
  return b;
}
