import { AWS_MAX_YEAR } from './cron';
import { nextOccurrences } from './occurrences';
import { quote } from './value-text';
import { ScheduleSpec } from '../../src/contract';

/**
 * A cron schedule must fire before this instant: the end of the last year an AWS cron() may name. A rare cron
 * (29 February on a Monday, the fifth Tuesday of February) is not "never": it is accepted when it fires once more
 * before then. The search skips whole months and years (cron/wall-clock-search.ts), so it stays fast.
 */
export const CRON_HORIZON = new Date(Date.UTC(AWS_MAX_YEAR + 1, 0, 2));

/**
 * A sentence saying why `spec` would never fire after `now`, or undefined when it has an occurrence: a Start that
 * could never tick is refused rather than kept running forever.
 */
export function neverFires(spec: ScheduleSpec, now: Date): string | undefined {
  const window = `${spec.startAt ? ` from startAt ${spec.startAt}` : ''}${spec.endAt ? ` up to endAt ${spec.endAt}` : ''}`;
  switch (spec.kind) {
    case 'cron': {
      if (nextOccurrences(spec, now, 1, CRON_HORIZON).length > 0) return undefined;
      return `cron ${quote(spec.expression)} would never fire: it has no occurrence after now (${now.toISOString()})${window}`
        + `${spec.years ? ` in the years it allows (${listYears(spec.years)})` : ''}`
        + ` before ${AWS_MAX_YEAR + 1} (evaluated in ${spec.timezone})`;
    }
    case 'every': {
      if (nextOccurrences(spec, now, 1).length > 0) return undefined;
      return `every ${quote(spec.expression)} would never fire: its first occurrence after now (${now.toISOString()}) is after endAt ${spec.endAt}`;
    }
    default: {
      if (nextOccurrences(spec, now, 1).length > 0) return undefined;
      const field = spec.kind === 'at' ? 'at' : 'duration';
      const when = spec.kind === 'at' ? quote(spec.expression) : `${quote(spec.expression)} (fires at ${spec.anchor})`;
      const side = spec.startAt !== undefined && spec.anchor! < spec.startAt ? `is before startAt ${spec.startAt}` : `is after endAt ${spec.endAt}`;
      return `${field} ${when} would never fire: it ${side}`;
    }
  }
}

/** Years for a message: all of them when few, else the first five and the last. */
export function listYears(years: readonly number[]): string {
  return years.length <= 6 ? years.join(', ') : `${years.slice(0, 5).join(', ')}, … ${years[years.length - 1]}`;
}
