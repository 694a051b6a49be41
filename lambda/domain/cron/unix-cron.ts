/**
 * The Unix dialect: cronie's 5 fields `minute hour day-of-month month day-of-week` (crontab(5)), the same with a
 * leading seconds field (6 fields, an extension), and the @-macros.
 *
 * Grammar as cronie's get_range (src/entry.c 551-695): `*`, `*\/n`, `n`, `a-b`, `a-b/n`, lists (overlaps allowed),
 * month and day names, day-of-week 0-7 (0 and 7 = Sunday), `x-SUN` = x to Sunday. Extensions kept from earlier
 * versions: `n/s` (n to the end of the field), `L` (last day), `nL` (last weekday n), `n#k` (k-th weekday n).
 * Stricter than cronie, with a message: a range that goes backwards (cronie silently matches nothing), a step
 * larger than the field (cronie warns), and `~` (random, a cronie extension).
 */
import { DOM_FIELD, FieldError, HOUR_FIELD, MINUTE_FIELD, MONTH_FIELD, numericField, SECOND_FIELD, UNIX_DOW_FIELD } from './cron-fields';
import { DayDialect, dayOfMonthField, dayOfWeekField } from './day-fields';
import { cronieRule, formatNormalized } from './normalized-cron';

const UNIX: DayDialect = { aws: false, wrapRanges: false };

/**
 * The macros, with cronie's flags (src/entry.c 173-215): `@yearly`, `@annually`, `@monthly` set DOW_STAR,
 * `@weekly` sets DOM_STAR, `@daily`/`@midnight` set nothing (fixed-time), `@hourly` sets HR_STAR (wildcard).
 */
const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A macro in normalized form; throws for an unknown one. */
export function translateMacro(text: string): string {
  const macro = MACROS[text];
  if (!macro) throw new FieldError(`is not a known macro; use one of ${Object.keys(MACROS).join(', ')}`);
  return translateUnix(macro);
}

/** A 5- or 6-field expression in normalized form. */
export function translateUnix(text: string): string {
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new FieldError(`has ${fields.length} field${fields.length === 1 ? '' : 's'}; write 5 fields "minute hour day-of-month month day-of-week" (e.g. "*/15 * * * *"), `
      + '6 with leading seconds (e.g. "0 */15 * * * *"), or an AWS expression "cron(minute hour day-of-month month day-of-week year)"');
  }
  const [second, minute, hour, dom, month, dow] = fields.length === 6 ? fields : ['0', ...fields];
  for (const [value, name] of [[dom, DOM_FIELD.name], [dow, UNIX_DOW_FIELD.name]] as const) {
    if (value.includes('?')) {
      throw new FieldError(`has "?" in ${name}; "?" is only accepted in AWS cron(...) expressions (where day-of-week 1 is Sunday); here use "*"`);
    }
  }
  return formatNormalized({
    second: numericField(second, SECOND_FIELD, UNIX),
    minute: numericField(minute, MINUTE_FIELD, UNIX),
    hour: numericField(hour, HOUR_FIELD, UNIX),
    dom: dayOfMonthField(dom, UNIX),
    month: numericField(month, MONTH_FIELD, UNIX),
    dow: dayOfWeekField(dow, UNIX),
    rule: cronieRule({ second, minute, hour, dom, dow }),
  });
}
