/**
 * Which days of a month an expression matches.
 */
import { Compiled } from './compile';
import { utcMs } from '../instant';

/** The matching days of a month, ascending (cached per expression and month). */
export function matchingDays(c: Compiled, year: number, month: number): readonly number[] {
  const key = year * 12 + month - 1;
  const cached = c.dayLists.get(key);
  if (cached !== undefined) return cached;
  const lastDay = daysInMonth(year, month);
  const firstWeekday = new Date(utcMs(year, month, 1)).getUTCDay();
  const weekdayOf = (day: number): number => (firstWeekday + day - 1) % 7;
  const lastWeekday = c.domLastWeekday ? lastWeekdayOfMonth(lastDay, weekdayOf(lastDay)) : 0;
  const nearest = c.domNearestWeekday > 0 ? nearestWeekday(c.domNearestWeekday, lastDay, weekdayOf) : 0;
  const days: number[] = [];
  for (let day = 1; day <= lastDay; day++) {
    const weekday = weekdayOf(day);
    const dom = c.domValues[day] || (c.domLast && day === lastDay) || day === lastWeekday || day === nearest;
    const dow = (c.dowValues[weekday] && (c.dowNth === 0 || Math.ceil(day / 7) === c.dowNth))
      || (c.dowLastDays[weekday] && day > lastDay - 7);
    // cronie ORs the fields only when neither starts with "*" (src/cron.c 579-585), even when one allows
    // every day (`0 0 1-31 * MON` runs daily); AWS leaves one field "?", which is normalized to "*".
    if (c.daysAnd ? dom && dow : dom || dow) days.push(day);
  }
  if (c.dayLists.size >= 4_800) c.dayLists.clear();
  c.dayLists.set(key, days);
  return days;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate();
}

/** `LW`: the last day of the month, moved back to Friday when it falls on a weekend. */
function lastWeekdayOfMonth(lastDay: number, weekday: number): number {
  if (weekday === 6) return lastDay - 1;
  if (weekday === 0) return lastDay - 2;
  return lastDay;
}

/**
 * `nW`: day n when it is a weekday, else the nearest weekday without leaving the month (Quartz): Saturday → the
 * Friday before (the Monday after when n is the 1st), Sunday → the Monday after (the Friday before when n is the
 * last day). 0 when the month has no day n (e.g. 31W in June), as croner does; AWS does not document that case.
 */
function nearestWeekday(n: number, lastDay: number, weekdayOf: (day: number) => number): number {
  if (n > lastDay) return 0;
  const weekday = weekdayOf(n);
  if (weekday === 6) return n > 1 ? n - 1 : n + 2;
  if (weekday === 0) return n < lastDay ? n + 1 : n - 2;
  return n;
}
