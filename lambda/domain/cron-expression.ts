/**
 * Cron expressions: translation of the accepted dialects into one normalized form, and evaluation.
 *
 * Accepted dialects:
 * - 5-field Unix cron `min hour dom month dow` (Vixie syntax: `*`, lists, ranges, steps, `JAN`-`DEC`,
 *   `SUN`-`SAT`, day-of-week 0-7 with 0 and 7 = Sunday), plus cron-parser's `L` (last day of month),
 *   `nL` (last weekday n of the month) and `n#k` (k-th weekday n of the month);
 * - the same with a leading seconds field (6 fields);
 * - the macros `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`;
 * - AWS `cron(min hour dom month dow year)`: day-of-week 1-7 = Sunday-Saturday, exactly one of day-of-month
 *   and day-of-week must be `?`, `L` (day-of-month: last day; day-of-week: `nL`, or `L` alone = Saturday),
 *   `n#k`, and a year field (1970-2199).
 *
 * Refused with a message: `W` (nearest weekday, which cron-parser does not support), `L-n` offsets,
 * `H` (hashed values), `?` outside AWS expressions (a Quartz habit whose day-of-week numbering differs), and any
 * expression that never fires.
 *
 * The normalized form is a 6-field expression `sec min hour dom month dow` for cron-parser v5 with numbers only
 * and day-of-week 0-6 (0 = Sunday). Semantics are cron-parser's: when both day-of-month and day-of-week are
 * restricted, a day matches either (Vixie's OR rule); AWS expressions never restrict both.
 *
 * Evaluation ({@link cronOccurrencesAfter}) reproduces cron-parser's results, including across daylight saving
 * time changes, but computes them arithmetically (cron-parser takes 10-40 ms for 100 occurrences in a time zone):
 * - spring forward: a time that does not exist that day (e.g. 02:30 in Europe/Rome on 2026-03-29) fires at the
 *   same minute of the hour the clock lands in, 03:30 (cron-parser's behaviour; Vixie cron would run it at 03:00,
 *   and EventBridge Scheduler skips it). It fires once even if 03:30 is also scheduled.
 * - fall back: a time that occurs twice (02:30 in Europe/Rome on 2026-10-25) fires once, at its first occurrence,
 *   unless the hour field allows all 24 hours (`30 * * * *`): then it fires in both passes, as hourly jobs do
 *   (the same as Vixie cron).
 * Unlike cron-parser started at an arbitrary instant, the result never depends on where the search starts:
 * `cronOccurrencesAfter(c, tz, a, n)` is always the part after `a` of one fixed sequence of instants.
 * The rules assume offset changes at most 3 hours long and at least 14 days apart (true of every zone's current
 * rules). The results equal cron-parser's continuous enumeration (tested around every 2026 change of UTC,
 * Europe/Rome, Europe/London, America/New_York, America/St_Johns, America/Santiago, Australia/Sydney,
 * Pacific/Auckland, Asia/Kolkata, Asia/Beirut and Africa/Casablanca). They differ where cron-parser
 * itself misbehaves: Australia/Lord_Howe (30-minute change, where cron-parser fails to find some occurrences),
 * Pacific/Chatham (changes at 02:45, where cron-parser fires an hour late) and America/Havana (fall back at
 * midnight, where cron-parser fires the second 00:xx instead of the first); the rules above still apply there.
 */
import { CronExpressionParser } from 'cron-parser';
import { IANAZone } from 'luxon';

/** The result of {@link parseCron}. */
export type CronParseResult = { ok: true; cron: string; years?: number[] } | { ok: false; message: string };

/** First and last year an AWS cron year field may name. */
export const AWS_MIN_YEAR = 1970;
export const AWS_MAX_YEAR = 2199;

/** The fixed instant from which {@link parseCron} looks for an occurrence (expressions without a year field). */
export const NEVER_FIRES_REFERENCE = new Date('2026-01-01T00:00:00.000Z');

/** How far {@link parseCron} looks for an occurrence before it calls an expression one that never fires. */
export const NEVER_FIRES_HORIZON_YEARS = 8;

