import { quote } from './value-text';

/** The result of {@link parseInstant}. */
export type InstantResult = { ok: true; ms: number } | { ok: false; message: string };

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Parses an ISO-8601 instant with an explicit offset (`2026-12-01T09:00:00+01:00`, `2026-12-01T09:00Z`,
 * `2026-12-01T08:00:00.250Z`). Fractions beyond milliseconds are dropped. A rejection's message starts with the
 * quoted value.
 */
export function parseInstant(text: string): InstantResult {
  const q = quote(text);
  const example = '"2026-12-01T09:00:00+01:00" or "2026-12-01T08:00:00Z"';
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    return { ok: false, message: `${q} is a date without a time and offset; write an instant such as ${quote(`${text}T00:00:00Z`)}` };
  }
  const match = INSTANT.exec(text);
  if (!match) {
    return { ok: false, message: `${q} is not an ISO-8601 instant; write e.g. ${example}` };
  }
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  if (offset === undefined) {
    return {
      ok: false,
      message: `${q} has no UTC offset, so the instant it names is ambiguous; add "Z" or an offset, e.g. ${quote(`${text}Z`)} or ${quote(`${text}+01:00`)}`,
    };
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12) return { ok: false, message: `${q} has month ${mo}, which does not exist; use 01-12` };
  const lastDay = new Date(utcMs(year, month + 1, 0)).getUTCDate();
  if (day < 1 || day > lastDay) {
    return { ok: false, message: `${q} is not a real date: ${MONTHS[month - 1]} ${y} has ${lastDay} days` };
  }
  if (hour > 23) return { ok: false, message: `${q} has hour ${h}; use 00-23` };
  if (minute > 59) return { ok: false, message: `${q} has minute ${mi}; use 00-59` };
  if (second > 59) return { ok: false, message: `${q} has second ${s}; use 00-59 (leap seconds are not supported)` };
  let offsetMs = 0;
  if (offset !== 'Z') {
    const offsetHours = Number(offset.slice(1, 3));
    const offsetMinutes = Number(offset.slice(4, 6));
    if (offsetHours > 23 || offsetMinutes > 59) return { ok: false, message: `${q} has the offset ${offset}, which is not a valid UTC offset` };
    offsetMs = (offset.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  const millis = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  return { ok: true, ms: utcMs(year, month, day, hour, minute, second) + millis - offsetMs };
}

/** Epoch ms of a UTC date and time; works for years 0-99 too. */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/**
 * The first whole second at or after `ms`. Step Functions "considers the time value up to seconds and truncates
 * milliseconds" of a Wait's timestamp, so a tick scheduled at a fraction of a second would be emitted up to 999 ms
 * early; every instant a Wait waits for is therefore a whole second, rounded up, never down.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html
 */
export function ceilToSecond(ms: number): number {
  return Math.ceil(ms / 1000) * 1000;
}
