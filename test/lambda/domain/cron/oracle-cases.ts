/**
 * Random cron cases for the croner oracle (cron-oracle.test.ts): seeded, so every run checks the same cases.
 *
 * croner (npm) is configured per expression to behave as cronie: `domAndDow` when either day field starts with
 * `*` (cronie src/cron.c 579-585), `fixedTimeRule: 'no-wildcard'` (lists and ranges are fixed-time jobs, as
 * cronie's MIN_STAR|HR_STAR test), `mode` '5-part' or '6-part'. AWS cron() cases use croner's Quartz options
 * (`alternativeWeekdays`, `sloppyRanges`) and are compared only away from daylight saving changes, since croner
 * has no option for EventBridge's rule there.
 */
import { Cron } from 'croner';
import { IANAZone } from 'luxon';

export const ORACLE_SEED = 20260308;

/** 16 zones: both hemispheres, 30- and 45-minute offsets and changes, changes at midnight, none at all. */
export const ORACLE_ZONES = [
  'UTC', 'Europe/Rome', 'Europe/London', 'Europe/Dublin', 'America/New_York', 'America/Los_Angeles', 'America/St_Johns',
  'America/Santiago', 'America/Havana', 'Australia/Sydney', 'Australia/Lord_Howe', 'Pacific/Auckland', 'Pacific/Chatham',
  'Asia/Kolkata', 'Asia/Beirut', 'Africa/Casablanca',
];

export interface OracleCase {
  readonly cron: string;
  readonly zone: string;
  /** Start instant (exclusive), epoch ms. */
  readonly after: number;
  /** Compare fire times up to this instant (inclusive), epoch ms. */
  readonly until: number;
  /** croner's pattern and options for the same schedule. */
  readonly pattern: string;
  readonly options: ConstructorParameters<typeof Cron>[1];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2029, 0, 1);

/** A small seeded generator (Park-Miller minimal standard), values in [0, 1). */
export function seeded(seed: number): () => number {
  let state = (Math.abs(Math.floor(seed)) % 2_147_483_646) + 1;
  return () => {
    state = (state * 48_271) % 2_147_483_647;
    return (state - 1) / 2_147_483_646;
  };
}

/** Offset changes of a zone between 2026 and 2028, epoch ms (found by daily steps and bisection). */
export function transitions(zone: string): number[] {
  const cached = transitionCache.get(zone);
  if (cached) return cached;
  const z = IANAZone.create(zone);
  const out: number[] = [];
  for (let t = FROM; t < TO; t += DAY) {
    if (z.offset(t) === z.offset(t + DAY)) continue;
    let lo = t;
    let hi = t + DAY;
    while (hi - lo > 1_000) {
      const mid = lo + Math.floor((hi - lo) / 2_000) * 1_000;
      if (z.offset(mid) === z.offset(lo)) lo = mid;
      else hi = mid;
    }
    out.push(hi);
  }
  transitionCache.set(zone, out);
  return out;
}

const transitionCache = new Map<string, number[]>();

const UNIX = {
  second: ['0', '0', '0', '0', '0', '30', '*/20', '15,45'],
  minute: ['0', '0', '30', '15', '*/15', '*', '5-10', '0,30', '0-30,15', '*/20', '59', '0-59/10', '10-40/15', '45'],
  hour: ['*', '0', '1', '2', '3', '2,3', '1-3', '*/2', '0-23', '0-23/2', '22-23', '12', '*/1', '1,13', '0-4', '23'],
  dom: ['*', '*', '*', '*', '1', '15', '1-7', '*/2', '1-31/2', '13', '29', '31', '1,15', '*/10', '8-14'],
  month: ['*', '*', '*', '*', '3', '10', '3,10', '*/2', '11', '2', 'JAN-MAR', '4-9', '3-4,9-11'],
  dow: ['*', '*', '*', '*', 'MON', '1-5', '0,6', '*/2', 'SUN', '5', 'FRI-SUN', '1,3,5', '*/3', '7', 'SAT'],
};

const AWS = {
  minute: ['0', '30', '0/15', '*', '5-10', '0,30', '10/20', '59'],
  hour: ['*', '0', '9', '12', '0/6', '8-17', '22-23', '3,15'],
  dom: ['*', '1', '15', 'L', 'LW', '15W', '1W', '31W', '1-7', '1/5', '10,20'],
  month: ['*', '*', '*', '1', 'JAN-MAR', '6-8', '*/3', '2'],
  dow: ['*', 'MON-FRI', '2', '1,7', '6L', '6#3', '2#1', 'SUN', 'TUE-THU'],
  year: ['*', '*', '*', '*', '2026-2028', '2027', '2026/2'],
};

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)];
}

