/**
 * Cron expressions: parsing of the accepted dialects into one normalized form (normalized-cron.ts), and their
 * fire times in a time zone.
 *
 * - Unix (unix-cron.ts): cronie's 5 fields, or 6 with leading seconds, or an @-macro; cronie's semantics, with
 *   crond running in the schedule's time zone (day fields ANDed when either starts with `*`, else ORed; fixed-time
 *   and wildcard jobs across daylight saving changes: dst-rules.ts).
 * - AWS (aws-cron.ts): `cron(min hour dom month dow year)` with EventBridge's semantics (`L`, `W`, `LW`, `#`,
 *   years 1970-2199; a skipped local time never fires, a repeated one fires once).
 *
 * Whether a valid expression ever fires after a given instant is decided by never-fires.ts; parsing only refuses
 * days that no allowed month has (30 February), a property of the fields themselves.
 */
import { translateAws } from './aws-cron';
import { Compiled, compile } from './compile';
import { FieldError } from './cron-fields';
import { nextFire } from './dst-rules';
import { translateMacro, translateUnix } from './unix-cron';
import { offsetFunction } from './zone-offsets';
import { quote } from '../value-text';

export { AWS_MAX_YEAR, AWS_MIN_YEAR } from './cron-fields';

/** The result of {@link parseCron}. */
export type CronParseResult = { ok: true; cron: string; years?: number[] } | { ok: false; message: string };

const SECOND_MS = 1_000;
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Parses a cron expression in one of the accepted dialects.
 *
 * Never throws. On success, `cron` is the normalized expression and `years` the allowed years of an AWS year field
 * other than `*`, ascending. A rejection's message starts with the quoted expression and names the field and value.
 */
export function parseCron(text: string): CronParseResult {
  if (typeof text !== 'string') {
    return { ok: false, message: 'the cron expression is not a text; write e.g. "0 9 * * MON-FRI" or "cron(0 9 ? * MON-FRI *)"' };
  }
  try {
    const translated = translate(text);
    const impossible = impossibleDays(compile(translated.cron));
    if (impossible) return { ok: false, message: `${quote(text)} never fires: ${impossible}` };
    return translated;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: error instanceof FieldError ? `${quote(text)} ${detail}` : `${quote(text)} is not a valid cron expression: ${detail}` };
  }
}

function translate(text: string): { ok: true; cron: string; years?: number[] } {
  if (text.length === 0) throw new FieldError('is empty; write e.g. "*/15 * * * *", "0 9 * * MON-FRI" or "cron(0 12 ? * MON-FRI *)"');
  if (text.trim().length === 0) throw new FieldError('is blank; write e.g. "*/15 * * * *" or "cron(0 12 ? * MON-FRI *)"');
  if (text.trim() !== text) throw new FieldError(`has leading or trailing whitespace; write ${quote(text.trim())}`);
  if (text.length > 512) throw new FieldError(`is ${text.length} characters long; a cron expression has at most 512`);
  if (/^rate\(/i.test(text)) {
    throw new FieldError('is an AWS rate expression, which cron does not accept; use the every field instead, e.g. every: "5m"');
  }
  if (text.startsWith('@')) return { ok: true, cron: translateMacro(text) };
  if (/^cron\(/i.test(text)) {
    if (!text.startsWith('cron(')) throw new FieldError(`must start with lowercase "cron("; write ${quote(`cron(${text.slice(5)}`)}`);
    if (!text.endsWith(')')) throw new FieldError('has no closing parenthesis; write e.g. "cron(0 12 ? * MON-FRI *)"');
    return { ok: true, ...translateAws(text.slice(5, -1).trim()) };
  }
  return { ok: true, cron: translateUnix(text) };
}

/**
 * Why the day fields alone can never match (a day-of-month that none of the allowed months has, when the days
 * are ANDed: with OR, any day-of-week rescues it), or undefined.
 */
function impossibleDays(c: Compiled): string | undefined {
  if (!c.daysAnd || c.domLast || c.domLastWeekday || c.domNearestWeekday > 0) return undefined;
  const days = c.domValues.flatMap((v, day) => (v ? [day] : []));
  const months = c.months.flatMap((v, month) => (v ? [month] : []));
  const longest = Math.max(...months.map((m) => (m === 2 ? 29 : new Date(Date.UTC(2001, m, 0)).getUTCDate())));
  if (days.length === 0 || days[0] <= longest) return undefined;
  const monthNames = months.map((m) => MONTH_NAMES[m - 1]);
  const list = monthNames.length === 1 ? monthNames[0] : `${monthNames.slice(0, -1).join(', ')} or ${monthNames[monthNames.length - 1]}`;
  return `its day-of-month ${days.join(', ')} does not exist in ${list} (${list === 'February' ? 'at most 29 days' : `at most ${longest} days`})`;
}

/**
 * The next `count` fire instants of a normalized expression strictly after `after`, ascending, evaluated in the
 * IANA `timezone`, none after `until` (inclusive), and, when `years` is given, only in those years (of the
 * local calendar). See dst-rules.ts for daylight saving time.
 *
 * Throws a RangeError for an unknown time zone, and an Error for a text that is not a normalized expression.
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