const SECOND_MS = 1_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const MACROS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

const MONTH_NAMES: Record<string, number> = {
  JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12,
};
const UNIX_DAY_NAMES: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };
const AWS_DAY_NAMES: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };

interface FieldDef {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: Record<string, number>;
  readonly hint: string;
}

const SECOND_FIELD: FieldDef = { name: 'second', min: 0, max: 59, hint: '0-59' };
const MINUTE_FIELD: FieldDef = { name: 'minute', min: 0, max: 59, hint: '0-59' };
const HOUR_FIELD: FieldDef = { name: 'hour', min: 0, max: 23, hint: '0-23' };
const DOM_FIELD: FieldDef = { name: 'day-of-month', min: 1, max: 31, hint: '1-31 or L' };
const MONTH_FIELD: FieldDef = { name: 'month', min: 1, max: 12, names: MONTH_NAMES, hint: '1-12 or JAN-DEC' };
const UNIX_DOW_FIELD: FieldDef = { name: 'day-of-week', min: 0, max: 7, names: UNIX_DAY_NAMES, hint: '0-7 (0 and 7 are Sunday) or SUN-SAT' };
const AWS_DOW_FIELD: FieldDef = { name: 'day-of-week', min: 1, max: 7, names: AWS_DAY_NAMES, hint: '1-7 (1 is Sunday) or SUN-SAT' };
const YEAR_FIELD: FieldDef = { name: 'year', min: AWS_MIN_YEAR, max: AWS_MAX_YEAR, hint: `${AWS_MIN_YEAR}-${AWS_MAX_YEAR}` };

/** A field problem; the caller prefixes the quoted expression. */
class FieldError extends Error {}

/**
 * Parses a cron expression in one of the accepted dialects (see the module comment).
 *
 * Never throws. On success, `cron` is the normalized 6-field expression and `years` the allowed years of an AWS
 * year field other than `*`, ascending. A rejection's message starts with the quoted expression.
 */
export function parseCron(text: string): CronParseResult {
  if (typeof text !== 'string') {
    return { ok: false, message: 'the cron expression is not a text; write e.g. "0 9 * * MON-FRI" or "cron(0 9 ? * MON-FRI *)"' };
  }
  const q = quote(text);
  try {
    const translated = translate(text);
    const compiled = compileOrExplain(text, translated.cron);
    if (typeof compiled === 'string') return { ok: false, message: compiled };
    const never = neverFires(text, compiled, translated.years);
    if (never) return { ok: false, message: never };
    return translated.years ? { ok: true, cron: translated.cron, years: translated.years } : { ok: true, cron: translated.cron };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: error instanceof FieldError ? `${q} ${detail}` : `${q} is not a valid cron expression: ${detail}` };
  }
}

interface Translated {
  readonly cron: string;
  readonly years?: number[];
}

