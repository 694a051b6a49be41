import { checkId, isPlainObject, notAnObject, unknownFields, unreadable } from './detail-fields';
import { StopParseResult } from './parse-result';
import { ValidationError } from '../../src/contract';

/** The fields a Stop detail may have. */
export const STOP_FIELDS = ['id'] as const;

/** Validates the detail of a `Schedule Stop` event: `{ id }` only. Never throws. */
export function parseStopDetail(detail: unknown): StopParseResult {
  try {
    if (!isPlainObject(detail)) return { ok: false, errors: [notAnObject(detail, 'a Stop detail must be a JSON object such as {"id": "nightly-report"}')] };
    const errors: ValidationError[] = unknownFields(detail, STOP_FIELDS);
    const id = checkId(detail, errors);
    if (errors.length > 0) return { ok: false, ...(id !== undefined ? { id } : {}), errors };
    return { ok: true, id: id! };
  } catch (error) {
    return { ok: false, errors: [unreadable(error)] };
  }
}
