/**
 * Interval texts, used by `every` and `duration`.
 *
 * Two forms are accepted, both with whole seconds only:
 * - compact: `Nd`, `Nh`, `Nm`, `Ns` combined in that order, each at most once, lowercase, integers
 *   (`30s`, `5m`, `1h30m`, `2d`, `1d12h`, `90m`);
 * - ISO-8601 durations with fixed-length units: `PnW`, or `PnDTnHnMnS` (`PT5M`, `P2D`, `PT1H30M`, `P1W`).
 *
 * Months and years are refused everywhere: they have no fixed length.
 */
import { describe, quote } from './value-text';

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** The shortest interval: one second. */
export const MIN_INTERVAL_MS = SECOND_MS;

/** The longest interval: 10 years of 365 days (3650 days). */
export const MAX_INTERVAL_MS = 3_650 * DAY_MS;

/** The result of {@link parseInterval}. */
export type IntervalResult = { ok: true; ms: number } | { ok: false; message: string };

/** Compact units, in the only order they may appear. */
const COMPACT_UNITS: ReadonlyArray<{ unit: string; ms: number }> = [
  { unit: 'd', ms: DAY_MS },
  { unit: 'h', ms: HOUR_MS },
  { unit: 'm', ms: MINUTE_MS },
  { unit: 's', ms: SECOND_MS },
];

/**
 * Parses an interval text into milliseconds.
 *
 * Never throws. A rejection's message starts with the quoted value and says what to write instead,
 * e.g. `"5" has no unit; write e.g. "5m" or "PT5M"`.
 */
export function parseInterval(text: string): IntervalResult {
  if (typeof text !== 'string') {
    return fail(`${describe(text)} is not a text; write e.g. "5m" or "PT5M"`);
  }
  const q = quote(text);
  if (text.length === 0) {
    return fail(`${q} is empty; write e.g. "5m" or "PT5M"`);
  }
  const trimmed = text.trim();
  if (trimmed.length === 0) {
    return fail(`${q} is blank; write e.g. "5m" or "PT5M"`);
  }
  if (trimmed !== text) {
    return fail(`${q} has leading or trailing whitespace; write ${quote(trimmed)}`);
  }
  if (/\s/.test(text)) {
    return fail(`${q} contains whitespace; write ${quote(text.replace(/\s+/g, ''))}`);
  }
  if (text.startsWith('-')) {
    return fail(`${q} is negative; an interval must be positive, e.g. ${quote(text.slice(1))}`);
  }
  if (text.startsWith('P') || text.startsWith('p')) {
    return parseIso(text);
  }
  return parseCompact(text);
}

/**
 * Formats milliseconds (whole seconds, at least one) as a compact interval, e.g. `5400000` → `1h30m`.
 * {@link parseInterval} reads the result back to the same value.
 */
