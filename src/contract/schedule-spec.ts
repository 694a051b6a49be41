/**
 * What a validated `Schedule Start` becomes, and how a refusal names its problems: part of the wire contract,
 * stored in DynamoDB, carried in the state machine's input and sent in `Schedule Rejected`.
 * Everything here is plain JSON so it can live in DynamoDB and in a state machine's input.
 */

/** Which of the mutually exclusive timing fields a Start used. */
export type ScheduleKind = 'cron' | 'every' | 'duration' | 'at';

/** A validated, normalized schedule. Times are ISO-8601 UTC strings with milliseconds (`Date#toISOString`). */
export interface ScheduleSpec {
  readonly kind: ScheduleKind;
  /** The timing expression as the user wrote it (for events and display). */
  readonly expression: string;
  /**
   * kind 'cron': the normalized expression `sec min hour dom month dow rule` (numbers only, 0=Sunday), where `rule`
   * says how the day fields combine and how daylight saving changes apply (see lambda/domain/cron/normalized-cron.ts).
   */
  readonly cron?: string;
  /** kind 'cron' from an AWS `cron(...)` with a year field other than `*`: the years allowed, ascending. */
  readonly years?: number[];
  /** kind 'every': the interval in milliseconds (whole seconds, at least 1,000). */
  readonly everyMs?: number;
  /**
   * kind 'every': the first occurrence; later ones are anchor + k * everyMs.
   * It is `startAt` when given, else the accept time + everyMs.
   * kind 'duration' and 'at': the single occurrence (accept time + duration, or `at`).
   */
  readonly anchor?: string;
  /** IANA time zone for cron evaluation. Default 'UTC'. */
  readonly timezone: string;
  /** Maximum number of ticks (cron and every only). */
  readonly limit?: number;
  /** No tick before this instant (inclusive). */
  readonly startAt?: string;
  /** No tick after this instant (inclusive). */
  readonly endAt?: string;
}

/** One problem with an input, naming the field and the value received. */
export interface ValidationError {
  /** The field path, e.g. `cron`, `limit`, `detail` for the whole detail. */
  readonly field: string;
  /** A sentence saying what was wrong and what is expected, e.g. `every "5" has no unit; use e.g. "5m" or "PT5M"`. */
  readonly message: string;
  /** The value received for the field (omitted when the field was missing). */
  readonly value?: unknown;
}
