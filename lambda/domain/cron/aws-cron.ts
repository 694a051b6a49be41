/**
 * The AWS dialect `cron(minutes hours day-of-month month day-of-week year)`, as the EventBridge "Cron expressions
 * reference" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html) describes it:
 * six fields; day-of-week 1-7 = SUN-SAT; exactly one of day-of-month and day-of-week is `?`; `L`, `W`, `LW` and
 * `#` in the day fields; `/` in every field but day-of-week (the field table lists ", - * ? L #" there); `a/n`
 * starts at a; a range may wrap (`20-2` in hours, the reference's "0/30 20-2 ? * MON-FRI *"); years 1970-2199.
 */
import { DOM_FIELD, FieldError, HOUR_FIELD, MINUTE_FIELD, MONTH_FIELD, numericField, yearList } from './cron-fields';
import { DayDialect, dayOfMonthField, dayOfWeekField } from './day-fields';
import { formatNormalized } from './normalized-cron';
import { quote } from '../value-text';

const AWS: DayDialect = { aws: true, wrapRanges: true };

/** The fields inside `cron(...)` in normalized form, and the allowed years when the year field is not `*`. */
export function translateAws(inner: string): { cron: string; years?: number[] } {
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
  for (const [value, name] of [[dom, DOM_FIELD.name], [dow, 'day-of-week']] as const) {
    if (value !== '?' && value.includes('?')) throw new FieldError(`has "?" inside ${name} "${value}"; "?" must be the whole field`);
  }
  const years = yearList(year);
  const cron = formatNormalized({
    second: '0',
    minute: numericField(minute, MINUTE_FIELD, AWS),
    hour: numericField(hour, HOUR_FIELD, AWS),
    dom: domAny ? '*' : dayOfMonthField(dom, AWS),
    month: numericField(month, MONTH_FIELD, AWS),
    dow: dowAny ? '*' : dayOfWeekField(dow, AWS),
    rule: 'aws',
  });
  return years ? { cron, years } : { cron };
}
