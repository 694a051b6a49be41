/**
 * Fire instants in a time zone: wall-clock matches turned into instants, with each dialect's rule for the local
 * times a daylight saving change skips (spring forward) or repeats (fall back).
 *
 * cronie (crond running with TZ set to the schedule's zone; src/cron.c, man cron(8) "Daylight Saving Time"):
 * - skipped times: a fixed-time job (no `*` first in second, minute or hour) that matches one or more skipped
 *   times runs right after the change (src/cron.c 427-455 runs fixed-time jobs "for each minute missed");
 *   a wildcard job does not run for them (it is evaluated for the new minute only). cronie runs a fixed-time job
 *   once per matching skipped minute, in a burst; we run it once, at the change.
 * - repeated times: a fixed-time job runs only in the first pass; a wildcard job runs in both (src/cron.c
 *   457-469: "Just run the wildcard jobs. The fixed-time jobs probably have already run, and should not be
 *   repeated").
 * AWS (EventBridge Scheduler, https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 * #daylist-savings-time): "if a cron expression falls on a non-existent date and time, your schedule invocation
 * is skipped"; on fall back "your schedule runs only once and does not repeat its invocation" — for every job.
 *
 * The result never depends on where the search starts: `nextFire(from)` is always the first instant >= `from` of
 * one fixed sequence. Offset changes are assumed at most 3 hours long and at least 14 days apart (true of every
 * zone's current rules).
 */
import { Compiled } from './compile';
import { nextWall } from './wall-clock-search';
import { OffsetOf, transitionIn, WINDOW_MS } from './zone-offsets';

const DAY_MS = 86_400_000;

/**
 * The first fire instant >= `from` and <= `limit` (epoch ms), or undefined.
 *
 * Between changes an instant t fires when its wall time t + offset matches. Right after a change at T from
 * offset o1 to o2:
 * - spring forward (o2 > o1), fixed-time cronie job: T itself fires when a skipped wall time in
 *   [T + o1, T + o2) matches; the skipped times are otherwise never reached;
 * - fall back (o2 < o1), fixed-time cronie job or AWS: the second pass [T, T + o1 - o2) fires nothing.
 */
export function nextFire(c: Compiled, offset: OffsetOf, from: number, limit: number, years?: readonly number[]): number | undefined {
  const fixed = c.rule.endsWith('-fixed');
  const repeatsOnce = fixed || c.rule === 'aws';
  let p = from;
  for (let guard = 0; guard < 10_000; guard++) {
    if (p > limit) return undefined;
    const o = offset(p);
    const before = offset(p - WINDOW_MS);
    if (before !== o) {
      const change = transitionIn(offset, p - WINDOW_MS, p);
      if (o > before && fixed && p === change && nextWall(c, change + before, change + o - 1, years) !== undefined) {
        return change <= limit ? change : undefined;
      }
      const secondPassEnd = change + before - o;
      if (o < before && repeatsOnce && p < secondPassEnd) {
        p = secondPassEnd;
        continue;
      }
    }
    const wall = nextWall(c, p + o, limit === Infinity ? Infinity : limit + DAY_MS, years);
    if (wall === undefined) return undefined;
    const candidate = wall - o;
    const near = Math.min(candidate, p + WINDOW_MS);
    const far = Math.max(candidate - WINDOW_MS, p);
    const atCandidate = offset(candidate);
    if (atCandidate === o && offset(near) === o && offset(far) === o) {
      return candidate <= limit ? candidate : undefined;
    }
    // A change lies between p and the candidate: continue from it, where its rule applies.
    if (offset(near) !== o) {
      p = Math.max(p + 1, transitionIn(offset, p, near));
    } else if (atCandidate !== o) {
      p = Math.max(p + 1, transitionIn(offset, p, candidate));
    } else {
      // The offset changed and changed back to `o` just before the candidate: restart before that.
      p = Math.max(p + 1, candidate - 2 * WINDOW_MS);
    }
  }
  return undefined;
}
