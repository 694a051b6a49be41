/**
 * The fields of a cron expression and the grammar of their list items, shared by the Unix and the AWS dialect.
 *
 * Every problem is a {@link FieldError} whose message names the field and quotes the value, in the words of the
 * expression's author (`has hour 25 out of range in "25"; use 0-23`); the caller prefixes the quoted expression.
 */
import { quote } from '../value-text';

/** First and last year an AWS cron year field may name (EventBridge "Cron expressions reference", field table). */
export const AWS_MIN_YEAR = 1970;
export const AWS_MAX_YEAR = 2199;

/** A field problem; the caller prefixes the quoted expression. */
export class FieldError extends Error {}

export interface FieldDef {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: Record<string, number>;
  /** The values to suggest, e.g. `0-23`. */
  readonly hint: string;
}

const MONTH_NAMES: Record<string, number> = {
  JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12,
};
const UNIX_DAY_NAMES: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };
const AWS_DAY_NAMES: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };

export const SECOND_FIELD: FieldDef = { name: 'second', min: 0, max: 59, hint: '0-59' };
export const MINUTE_FIELD: FieldDef = { name: 'minute', min: 0, max: 59, hint: '0-59' };
export const HOUR_FIELD: FieldDef = { name: 'hour', min: 0, max: 23, hint: '0-23' };
export const DOM_FIELD: FieldDef = { name: 'day-of-month', min: 1, max: 31, hint: '1-31 or L' };
export const MONTH_FIELD: FieldDef = { name: 'month', min: 1, max: 12, names: MONTH_NAMES, hint: '1-12 or JAN-DEC' };
export const UNIX_DOW_FIELD: FieldDef = { name: 'day-of-week', min: 0, max: 7, names: UNIX_DAY_NAMES, hint: '0-7 (0 and 7 are Sunday) or SUN-SAT' };
export const AWS_DOW_FIELD: FieldDef = { name: 'day-of-week', min: 1, max: 7, names: AWS_DAY_NAMES, hint: '1-7 (1 is Sunday) or SUN-SAT' };
export const YEAR_FIELD: FieldDef = { name: 'year', min: AWS_MIN_YEAR, max: AWS_MAX_YEAR, hint: `${AWS_MIN_YEAR}-${AWS_MAX_YEAR}` };

/** How a dialect reads list items. */
export interface ItemRules {
  /** AWS: a range whose end is below its start wraps around (`20-2` in hours is 20-23 and 0-2). */
  readonly wrapRanges: boolean;
}

/** One list item of a plain field: its values and its normalized text. */
export interface Item {
  readonly values: readonly number[];
  /** The normalized text of the item (numbers only; `*` and `*\/n` kept). */
  readonly text: string;
}

const ITEM = /^(\*|[A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?(?:\/([A-Za-z0-9]*))?$/;

/**
 * Parses one list item: `*`, `*\/s`, `v`, `a-b`, `v/s` (v to the end of the field), `a-b/s`.
 *
 * cronie's grammar (get_range, src/entry.c 551-695) has no `v/s`; it is accepted here as a harmless extension
 * (AWS documents it: "1/10 ... every tenth minute, starting from the first minute").
 */
export function parseItem(item: string, def: FieldDef, field: string, rules: ItemRules): Item {
  if (item.includes('~')) {
    throw new FieldError(`uses "~" (a random value) in ${def.name} ${quote(field)}, which is not supported; write the value`);
  }
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
  if (first === '*') return { values: range(def.min, def.max, step), text: step === 1 ? '*' : `*/${step}` };
  const lo = fieldValue(first, def, field);
  if (second === undefined) {
    return stepText === undefined
      ? { values: [lo], text: `${lo}` }
      : { values: range(lo, def.max, step), text: `${lo}/${step}` };
  }
  let hi = fieldValue(second, def, field);
  // cronie reads `x-0` in day-of-week (e.g. FRI-SUN) as x-7 when no step follows (src/entry.c 641-643).
  if (hi < lo && hi === 0 && def === UNIX_DOW_FIELD && stepText === undefined) hi = 7;
  if (hi < lo) {
    if (!rules.wrapRanges || def === YEAR_FIELD) {
      throw new FieldError(`has the range "${first}-${second}" in ${def.name}, which goes backwards; write it from low to high, or as a list`);
    }
    // AWS example "0/30 20-2 ? * MON-FRI *": "between 10:00 pm ... to 2:00 am on the following day".
    const span = def.max - def.min + 1;
    const values = [...new Set(range(lo, hi + span, step).map((v) => v > def.max ? v - span : v))].sort((a, b) => a - b);
    return { values, text: values.join(',') };
  }
  return { values: range(lo, hi, step), text: `${lo}-${hi}${stepText === undefined ? '' : `/${step}`}` };
}

/** A number or a name of a field, checked against the field's range. */
export function fieldValue(token: string, def: FieldDef, field: string): number {
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

/**
 * The comma-separated items of a field. Overlapping or repeated items are fine (`0-30,15`, `59,58-59`): cronie
 * sets each item's bits into one set (get_list, src/entry.c 493-532; set_element 743-751).
 */
export function splitList(field: string, def: FieldDef): string[] {
  const items = field.split(',');
  if (items.some((item) => item.length === 0)) {
    throw new FieldError(`has an empty list item in ${def.name} ${quote(field)}`);
  }
  return items;
}

/** A minute, hour, second or month field in normalized text. */
export function numericField(field: string, def: FieldDef, rules: ItemRules): string {
  // Month names contain L (JUL) and other letters: look for the special characters outside the names.
  const withoutNames = def.names ? field.replace(/[A-Za-z]{3}/g, (t) => (t.toUpperCase() in def.names! ? '0' : t)) : field;
  const special = /[LW#?]/i.exec(withoutNames);
  if (special) {
    const letter = special[0];
    if (letter === '?') throw new FieldError(`has "?" in ${def.name} ${quote(field)}; "?" is only for day-of-month or day-of-week in AWS cron(...)`);
    throw new FieldError(`has "${letter}" in ${def.name} ${quote(field)}, which is only meaningful in day-of-month or day-of-week`);
  }
  const items = splitList(field, def).map((item) => parseItem(item, def, field, rules));
  if (items.some((item) => item.text === '*')) return '*';
  return items.map((item) => item.text).join(',');
}

/** The years an AWS year field allows, ascending, or undefined for `*`. */
export function yearList(field: string): number[] | undefined {
  if (field === '*') return undefined;
  if (field.includes('?')) throw new FieldError(`has "?" in year ${quote(field)}; use "*" for every year`);
  const years = new Set<number>();
  for (const item of splitList(field, YEAR_FIELD)) {
    for (const y of parseItem(item, YEAR_FIELD, field, { wrapRanges: false }).values) years.add(y);
  }
  return [...years].sort((a, b) => a - b);
}

function range(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let v = lo; v <= hi; v += step) out.push(v);
  return out;
}
