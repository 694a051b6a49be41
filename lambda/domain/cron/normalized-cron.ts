/**
 * The normalized form a parsed cron is stored in (`ScheduleSpec.cron`) and evaluated from:
 *
 *     sec min hour dom month dow rule          e.g. "0 30 2 * * * cronie-and-fixed"
 *
 * Fields hold numbers only (day-of-week 0-6, 0 = Sunday). `rule` says how the days combine and how daylight
 * saving changes are treated, since the normalized fields no longer show the author's `*`s:
 * - `aws`: EventBridge Scheduler (one of the day fields is `*`; a skipped local time never fires, a repeated
 *   one fires once);
 * - `cronie-<and|or>-<fixed|wildcard>`: cronie (Vixie cron) running with TZ set to the schedule's zone; `and` when
 *   either day field of the expression started with `*`, `fixed` when none of second, minute and hour did.
 * A 6-field form without a rule (stored by versions before the rule existed) is read as cronie's.
 */

/** How the days combine and how daylight saving changes are treated. */
export type CronRule = 'aws' | 'cronie-and-fixed' | 'cronie-and-wildcard' | 'cronie-or-fixed' | 'cronie-or-wildcard';

const RULES: readonly CronRule[] = ['aws', 'cronie-and-fixed', 'cronie-and-wildcard', 'cronie-or-fixed', 'cronie-or-wildcard'];

/** The fields of a normalized expression. */
export interface NormalizedFields {
  readonly second: string;
  readonly minute: string;
  readonly hour: string;
  readonly dom: string;
  readonly month: string;
  readonly dow: string;
  readonly rule: CronRule;
}

export function formatNormalized(f: NormalizedFields): string {
  return [f.second, f.minute, f.hour, f.dom, f.month, f.dow, f.rule].join(' ');
}

/** Splits a normalized expression; throws an Error for a text that is not one. */
export function splitNormalized(cron: string): NormalizedFields {
  const parts = cron.trim().split(/\s+/);
  if (parts.length === 6) {
    // Before the rule token existed the day fields kept a leading "*" only for a plain "*".
    const [second, minute, hour, dom, month, dow] = parts;
    return { second, minute, hour, dom, month, dow, rule: cronieRule({ second, minute, hour, dom, dow }) };
  }
  if (parts.length !== 7 || !RULES.includes(parts[6] as CronRule)) throw new Error(`not a normalized cron expression: ${JSON.stringify(cron)}`);
  const [second, minute, hour, dom, month, dow, rule] = parts;
  return { second, minute, hour, dom, month, dow, rule: rule as CronRule };
}

/**
 * cronie's rule for an expression as its author wrote it. The flags are set when a field's first character is
 * `*` (src/entry.c 228-272: MIN_STAR, HR_STAR, DOM_STAR, DOW_STAR):
 * - the days are ANDed when either day field starts with `*`, else ORed (src/cron.c 579-585);
 * - a job is a wildcard job when its minute or hour field starts with `*` (src/cron.c 593-596). cronie has no
 *   seconds field; a leading `*` in ours counts the same way.
 */
export function cronieRule(written: { second: string; minute: string; hour: string; dom: string; dow: string }): CronRule {
  const days = written.dom.startsWith('*') || written.dow.startsWith('*') ? 'and' : 'or';
  const kind = [written.second, written.minute, written.hour].some((f) => f.startsWith('*')) ? 'wildcard' : 'fixed';
  return `cronie-${days}-${kind}`;
}
