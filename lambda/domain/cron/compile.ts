/**
 * A normalized expression (see normalized-cron.ts) compiled into lookup tables for the wall-clock search.
 */
import { CronRule, splitNormalized } from './normalized-cron';

/** A normalized expression compiled into lookup tables. */
export interface Compiled {
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: readonly boolean[];
  readonly firstMonth: number;
  /** Days of month 1-31 named by number. */
  readonly domValues: readonly boolean[];
  /** `L`: the last day of the month. */
  readonly domLast: boolean;
  /** `LW`: the last weekday (Monday-Friday) of the month. */
  readonly domLastWeekday: boolean;
  /** `nW`: the weekday nearest day n, within the month (0: none). */
  readonly domNearestWeekday: number;
  /** Weekdays 0-6 (0 = Sunday). */
  readonly dowValues: readonly boolean[];
  /** `n#k`: only the k-th such weekday of the month (0: any). */
  readonly dowNth: number;
  /** `nL`: the last such weekday of the month. */
  readonly dowLastDays: readonly boolean[];
  /** Whether a day must match both day fields (else either). */
  readonly daysAnd: boolean;
  readonly rule: CronRule;
  /** Matching days of a month, ascending, by `year * 12 + month - 1`. */
  readonly dayLists: Map<number, readonly number[]>;
}

const compiledCache = new Map<string, Compiled>();

/** Compiles a normalized expression. Throws an Error when the text is not one. */
export function compile(cron: string): Compiled {
  const cached = compiledCache.get(cron);
  if (cached) return cached;
  const f = splitNormalized(cron);
  const months = values(f.month, 1, 12);
  const dom = dayOfMonth(f.dom);
  const dow = dayOfWeek(f.dow);
  const compiled: Compiled = {
    seconds: values(f.second, 0, 59),
    minutes: values(f.minute, 0, 59),
    hours: values(f.hour, 0, 23),
    months: flags(months, 13),
    firstMonth: months[0],
    ...dom,
    ...dow,
    daysAnd: f.rule === 'aws' || f.rule.startsWith('cronie-and'),
    rule: f.rule,
    dayLists: new Map(),
  };
  if (compiledCache.size >= 500) compiledCache.clear();
  compiledCache.set(cron, compiled);
  return compiled;
}

/** The ascending values of a numeric field: `*`, `*\/s`, `a`, `a-b`, `a/s`, `a-b/s`, comma-separated. */
function values(field: string, min: number, max: number): number[] {
  const out = new Set<number>();
  for (const item of field.split(',')) {
    const match = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(item);
    if (!match) throw new Error(`not a normalized cron field item: ${JSON.stringify(item)}`);
    const [, first, second, stepText] = match;
    const lo = first === '*' ? min : Number(first);
    const hi = first === '*' || (second === undefined && stepText !== undefined) ? max : Number(second ?? first);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (lo < min || hi > max || step < 1) throw new Error(`not a normalized cron field item: ${JSON.stringify(item)}`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

function flags(list: readonly number[], size: number): boolean[] {
  const out = new Array<boolean>(size).fill(false);
  for (const v of list) out[v] = true;
  return out;
}

function dayOfMonth(field: string): Pick<Compiled, 'domValues' | 'domLast' | 'domLastWeekday' | 'domNearestWeekday'> {
  if (field === 'LW') return { domValues: flags([], 32), domLast: false, domLastWeekday: true, domNearestWeekday: 0 };
  const nearest = /^(\d+)W$/.exec(field);
  if (nearest) return { domValues: flags([], 32), domLast: false, domLastWeekday: false, domNearestWeekday: Number(nearest[1]) };
  const items = field.split(',');
  const plain = items.filter((item) => item !== 'L');
  return {
    domValues: flags(plain.length > 0 ? values(plain.join(','), 1, 31) : [], 32),
    domLast: items.includes('L'),
    domLastWeekday: false,
    domNearestWeekday: 0,
  };
}

function dayOfWeek(field: string): Pick<Compiled, 'dowValues' | 'dowNth' | 'dowLastDays'> {
  const nth = /^(\d)#(\d)$/.exec(field);
  if (nth) return { dowValues: flags([Number(nth[1]) % 7], 7), dowNth: Number(nth[2]), dowLastDays: flags([], 7) };
  const items = field.split(',');
  const lasts = items.filter((item) => item.endsWith('L')).map((item) => Number(item.slice(0, -1)) % 7);
  const plain = items.filter((item) => !item.endsWith('L'));
  return {
    dowValues: flags(plain.length > 0 ? values(plain.join(','), 0, 7).map((v) => v % 7) : [], 7),
    dowNth: 0,
    dowLastDays: flags(lasts, 7),
  };
}
