/**
 * The start and stop handlers' validation, as error messages for people: shipped as a bundle that
 * `ScheduleEvents` (src/) loads at run time and that the preview CLI uses, so all three apply the same
 * rules and say the same words.
 */
import { parseStartDetail, parseStopDetail } from './schedule-spec';
import { ValidationError } from './schedule-types';
import { DETAIL_TYPE } from '../src/private/contract';
import type { ScheduleValidator } from '../src/private/schedule-validator';

/**
 * One message for every problem of a command: `Invalid Schedule Start: <problem>` for one,
 * `Invalid Schedule Start, 2 problems:` followed by one `- <problem>` line each for more.
 */
export function formatErrors(command: string, errors: readonly ValidationError[]): string {
  if (errors.length === 1) return `Invalid ${command}: ${errors[0].message}`;
  return `Invalid ${command}, ${errors.length} problems:\n${errors.map((e) => `- ${e.message}`).join('\n')}`;
}

export const startError: ScheduleValidator['startError'] = (detail, now) => {
  const parsed = parseStartDetail(detail, now);
  return parsed.ok ? undefined : formatErrors(DETAIL_TYPE.START, parsed.errors);
};

export const stopError: ScheduleValidator['stopError'] = (detail) => {
  const parsed = parseStopDetail(detail);
  return parsed.ok ? undefined : formatErrors(DETAIL_TYPE.STOP, parsed.errors);
};