function translate(text: string): Translated {
  if (text.length === 0) throw new FieldError('is empty; write e.g. "*/15 * * * *", "0 9 * * MON-FRI" or "cron(0 12 ? * MON-FRI *)"');
  if (text.trim().length === 0) throw new FieldError('is blank; write e.g. "*/15 * * * *" or "cron(0 12 ? * MON-FRI *)"');
  if (text.trim() !== text) throw new FieldError(`has leading or trailing whitespace; write ${quote(text.trim())}`);
  if (text.length > 512) throw new FieldError(`is ${text.length} characters long; a cron expression has at most 512`);
  if (/^rate\(/i.test(text)) {
    throw new FieldError('is an AWS rate expression, which cron does not accept; use the every field instead, e.g. every: "5m"');
  }
  if (text.startsWith('@')) {
    const macro = MACROS[text];
    if (!macro) throw new FieldError(`is not a known macro; use one of ${Object.keys(MACROS).join(', ')}`);
    return { cron: macro };
  }
  if (/^cron\(/i.test(text)) {
    if (!text.startsWith('cron(')) throw new FieldError(`must start with lowercase "cron("; write ${quote(`cron(${text.slice(5)}`)}`);
    if (!text.endsWith(')')) throw new FieldError('has no closing parenthesis; write e.g. "cron(0 12 ? * MON-FRI *)"');
    return translateAws(text.slice(5, -1).trim());
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new FieldError(`has ${fields.length} field${fields.length === 1 ? '' : 's'}; write 5 fields "minute hour day-of-month month day-of-week" (e.g. "*/15 * * * *"), `
      + '6 with leading seconds (e.g. "0 */15 * * * *"), or an AWS expression "cron(minute hour day-of-month month day-of-week year)"');
  }
  const [second, minute, hour, dom, month, dow] = fields.length === 6 ? fields : ['0', ...fields];
  for (const [value, def] of [[dom, DOM_FIELD], [dow, UNIX_DOW_FIELD]] as const) {
    if (value.includes('?')) {
      throw new FieldError(`has "?" in ${def.name}; "?" is only accepted in AWS cron(...) expressions (where day-of-week 1 is Sunday); here use "*"`);
    }
  }
  return {
    cron: [
      numericField(second, SECOND_FIELD),
      numericField(minute, MINUTE_FIELD),
      numericField(hour, HOUR_FIELD),
      dayOfMonthField(dom),
      numericField(month, MONTH_FIELD),
      dayOfWeekField(dow, UNIX_DOW_FIELD, (v) => v % 7, false),
    ].join(' '),
  };
}

function translateAws(inner: string): Translated {
  const fields = inner.length === 0 ? [] : inner.split(/\s+/);
  if (fields.length !== 6) {
    throw new FieldError(`has ${fields.length} field${fields.length === 1 ? '' : 's'} inside cron(...); an AWS cron expression has 6: `
      + 'minute hour day-of-month month day-of-week year, e.g. "cron(0 12 ? * MON-FRI *)"');
  }
  const [minute, hour, dom, month, dow, year] = fields;
  const domAny = dom === '?';
  const dowAny = dow === '?';
  if (domAny && dowAny) {
    throw new FieldError('has "?" in both day-of-month and day-of-week; AWS requires exactly one of them to be "?", e.g. "cron(0 12 ? * MON-FRI *)" or "cron(0 12 1 * ? *)"');
  }
  if (!domAny && !dowAny) {
    throw new FieldError(`sets both day-of-month ${quote(dom)} and day-of-week ${quote(dow)}; AWS requires exactly one of them to be "?", `
      + `e.g. ${quote(`cron(${minute} ${hour} ${dom} ${month} ? ${year})`)} or ${quote(`cron(${minute} ${hour} ? ${month} ${dow} ${year})`)}`);
  }
  for (const [value, def] of [[dom, DOM_FIELD], [dow, AWS_DOW_FIELD]] as const) {
    if (value !== '?' && value.includes('?')) throw new FieldError(`has "?" inside ${def.name} "${value}"; "?" must be the whole field`);
  }
  if (year.includes('?')) throw new FieldError(`has "?" in year "${year}"; use "*" for every year`);
  const years = year === '*' ? undefined : yearList(year);
  return {
    cron: [
      '0',
      numericField(minute, MINUTE_FIELD),
      numericField(hour, HOUR_FIELD),
      domAny ? '*' : dayOfMonthField(dom),
      numericField(month, MONTH_FIELD),
      dowAny ? '*' : dayOfWeekField(dow, AWS_DOW_FIELD, (v) => v - 1, true),
    ].join(' '),
    years,
  };
}

interface Item {
  readonly lo: number;
  readonly hi: number;
  readonly step: number;
  /** The normalized text of the item. */
  readonly text: string;
}

const ITEM = /^(\*|[A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?(?:\/([A-Za-z0-9]*))?$/;

/** Parses one list item of a plain field: `*`, `*\/s`, `v`, `a-b`, `v/s`, `a-b/s`. */
function parseItem(item: string, def: FieldDef, field: string): Item {
  const match = ITEM.exec(item);
  if (!match) throw new FieldError(`has an invalid ${def.name} ${quote(field)}; use ${def.hint} with "*", ",", "-" and "/"`);
  const [, first, second, stepText] = match;
  if (first === '*' && second !== undefined) throw new FieldError(`has an invalid ${def.name} ${quote(field)}: "*" cannot start a range`);
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText)) throw new FieldError(`has an invalid step in ${def.name} ${quote(field)}; a step is a whole number, e.g. "*/15"`);
    step = Number(stepText);
    if (step < 1) throw new FieldError(`has a step of ${stepText} in ${def.name} ${quote(field)}; a step must be at least 1`);
    if (step > def.max - def.min + 1 && def !== YEAR_FIELD) {
      throw new FieldError(`has a step of ${step} in ${def.name} ${quote(field)}, larger than the field's range ${def.min}-${def.max}, `
        + 'so it would not repeat; for a fixed interval use the every field, e.g. every: "90m"');
    }
  }
  if (first === '*') {
    return { lo: def.min, hi: def.max, step, text: step === 1 ? '*' : `*/${step}` };
  }
  const lo = fieldValue(first, def, field);
  if (second === undefined) {
    // `v/s` runs from v to the end of the field (cron-parser and AWS).
    const hi = stepText === undefined ? lo : def.max;
    return { lo, hi, step, text: stepText === undefined ? `${lo}` : `${lo}/${step}` };
  }
  const hi = fieldValue(second, def, field);
  if (hi < lo) {
    throw new FieldError(`has the range "${first}-${second}" in ${def.name}, which goes backwards; write it from low to high, or as a list`);
  }
  return { lo, hi, step, text: `${lo}-${hi}${stepText === undefined ? '' : `/${step}`}` };
}

function fieldValue(token: string, def: FieldDef, field: string): number {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < def.min || n > def.max) {
      throw new FieldError(`has ${def.name} ${token} out of range in ${quote(field)}; use ${def.hint}`);
    }
    return n;
  }
  const upper = token.toUpperCase();
  if (def.names && upper in def.names) return def.names[upper];
  if (upper.startsWith('H')) {
    throw new FieldError(`uses "H" (a hashed value) in ${def.name} ${quote(field)}, which is not supported; write the value`);
  }
  throw new FieldError(`has an invalid ${def.name} value ${quote(token)} in ${quote(field)}; use ${def.hint}`);
}