/** Unix cases: most start within a day and a half of an offset change, the rest anywhere in 2026-2028. */
export function unixCases(count: number, seed = ORACLE_SEED): OracleCase[] {
  const random = seeded(seed);
  const changes = new Map(ORACLE_ZONES.map((zone) => [zone, transitions(zone)]));
  const out: OracleCase[] = [];
  while (out.length < count) {
    const zone = pick(random, ORACLE_ZONES);
    const withSeconds = random() < 0.15;
    const fields = [pick(random, UNIX.minute), pick(random, UNIX.hour), pick(random, UNIX.dom), pick(random, UNIX.month), pick(random, UNIX.dow)];
    const cron = withSeconds ? [pick(random, UNIX.second), ...fields].join(' ') : fields.join(' ');
    const list = changes.get(zone)!;
    const nearChange = list.length > 0 && random() < 0.75;
    const base = nearChange
      ? pick(random, list) + Math.round((random() * 60 - 40) * HOUR / 1_000) * 1_000
      : FROM + Math.floor(random() * (TO - FROM - 30 * DAY));
    const after = base + (random() < 0.3 ? Math.floor(random() * 1_000) : 0);
    const [dom, dow] = [fields[2], fields[4]];
    out.push({
      cron,
      zone,
      after,
      until: after + 400 * DAY,
      pattern: cron,
      options: {
        timezone: zone,
        mode: withSeconds ? '6-part' : '5-part',
        domAndDow: dom.startsWith('*') || dow.startsWith('*'),
        fixedTimeRule: 'no-wildcard',
      },
    });
  }
  return out;
}

/** AWS cases, compared only up to 6 hours before the next offset change after the start (and from 6 hours after the previous). */
export function awsCases(count: number, seed = ORACLE_SEED + 1): OracleCase[] {
  const random = seeded(seed);
  const changes = new Map(ORACLE_ZONES.map((zone) => [zone, transitions(zone)]));
  const out: OracleCase[] = [];
  while (out.length < count) {
    const zone = pick(random, ORACLE_ZONES);
    const useDom = random() < 0.5;
    const [minute, hour, month, year] = [pick(random, AWS.minute), pick(random, AWS.hour), pick(random, AWS.month), pick(random, AWS.year)];
    const dom = useDom ? pick(random, AWS.dom) : '?';
    const dow = useDom ? '?' : pick(random, AWS.dow);
    const after = FROM + Math.floor(random() * (TO - FROM - 30 * DAY));
    const list = changes.get(zone)!;
    const previous = [...list].reverse().find((t) => t <= after);
    const next = list.find((t) => t > after) ?? TO;
    if ((previous !== undefined && after - previous < 6 * HOUR) || next - after < 12 * HOUR) continue;
    out.push({
      cron: `cron(${minute} ${hour} ${dom} ${month} ${dow} ${year})`,
      zone,
      after,
      until: Math.min(next - 6 * HOUR, TO),
      // croner reads "?" as "*"; AWS leaves exactly one day field "?", so AND is the same as taking the other.
      pattern: `0 ${minute} ${hour} ${dom === '?' ? '*' : dom} ${month} ${dow === '?' ? '*' : dow} ${year}`,
      options: { timezone: zone, mode: '7-part', domAndDow: true, alternativeWeekdays: true, sloppyRanges: true },
    });
  }
  return out;
}

/** croner's fire times in (after, until], at most `max`, or the error it throws. */
export function cronerFireTimes(c: OracleCase, max: number): number[] | string {
  try {
    const job = new Cron(c.pattern, { ...c.options, paused: true });
    const out: number[] = [];
    let from = new Date(c.after);
    while (out.length < max) {
      const next = job.nextRun(from);
      if (!next || next.getTime() > c.until) break;
      out.push(next.getTime());
      from = next;
    }
    return out;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** What an implementation under test offers (ours now, or an older version when measuring agreement). */
export interface CronImplementation {
  parse(text: string): { ok: true; cron: string; years?: number[] } | { ok: false; message: string };
  fireTimes(cron: string, zone: string, after: Date, count: number, until: Date, years?: number[]): Date[];
}

export interface OracleResult {
  readonly case: OracleCase;
  /** Ours: fire times, or the refusal message. */
  readonly ours: number[] | string;
  /** croner's: fire times, or its error. */
  readonly theirs: number[] | string;
  /** Both refuse or never fire, or both give the same fire times. */
  readonly agree: boolean;
}

/** Compares the first `max` fire times of each case. */
export function compareWithCroner(impl: CronImplementation, cases: readonly OracleCase[], max = 8): OracleResult[] {
  return cases.map((c) => {
    const theirs = cronerFireTimes(c, max);
    const parsed = impl.parse(c.cron);
    const ours = parsed.ok
      ? impl.fireTimes(parsed.cron, c.zone, new Date(c.after), max, new Date(c.until), parsed.years).map((d) => d.getTime())
      : parsed.message;
    const none = (x: number[] | string): boolean => typeof x === 'string' || x.length === 0;
    const agree = typeof ours === 'string' || typeof theirs === 'string'
      ? none(ours) && none(theirs)
      : ours.length === theirs.length && ours.every((t, i) => t === theirs[i]);
    return { case: c, ours, theirs, agree };
  });
}
