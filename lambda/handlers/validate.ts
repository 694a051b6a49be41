/**
 * The start and stop handlers' validation, as error messages for people: shipped as a bundle that
 * `ScheduleEvents` (src/) loads at run time and that the preview CLI uses, so all three apply the same
 * rules and say the same words.
 */
import { DETAIL_TYPE, ScheduleValidator } from '../../src/contract';
import { parseStartDetail } from '../domain/schedule-spec';
import { parseStopDetail } from '../domain/stop-detail';
import { formatErrors } from '../domain/validation-message';

export const startError: ScheduleValidator['startError'] = (detail, now) => {
  const parsed = parseStartDetail(detail, now);
  return parsed.ok ? undefined : formatErrors(DETAIL_TYPE.START, parsed.errors);
};

export const stopError: ScheduleValidator['stopError'] = (detail) => {
  const parsed = parseStopDetail(detail);
  return parsed.ok ? undefined : formatErrors(DETAIL_TYPE.STOP, parsed.errors);
};
