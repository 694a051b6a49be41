/**
 * The day-of-month and day-of-week fields, which have letters of their own (`L`, `W`, `#`), in normalized text:
 * numbers only, day-of-week 0-6 with 0 = Sunday whatever the dialect's numbering.
 */
import { AWS_DOW_FIELD, DOM_FIELD, FieldDef, FieldError, fieldValue, ItemRules, parseItem, splitList, UNIX_DOW_FIELD } from './cron-fields';
import { quote } from '../value-text';

/** A dialect's day fields. */
export interface DayDialect extends ItemRules {
  /** `cron(...)`: day-of-week 1-7 = Sunday-Saturday, `W`/`LW`, `L` alone in day-of-week, no `/` there. */
  readonly aws: boolean;
}

/**
 * Day-of-month: `*`, numbers, ranges, steps, lists, `L` (last day), and in AWS `nW` (the weekday nearest day n,
 * within the month) and `LW` (the last weekday of the month).
 */
export function dayOfMonthField(field: string, dialect: DayDialect): string {
  if (/W/i.test(field)) return weekdayField(field, dialect);
  const items = splitList(field, DOM_FIELD);
  const out = items.map((item) => {
    if (item.toUpperCase() === 'L') return 'L';
    if (/^L-\d+$/i.test(item)) {
      throw new FieldError(`uses an offset from the last day ${quote(item)} in day-of-month, which is not supported; use "L" for the last day`);
    }
    if (/L/i.test(item) || item.includes('#')) {
      throw new FieldError(`has an invalid day-of-month ${quote(item)}; use 1-31, ranges, lists, steps or "L" (last day of the month)`);
    }
    return parseItem(item, DOM_FIELD, field, dialect).text;
  });
  return out.includes('*') ? '*' : out.join(',');
}

/**
 * `nW` and `LW` (AWS only). The EventBridge reference: "3W specifies the weekday closest to the third day of the
 * month"; Quartz, where the syntax comes from, adds that W "will not 'jump' over the boundary of a month's days",
 * that "LW" is the last weekday of the month, and that W takes a single day, not a range or list.
 */
function weekdayField(field: string, dialect: DayDialect): string {
  if (!dialect.aws) {
    throw new FieldError(`uses "W" (nearest weekday) in day-of-month ${quote(field)}, which only AWS cron(...) expressions support; `
      + 'list the days explicitly or use a day-of-week expression');
  }
  if (field.toUpperCase() === 'LW') return 'LW';
  const match = /^(\d+)W$/i.exec(field);
  if (!match) {
    throw new FieldError(`has an invalid day-of-month ${quote(field)}; "W" follows a single day, e.g. "15W" (the weekday nearest the 15th) or "LW" (the last weekday), alone in the field`);
  }
  return `${fieldValue(match[1], DOM_FIELD, field)}W`;
}

/**
 * Day-of-week in either numbering, re-emitted as days 0-6 (0 = Sunday): a list compressed into ranges, plus
 * `nL` items (last weekday n of the month), or a single `n#k` (k-th weekday n). `*` stays `*`.
 */
export function dayOfWeekField(field: string, dialect: DayDialect): string {
  if (field === '*') return '*';
  const def: FieldDef = dialect.aws ? AWS_DOW_FIELD : UNIX_DOW_FIELD;
  const toDay = (value: number): number => (dialect.aws ? value - 1 : value % 7);
  if (dialect.aws && field.includes('/')) {
    // EventBridge's field table lists the wildcards ", - * ? L #" for day-of-week: "/" only for the other fields.
    throw new FieldError(`has a step "/" in day-of-week ${quote(field)}; AWS cron expressions allow "/" in minutes, hours, `
      + 'day-of-month, month and year but not in day-of-week: list the days instead, e.g. "1,3,5,7" or "MON,WED,FRI"');
  }
  const items = splitList(field, def);
  if (field.includes('#')) {
    const match = /^([A-Za-z0-9]+)#(\d+)$/.exec(field);
    if (!match || items.length !== 1) {
      throw new FieldError(`has an invalid day-of-week ${quote(field)}; "#" takes one day and an occurrence 1-5, e.g. ${dialect.aws ? '"6#3" (third Friday)' : '"5#3" (third Friday)'}, alone in the field`);
    }
    const nth = Number(match[2]);
    if (nth < 1 || nth > 5) throw new FieldError(`has the occurrence ${match[2]} in day-of-week ${quote(field)}; use 1-5`);
    return `${toDay(fieldValue(match[1], def, field))}#${nth}`;
  }
  const days = new Set<number>();
  const lasts: number[] = [];
  for (const item of items) {
    if (item.toUpperCase() === 'L') {
      if (!dialect.aws) throw new FieldError(`has "L" alone in day-of-week ${quote(field)}; write e.g. "5L" for the last Friday of the month`);
      days.add(6); // AWS (as Quartz): L alone in day-of-week is the last day of the week, Saturday.
      continue;
    }
    const last = /^([A-Za-z0-9]+)L$/i.exec(item);
    if (last && !(def.names && last[0].toUpperCase() in def.names)) {
      lasts.push(toDay(fieldValue(last[1], def, field)));
      continue;
    }
    if (/W/i.test(item) && !(def.names && /^[A-Za-z]{3}$/.test(item) && item.toUpperCase() in def.names)) {
      throw new FieldError(`has "W" in day-of-week ${quote(field)}; "W" (nearest weekday) belongs in day-of-month, e.g. "15W"`);
    }
    for (const v of parseItem(item, def, field, dialect).values) days.add(toDay(v));
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