export function formatInterval(ms: number): string {
  let rest = Math.round(ms / SECOND_MS) * SECOND_MS;
  if (rest <= 0) return '0s';
  let out = '';
  for (const { unit, ms: size } of COMPACT_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** Formats milliseconds (whole seconds) as an ISO-8601 duration with days and time parts, e.g. `PT1H30M`. */
export function formatIsoInterval(ms: number): string {
  let rest = Math.round(ms / SECOND_MS);
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3_600);
  rest -= hours * 3_600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  if (!days && !time) return 'PT0S';
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

function parseCompact(text: string): IntervalResult {
  const q = quote(text);
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    const n = /^\d+$/.test(text) ? String(Number(text)) : '5';
    return fail(`${q} has no unit; write e.g. "${n}m" or "PT${n}M"`);
  }
  const tokens: Array<{ number: string; unit: string }> = [];
  const token = /(\d+(?:\.\d+)?)([A-Za-z]+)/y;
  let position = 0;
  while (position < text.length) {
    token.lastIndex = position;
    const match = token.exec(text);
    if (!match) {
      return fail(`${q} is not an interval; write e.g. "30s", "5m", "1h30m", "2d" or an ISO-8601 duration such as "PT5M"`);
    }
    tokens.push({ number: match[1], unit: match[2] });
    position = token.lastIndex;
  }

  // Units: one message for the first kind of problem, with a corrected text where one exists.
  if (tokens.some((t) => t.unit === 'M')) {
    return fail(`${q} is ambiguous: "M" could mean minutes or months; write ${quote(text.toLowerCase())} for minutes (months have no fixed length)`);
  }
  for (const t of tokens) {
    const problem = unitProblem(t.number, t.unit);
    if (problem) return fail(`${q} ${problem}`);
  }
  if (tokens.some((t) => t.unit !== t.unit.toLowerCase())) {
    return fail(`${q} has an uppercase unit; units are lowercase: write ${quote(text.toLowerCase())}`);
  }

  const total = tokens.reduce((sum, t) => sum + Number(t.number) * unitMs(t.unit), 0);
  if (tokens.some((t) => t.number.includes('.'))) {
    return fail(`${q} has a fractional number; intervals are whole numbers of d, h, m and s: write ${quote(wholeSuggestion(total, formatInterval))}`);
  }
  const order = tokens.map((t) => COMPACT_UNITS.findIndex((u) => u.unit === t.unit));
  if (order.some((index, i) => i > 0 && index <= order[i - 1])) {
    const suggestion = total >= MIN_INTERVAL_MS && total <= MAX_INTERVAL_MS ? `; write ${quote(formatInterval(total))}` : '';
    return fail(`${q} must list each unit at most once, in the order d, h, m, s${suggestion}`);
  }
  return checkRange(text, total);
}

/** A problem with a compact unit other than case, or undefined when the unit is d, h, m, s in any case. */
function unitProblem(number: string, unit: string): string | undefined {
  const lower = unit.toLowerCase();
  if (['d', 'h', 'm', 's'].includes(lower)) return undefined;
  const n = Number(number);
  const whole = Number.isInteger(n);
  if (['y', 'yr', 'yrs', 'year', 'years'].includes(lower)) {
    return `uses years, which have no fixed length; write days instead, e.g. ${quote(whole ? `${n * 365}d` : '365d')}`;
  }
  if (['mo', 'mos', 'mon', 'mons', 'month', 'months'].includes(lower)) {
    return `uses months, which have no fixed length; write days instead, e.g. ${quote(whole ? `${n * 30}d` : '30d')}`;
  }
  if (['w', 'wk', 'wks', 'week', 'weeks'].includes(lower)) {
    return `has the unknown unit "${unit}"; write days instead, e.g. ${quote(whole ? `${n * 7}d` : '7d')} (or ${quote(whole ? `P${n}W` : 'P1W')})`;
  }
  if (lower === 'ms') {
    return 'uses milliseconds, which are not supported; the smallest unit is "s" (seconds)';
  }
  const words: Record<string, string> = {
    sec: 's',
    secs: 's',
    second: 's',
    seconds: 's',
    min: 'm',
    mins: 'm',
    minute: 'm',
    minutes: 'm',
    hr: 'h',
    hrs: 'h',
    hour: 'h',
    hours: 'h',
    day: 'd',
    days: 'd',
  };
  if (words[lower]) {
    return `has the unit "${unit}"; units are single letters: write "${number}${words[lower]}"`;
  }
  return `has the unknown unit "${unit}"; use d, h, m or s, e.g. "1h30m", or an ISO-8601 duration such as "PT1H30M"`;
}

function unitMs(unit: string): number {
  switch (unit.toLowerCase()) {
    case 'd': return DAY_MS;
    case 'h': return HOUR_MS;
    case 'm': return MINUTE_MS;
    default: return SECOND_MS;
  }
}

const ISO_NUMBER = '(\\d+(?:[.,]\\d+)?)';
const ISO_DURATION = new RegExp(
  `^P(?:${ISO_NUMBER}Y)?(?:${ISO_NUMBER}M)?(?:${ISO_NUMBER}W)?(?:${ISO_NUMBER}D)?(T(?:${ISO_NUMBER}H)?(?:${ISO_NUMBER}M)?(?:${ISO_NUMBER}S)?)?$`,
);

function parseIso(text: string): IntervalResult {
  const q = quote(text);
  const upper = text.toUpperCase();
  const match = ISO_DURATION.exec(text);
  if (!match) {
    if (upper !== text && ISO_DURATION.test(upper)) {
      return fail(`${q} has lowercase letters; ISO-8601 durations are uppercase: write ${quote(upper)}`);
    }
    return fail(`${q} is not an ISO-8601 duration; write e.g. "PT5M", "PT1H30M", "P2D" or "P1W" (or "5m", "1h30m", "2d")`);
  }
  const [, years, months, weeks, days, timePart, hours, minutes, seconds] = match;
  const parts = [years, months, weeks, days, hours, minutes, seconds];
  if (parts.every((p) => p === undefined)) {
    return fail(`${q} has no amount; write e.g. "PT5M" or "P1D"`);
  }
  if (timePart !== undefined && hours === undefined && minutes === undefined && seconds === undefined) {
    return fail(`${q} has a "T" with no hours, minutes or seconds after it; write ${quote(text.replace('T', ''))}`);
  }
  if (years !== undefined) {
    return fail(`${q} uses years, which have no fixed length; write days instead, e.g. "P365D" (or "365d")`);
  }
  if (months !== undefined) {
    return fail(`${q} uses months, which have no fixed length; write days instead, e.g. "P30D" (or "30d"); for minutes write "PT${months}M"`);
  }
  const num = (p: string | undefined): number => (p === undefined ? 0 : Number(p.replace(',', '.')));
  const total = num(weeks) * WEEK_MS + num(days) * DAY_MS + num(hours) * HOUR_MS + num(minutes) * MINUTE_MS + num(seconds) * SECOND_MS;
  if (parts.some((p) => p !== undefined && /[.,]/.test(p))) {
    return fail(`${q} has a fractional number; intervals are whole seconds: write ${quote(wholeSuggestion(total, formatIsoInterval))}`);
  }
  if (weeks !== undefined && (days !== undefined || timePart !== undefined)) {
    const suggestion = total >= MIN_INTERVAL_MS && total <= MAX_INTERVAL_MS ? `; write ${quote(formatIsoInterval(total))}` : '';
    return fail(`${q} combines weeks with other units${suggestion}`);
  }
  return checkRange(text, total);
}

/** A corrected text for a fractional amount: the same length when it is whole seconds, else rounded up. */
function wholeSuggestion(totalMs: number, format: (ms: number) => string): string {
  const seconds = Math.max(1, Math.ceil(totalMs / SECOND_MS));
  return format(Math.min(seconds * SECOND_MS, MAX_INTERVAL_MS));
}

function checkRange(text: string, total: number): IntervalResult {
  const q = quote(text);
  if (!(total >= MIN_INTERVAL_MS)) {
    return fail(`${q} is zero; an interval must be at least 1 second, e.g. "1s" or "PT1S"`);
  }
  if (!(total <= MAX_INTERVAL_MS)) {
    return fail(`${q} is longer than the maximum of 10 years ("3650d" or "P3650D"); write a shorter interval`);
  }
  return { ok: true, ms: total };
}

function fail(message: string): IntervalResult {
  return { ok: false, message };
}