function splitList(field: string, def: FieldDef): string[] {
  const items = field.split(',');
  if (items.some((item) => item.length === 0)) {
    throw new FieldError(`has an empty list item in ${def.name} ${quote(field)}`);
  }
  return items;
}

function numericField(field: string, def: FieldDef): string {
  const items = splitList(field, def);
  checkSpecials(field, def);
  return items.map((item) => parseItem(item, def, field).text).join(',');
}

function checkSpecials(field: string, def: FieldDef): void {
  if (/[LW#]/i.test(field) && !def.names) {
    const letter = /[LW#]/i.exec(field)![0];
    throw new FieldError(`has "${letter}" in ${def.name} ${quote(field)}, which is only meaningful in day-of-month or day-of-week`);
  }
}

function dayOfMonthField(field: string): string {
  const items = splitList(field, DOM_FIELD);
  const out = items.map((item) => {
    if (item.toUpperCase() === 'L') return 'L';
    if (/W/i.test(item)) {
      throw new FieldError(`uses "W" (nearest weekday) in day-of-month ${quote(field)}, which is not supported; `
        + 'list the days explicitly or use a day-of-week expression');
    }
    if (/^L-\d+$/i.test(item)) {
      throw new FieldError(`uses an offset from the last day ${quote(item)} in day-of-month, which is not supported; use "L" for the last day`);
    }
    if (/L/i.test(item) || item.includes('#')) {
      throw new FieldError(`has an invalid day-of-month ${quote(item)}; use 1-31, ranges, lists, steps or "L" (last day of the month)`);
    }
    return parseItem(item, DOM_FIELD, field).text;
  });
  return out.join(',');
}

/**
 * Day-of-week in either numbering, re-emitted as days 0-6 (0 = Sunday): a list compressed into ranges,
 * plus `nL` items, or a single `n#k`. `*` stays `*` (a wildcard, which matters for the day-of-month rule).
 */
function dayOfWeekField(field: string, def: FieldDef, toDay: (value: number) => number, aws: boolean): string {
  if (field === '*') return '*';
  const items = splitList(field, def);
  if (field.includes('#')) {
    const match = /^([A-Za-z0-9]+)#(\d+)$/.exec(field);
    if (!match || items.length !== 1) {
      throw new FieldError(`has an invalid day-of-week ${quote(field)}; "#" takes one day and an occurrence 1-5, e.g. ${aws ? '"6#3" (third Friday)' : '"5#3" (third Friday)'}, alone in the field`);
    }
    const nth = Number(match[2]);
    if (nth < 1 || nth > 5) throw new FieldError(`has the occurrence ${match[2]} in day-of-week ${quote(field)}; use 1-5`);
    return `${toDay(fieldValue(match[1], def, field))}#${nth}`;
  }
  const days = new Set<number>();
  const lasts: number[] = [];
  for (const item of items) {
    if (item.toUpperCase() === 'L') {
      if (!aws) throw new FieldError(`has "L" alone in day-of-week ${quote(field)}; write e.g. "5L" for the last Friday of the month`);
      days.add(6); // AWS (as Quartz): L alone in day-of-week is the last day of the week, Saturday.
      continue;
    }
    const last = /^([A-Za-z0-9]+)L$/i.exec(item);
    if (last && !(def.names && last[0].toUpperCase() in def.names)) {
      lasts.push(toDay(fieldValue(last[1], def, field)));
      continue;
    }
    const parsed = parseItem(item, def, field);
    for (let v = parsed.lo; v <= parsed.hi; v += parsed.step) days.add(toDay(v));
  }
  const parts: string[] = [];
  const sorted = [...days].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k++) parts.push(`${sorted[k]}`);
    i = j + 1;
  }
  for (const day of [...new Set(lasts)].sort((a, b) => a - b)) parts.push(`${day}L`);
  return parts.join(',');
}

