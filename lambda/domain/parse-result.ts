import type { ScheduleSpec, ValidationError } from '../../src/contract';

/** What the validation of a Start or a Stop returns. */

/** A Start that passed validation. */
export interface AcceptedStart {
  readonly ok: true;
  readonly id: string;
  readonly spec: ScheduleSpec;
  /** Whether the detail had a `payload` field (a `null` payload is still a payload). */
  readonly hasPayload: boolean;
  readonly payload?: unknown;
}

/** A Start or Stop that failed validation. `id` is set when the detail had a usable id. */
export interface Rejected {
  readonly ok: false;
  readonly id?: string;
  readonly errors: ValidationError[];
}

export type StartParseResult = AcceptedStart | Rejected;

/** A Stop that passed validation. */
export interface AcceptedStop {
  readonly ok: true;
  readonly id: string;
}

export type StopParseResult = AcceptedStop | Rejected;
