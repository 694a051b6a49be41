/**
 * The next matching wall-clock time, by calendar arithmetic: whole months, days, hours and minutes are skipped at
 * once, so finding a time years away costs about as much as finding the next minute.
 */
import { Compiled } from './compile';
import { daysInMonth, matchingDays } from './day-match';
import { utcMs } from '../instant';

const SECOND_MS = 1_000;

/** The Gregorian calendar repeats every 400 years: a wall time search never needs to look further. */
const SEARCH_YEARS = 401;

/**
 * The smallest matching wall-clock time >= `from` (both epoch ms of wall times read as UTC), or undefined when
 * there is none up to `limit`. Whole seconds only. `years`, when given, is ascending.
 */
export function nextWall(c: Compiled, from: number, limit: number, years?: readonly number[]): number | undefined {
  const start = new Date(Math.ceil(from / SECOND_MS) * SECOND_MS);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let hour = start.getUTCHours();
  let minute = start.getUTCMinutes();
  let second = start.getUTCSeconds();
  const lastYear = Math.min(year + SEARCH_YEARS, new Date(Math.min(limit, 8.64e15)).getUTCFullYear() + 1);
  const startOfMonth = (): void => {
    day = 1;
    hour = minute = second = 0;
  };
  const nextMonth = (): void => {
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
    startOfMonth();
  };
  for (let guard = 0; guard < 100_000; guard++) {
    if (year > lastYear) return undefined;
    if (years) {
      const allowed = atLeast(years, year);
      if (allowed === undefined) return undefined;
      if (allowed !== year) {
        year = allowed;
        month = 1;
        startOfMonth();
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
      startOfMonth();
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
    const wall = utcMs(year, month, day, hour, minute, s);
    return wall <= limit ? wall : undefined;
  }
  return undefined;
}

/** Smallest value of an ascending list that is >= `from`, or undefined. */
function atLeast(values: readonly number[], from: number): number | undefined {
  for (const v of values) if (v >= from) return v;
  return undefined;
}