function yearList(field: string): number[] {
  const years = new Set<number>();
  for (const item of splitList(field, YEAR_FIELD)) {
    const parsed = parseItem(item, YEAR_FIELD, field);
    for (let y = parsed.lo; y <= parsed.hi; y += parsed.step) years.add(y);
  }
  return [...years].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------------------------

/** A normalized expression compiled into lookup tables. */
interface Compiled {
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** All 24 hours allowed: a repeated hour at a fall-back change fires in both passes (cron-parser). */
  readonly allHours: boolean;
  readonly months: readonly boolean[];
  readonly firstMonth: number;
  readonly domValues: readonly boolean[];
  readonly domLast: boolean;
  readonly domWildcard: boolean;
  readonly dowValues: readonly boolean[];
  readonly dowNth: number;
  readonly dowLast: boolean;
  readonly dowLastDays: readonly boolean[];
  readonly dowWildcard: boolean;
  /** Matching days of a month, ascending, by `year * 12 + month - 1`. */
  readonly dayLists: Map<number, readonly number[]>;
}

const compiledCache = new Map<string, Compiled>();

/** Compiles a normalized expression, or returns the problem as a sentence that starts with the quoted text. */
function compileOrExplain(text: string, cron: string): Compiled | string {
  try {
    return compile(cron);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (/explicit day of month/i.test(detail)) {
      return `${quote(text)} never fires: its day-of-month does not exist in any of its months (e.g. 30 or 31 February)`;
    }
    return `${quote(text)} is not a valid cron expression: ${detail}`;
  }
}

/** Compiles a normalized expression with cron-parser's field semantics. Throws cron-parser's error when invalid. */
function compile(cron: string): Compiled {
  const cached = compiledCache.get(cron);
  if (cached) return cached;
  const { fields } = CronExpressionParser.parse(cron, { strict: false });
  const numbers = (values: ReadonlyArray<number | string>): number[] =>
    [...new Set(values.filter((v): v is number => typeof v === 'number'))].sort((a, b) => a - b);
  const flags = (values: readonly number[], size: number): boolean[] => {
    const out = new Array<boolean>(size).fill(false);
    for (const v of values) out[v] = true;
    return out;
  };
  const months = numbers(fields.month.values);
  const dowValues = fields.dayOfWeek.values as ReadonlyArray<number | string>;
  const compiled: Compiled = {
    seconds: numbers(fields.second.values),
    minutes: numbers(fields.minute.values),
    hours: numbers(fields.hour.values),
    allHours: fields.hour.values.length === 24,
    months: flags(months, 13),
    firstMonth: months[0],
    domValues: flags(numbers(fields.dayOfMonth.values), 32),
    domLast: fields.dayOfMonth.hasLastChar,
    domWildcard: fields.dayOfMonth.isWildcard,
    dowValues: flags(numbers(dowValues).map((v) => v % 7), 7),
    dowNth: fields.dayOfWeek.nthDay ?? 0,
    dowLast: fields.dayOfWeek.hasLastChar,
    // cron-parser matches an `L` day-of-week by the first character of every value of the field.
    dowLastDays: flags(dowValues.map((v) => parseInt(String(v).charAt(0), 10) % 7).filter((v) => !isNaN(v)), 7),
    dowWildcard: fields.dayOfWeek.isWildcard,
    dayLists: new Map(),
  };
  if (compiledCache.size >= 500) compiledCache.clear();
  compiledCache.set(cron, compiled);
  return compiled;
}

/** Whether a day of a month matches (cron-parser's day-of-month / day-of-week rules). */
function dayMatches(c: Compiled, day: number, lastDay: number, weekday: number): boolean {
  const dom = c.domValues[day] || (c.domLast && day === lastDay);
  const dow = (c.dowValues[weekday] && (c.dowNth <= 0 || Math.ceil(day / 7) === c.dowNth))
    || (c.dowLast && day > lastDay - 7 && c.dowLastDays[weekday]);
  if (!c.domWildcard && !c.dowWildcard) return dom || dow;
  if (!c.domWildcard) return dom;
  if (!c.dowWildcard) return dow;
  return dom;
}

function matchingDays(c: Compiled, year: number, month: number): readonly number[] {
  const key = year * 12 + month - 1;
  const cached = c.dayLists.get(key);
  if (cached !== undefined) return cached;
  const lastDay = daysInMonth(year, month);
  const firstWeekday = new Date(utc(year, month, 1)).getUTCDay();
  const days: number[] = [];
  for (let day = 1; day <= lastDay; day++) {
    if (dayMatches(c, day, lastDay, (firstWeekday + day - 1) % 7)) days.push(day);
  }
  if (c.dayLists.size >= 4_800) c.dayLists.clear();
  c.dayLists.set(key, days);
  return days;
}

function daysInMonth(year: number, month: number): number {
  return new Date(utc(year, month + 1, 0)).getUTCDate();
}

/** Epoch ms of a wall-clock time read as UTC; works for years 0-99 too. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** Smallest value of an ascending list that is >= `from`, or undefined. */
function atLeast(values: readonly number[], from: number): number | undefined {
  for (const v of values) if (v >= from) return v;
  return undefined;
}

/** The Gregorian calendar repeats every 400 years: a wall time search never needs to look further. */
const SEARCH_YEARS = 401;

/**
 * The smallest matching wall-clock time >= `from` (both epoch ms of wall times read as UTC), or undefined when
 * there is none up to `limit`. Whole seconds only. `years`, when given, is ascending.
 */
function nextWall(c: Compiled, from: number, limit: number, years?: readonly number[]): number | undefined {
  const start = new Date(Math.ceil(from / SECOND_MS) * SECOND_MS);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let hour = start.getUTCHours();
  let minute = start.getUTCMinutes();
  let second = start.getUTCSeconds();
  const lastYear = Math.min(year + SEARCH_YEARS, new Date(Math.min(limit, 8.64e15)).getUTCFullYear() + 1);
  const nextMonth = (): void => {
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
    day = 1;
    hour = minute = second = 0;
  };
  for (let guard = 0; guard < 100_000; guard++) {
    if (year > lastYear) return undefined;
    if (years) {
      const allowed = atLeast(years, year);
      if (allowed === undefined) return undefined;
      if (allowed !== year) {
        year = allowed;
        month = 1;
        day = 1;
        hour = minute = second = 0;
        continue;
      }
    }
    if (!c.months[month]) {
      let m = month + 1;
      while (m <= 12 && !c.months[m]) m++;
      if (m > 12) {
        year++;
        month = c.firstMonth;
      } else {
        month = m;
      }
      day = 1;
      hour = minute = second = 0;
      continue;
    }
    const nextDay = atLeast(matchingDays(c, year, month), day);
    if (nextDay === undefined) {
      nextMonth();
      continue;
    }
    if (nextDay !== day) {
      day = nextDay;
      hour = minute = second = 0;
    }
    const h = atLeast(c.hours, hour);
    if (h === undefined) {
      day++;
      hour = minute = second = 0;
      if (day > daysInMonth(year, month)) nextMonth();
      continue;
    }
    if (h !== hour) {
      hour = h;
      minute = second = 0;
    }
    const m = atLeast(c.minutes, minute);
    if (m === undefined) {
      hour++;
      minute = second = 0;
      continue;
    }
    if (m !== minute) {
      minute = m;
      second = 0;
    }
    const s = atLeast(c.seconds, second);
    if (s === undefined) {
      minute++;
      second = 0;
      continue;
    }
    const wall = utc(year, month, day, hour, minute, s);
    return wall <= limit ? wall : undefined;
  }
  return undefined;
}

/** A time zone's UTC offset in ms at an instant. */
type OffsetOf = (instant: number) => number;

const offsetCache = new Map<string, OffsetOf>();

/**
 * Offsets are looked up in 14-day buckets: a bucket whose two ends have the same offset is taken as constant,
 * else it holds one change, found by bisection. Each bucket costs one or two Intl look-ups once; after that an
 * offset costs a map look-up (an Intl look-up costs a few microseconds, and evaluation needs several per
 * occurrence). This assumes changes at least 14 days apart, true of every time zone's rules.
 */
const BUCKET_MS = 14 * DAY_MS;

type Bucket = number | { readonly change: number; readonly before: number; readonly after: number };

function offsetFunction(timezone: string): OffsetOf {
  const cached = offsetCache.get(timezone);
  if (cached) return cached;
  const zone = IANAZone.create(timezone);
  if (!zone.isValid) throw new RangeError(`Unknown time zone "${timezone}"`);
  let offset: OffsetOf;
  if (['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu'].includes(timezone)) {
    offset = () => 0;
  } else {
    const raw: OffsetOf = (instant) => Math.round(zone.offset(instant) * 60_000);
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
    offset = (instant) => {
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
  if (offsetCache.size >= 100) offsetCache.clear();
  offsetCache.set(timezone, offset);
  return offset;
}

/** Longest daylight saving change handled (and shortest distance between two changes). */
const WINDOW_MS = 3 * HOUR_MS;

/** The first instant in (lo, hi] whose offset differs from `lo`'s, given `offset(lo) !== offset(hi)`. */
function transitionIn(offset: OffsetOf, lo: number, hi: number): number {
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

/**
 * The first fire instant >= `from` and <= `limit` (epoch ms), or undefined.
 *
 * Between daylight saving changes an instant t fires when its wall time t + offset matches. In the window
 * [T, T + |change|) after a change at T from offset o1 to o2:
 * - spring forward (o2 > o1): t fires when t + o2 or t + o1 (a wall time the change skipped) matches;
 * - fall back (o2 < o1): t fires only when all hours are allowed and t + o2 matches (the repeated wall times
 *   already fired before T).
 */
function nextFire(c: Compiled, offset: OffsetOf, from: number, limit: number, years?: readonly number[]): number | undefined {
  let p = from;
  for (let guard = 0; guard < 10_000; guard++) {
    if (p > limit) return undefined;
    const o = offset(p);
    const before = offset(p - WINDOW_MS);
    if (before !== o) {
      const change = transitionIn(offset, p - WINDOW_MS, p);
      const end = change + Math.abs(o - before);
      if (p < end) {
        const candidates: Array<number | undefined> = [];
        const wallLimit = Math.min(limit, end) + DAY_MS;
        if (o > before) {
          candidates.push(shift(nextWall(c, p + o, wallLimit, years), -o));
          candidates.push(shift(nextWall(c, p + before, wallLimit, years), -before));
        } else if (c.allHours) {
          candidates.push(shift(nextWall(c, p + o, wallLimit, years), -o));
        }
        const best = Math.min(...candidates.filter((t): t is number => t !== undefined));
        if (best < end) return best <= limit ? best : undefined;
        p = end;
        continue;
      }
    }
    const wall = nextWall(c, p + o, limit === Infinity ? Infinity : limit + DAY_MS, years);
    if (wall === undefined) return undefined;
    const candidate = wall - o;
    const near = Math.min(candidate, p + WINDOW_MS);
    const far = Math.max(candidate - WINDOW_MS, p);
    const atCandidate = offset(candidate);
    if (atCandidate === o && offset(near) === o && offset(far) === o) {
      return candidate <= limit ? candidate : undefined;
    }
    if (offset(near) !== o) {
      p = Math.max(p + 1, transitionIn(offset, p, near));
    } else if (atCandidate !== o) {
      p = Math.max(p + 1, transitionIn(offset, p, candidate));
    } else {
      // The offset changed and changed back to `o` just before the candidate: restart before that.
      p = Math.max(p + 1, candidate - 2 * WINDOW_MS);
    }
  }
  return undefined;
}

function shift(value: number | undefined, by: number): number | undefined {
  return value === undefined ? undefined : value + by;
}

/**
 * The next `count` fire instants of a normalized expression strictly after `after`, ascending, evaluated in the
 * IANA `timezone`, none after `until` (inclusive), and, when `years` is given, only in those years (of the
 * local calendar). See the module comment for daylight saving time.
 *
 * Throws a RangeError for an unknown time zone, and cron-parser's error for an invalid expression.
 */
export function cronOccurrencesAfter(cron: string, timezone: string, after: Date, count: number, until?: Date, years?: number[]): Date[] {
  const out: Date[] = [];
  const afterMs = after.getTime();
  const limit = until === undefined ? Infinity : until.getTime();
  if (!(count >= 1) || isNaN(afterMs) || isNaN(limit) || afterMs >= limit) return out;
  const compiled = compile(cron);
  const offset = offsetFunction(timezone);
  const allowed = years && years.length > 0 ? [...new Set(years)].sort((a, b) => a - b) : undefined;
  let from = Math.floor(afterMs / SECOND_MS) * SECOND_MS + SECOND_MS;
  while (out.length < count) {
    const next = nextFire(compiled, offset, from, limit, allowed);
    if (next === undefined) break;
    out.push(new Date(next));
    from = next + SECOND_MS;
  }
  return out;
}

/** A sentence saying the expression never fires, or undefined when it has an occurrence. */
function neverFires(text: string, compiled: Compiled, years?: number[]): string | undefined {
  if (years) {
    const from = utc(years[0], 1, 1);
    if (nextFire(compiled, () => 0, from, Infinity, years) === undefined) {
      return `${quote(text)} never fires: none of its days occurs in the years it allows (${describeYears(years)})`;
    }
    return undefined;
  }
  const from = NEVER_FIRES_REFERENCE.getTime();
  const end = utc(NEVER_FIRES_REFERENCE.getUTCFullYear() + NEVER_FIRES_HORIZON_YEARS, 1, 1);
  if (nextFire(compiled, () => 0, from, end) === undefined) {
    return `${quote(text)} never fires: it has no occurrence in the ${NEVER_FIRES_HORIZON_YEARS} years from ${NEVER_FIRES_REFERENCE.toISOString().slice(0, 10)}`;
  }
  return undefined;
}

function describeYears(years: readonly number[]): string {
  return years.length <= 6 ? years.join(', ') : `${years.slice(0, 5).join(', ')}, … ${years[years.length - 1]}`;
}

/** The value as a JSON string literal, shortened when long. */
function quote(text: string): string {
  const json = JSON.stringify(text);
  return json.length > 100 ? `${json.slice(0, 96)}…"` : json;
}
