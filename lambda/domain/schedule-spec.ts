/**
 * Validation of a `Schedule Start` event's detail into a {@link ScheduleSpec}.
 *
 * Pure (the accept time `now` is given) and total: it never throws, whatever the input, and it reports every
 * problem it finds, one {@link ValidationError} per problem, each naming the field and quoting the value received.
 * Each field has a parser of its own below; `parseStart` runs them all and builds the spec when the timing
 * fields are sound.
 */
import { parseCron } from './cron';
import {
  checkId, Detail, echo, isPlainObject, isValidZone, notAnObject, payloadProblem, present, unknownFields, unreadable,
} from './detail-fields';
import { ceilToSecond, parseInstant } from './instant';
import { parseInterval } from './interval';
import { neverFires } from './never-fires';
import { StartParseResult } from './parse-result';
import { describe, quote } from './value-text';
import { ScheduleKind, ScheduleSpec, START_FIELDS, ValidationError } from '../../src/contract';

/** The mutually exclusive timing fields of a Start. */
export const TIMING_FIELDS: readonly ScheduleKind[] = ['cron', 'every', 'duration', 'at'];

/** Largest `limit`. */
export const MAX_LIMIT = 1_000_000_000;

/**
 * Validates the detail of a `Schedule Start` event received at `now`.
 *
 * On success the spec holds only the fields that apply (no `undefined` values, since it is stored in DynamoDB):
 * `every`'s anchor is `startAt` when given (even in the past: later occurrences count from it), else `now + every`;
 * `duration`'s anchor is `now + duration`; `at`'s anchor is the instant given. Anchors and `startAt` are rounded up
 * to the next whole second (see {@link ceilToSecond}): Step Functions' Wait drops milliseconds, so every tick's
 * `scheduledAt` is a whole second and no tick is emitted before it.
 */
export function parseStartDetail(detail: unknown, now: Date): StartParseResult {
  try {
    return parseStart(detail, now);
  } catch (error) {
    return { ok: false, errors: [unreadable(error)] };
  }
}

/** A field's parsed value, or the problems that kept it from being one. */
interface Checked<T> {
  readonly value?: T;
  readonly errors: ValidationError[];
}

/** The timing field, parsed: which one it was and what it says. */
interface Timing {
  readonly kind: ScheduleKind;
  readonly expression: string;
  readonly cron?: { cron: string; years?: number[] };
  readonly intervalMs?: number;
  readonly atMs?: number;
}

interface Instant {
  readonly ms: number;
  readonly text: string;
}

function parseStart(detail: unknown, now: Date): StartParseResult {
  if (!isPlainObject(detail)) {
    return { ok: false, errors: [notAnObject(detail, 'a Start detail must be a JSON object such as {"id": "nightly-report", "cron": "0 2 * * *"}')] };
  }
  const errors: ValidationError[] = unknownFields(detail, START_FIELDS);
  const id = checkId(detail, errors);
  const timing = parseTiming(detail, now);
  const limit = parseLimit(detail, timing.value?.kind ?? singleTimingField(detail));
  const timezone = parseTimezone(detail);
  const window = parseWindow(detail, now);
  // The spec can be built only when every field it is made of is sound; payload problems do not prevent that.
  const specErrors = [...timing.errors, ...limit.errors, ...timezone.errors, ...window.errors];
  errors.push(...specErrors, ...parsePayload(detail));
  if (specErrors.length > 0 || !timing.value) return rejected(id, errors);

  const spec = buildSpec(timing.value, { limit: limit.value, timezone: timezone.value!, ...window.value }, now);
  const never = neverFires(spec, now);
  if (never) errors.push({ field: spec.kind, message: never, value: echo(spec.expression) });
  if (errors.length > 0) return rejected(id, errors);
  const hasPayload = present(detail, 'payload');
  return { ok: true, id: id!, spec, hasPayload, ...(hasPayload ? { payload: detail.payload } : {}) };
}

/** Exactly one of cron, every, duration, at, and what it says. */
function parseTiming(detail: Detail, now: Date): Checked<Timing> {
  const given = TIMING_FIELDS.filter((field) => present(detail, field));
  if (given.length === 0) {
    return { errors: [{ field: TIMING_FIELDS.join('|'), message: 'one of cron, every, duration, at is required, e.g. "cron": "0 9 * * MON-FRI", "every": "5m", "duration": "PT30M" or "at": "2026-12-01T09:00:00Z"' }] };
  }
  const errors: ValidationError[] = [];
  if (given.length > 1) {
    errors.push({
      field: given.join('|'),
      message: `only one of cron, every, duration, at may be given; received ${given.join(' and ')}`,
      value: echo(Object.fromEntries(given.map((field) => [field, detail[field]]))),
    });
  }
  const parsed = given.map((field) => parseTimingField(field, detail[field], now));
  errors.push(...parsed.flatMap((p) => p.errors));
  return errors.length > 0 ? { errors } : parsed[0];
}

function parseTimingField(kind: ScheduleKind, value: unknown, now: Date): Checked<Timing> {
  const problem = (message: string, echoed: unknown = echo(value)): Checked<Timing> => ({ errors: [{ field: kind, message, value: echoed }] });
  if (typeof value !== 'string') {
    const example = { cron: '"0 9 * * MON-FRI"', every: '"5m"', duration: '"PT30M"', at: '"2026-12-01T09:00:00Z"' }[kind];
    return problem(`${kind} must be a string such as ${example}; received ${describe(value)}`);
  }
  switch (kind) {
    case 'cron': {
      const parsed = parseCron(value);
      if (!parsed.ok) return problem(`cron ${parsed.message}`);
      const cron = parsed.years ? { cron: parsed.cron, years: parsed.years } : { cron: parsed.cron };
      return { value: { kind, expression: value, cron }, errors: [] };
    }
    case 'every':
    case 'duration': {
      const parsed = parseInterval(value);
      if (!parsed.ok) return problem(`${kind} ${parsed.message}`);
      return { value: { kind, expression: value, intervalMs: parsed.ms }, errors: [] };
    }
    default: {
      const parsed = parseInstant(value);
      if (!parsed.ok) return problem(`at ${parsed.message}`);
      if (parsed.ms <= now.getTime()) {
        return problem(
          `at ${quote(value)} is not in the future (now is ${now.toISOString()}); a schedule is refused rather than fired at once because of a mistake in its input`,
          value,
        );
      }
      return { value: { kind, expression: value, atMs: parsed.ms }, errors: [] };
    }
  }
}

/** The timing field when exactly one is given, whatever its value: `limit` is judged against it. */
function singleTimingField(detail: Detail): ScheduleKind | undefined {
  const given = TIMING_FIELDS.filter((field) => present(detail, field));
  return given.length === 1 ? given[0] : undefined;
}

/** `limit`: a whole number, for the repeating kinds only. */
function parseLimit(detail: Detail, kind: ScheduleKind | undefined): Checked<number> {
  if (!present(detail, 'limit')) return { errors: [] };
  const value = detail.limit;
  if (kind === 'duration' || kind === 'at') {
    return { errors: [{ field: 'limit', message: `limit is only allowed with cron or every; ${kind === 'at' ? 'an' : 'a'} ${kind} schedule fires once`, value: echo(value) }] };
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
    return { errors: [{ field: 'limit', message: `limit must be a whole number from 1 to ${MAX_LIMIT}; received ${describe(value)}`, value: echo(value) }] };
  }
  return { value, errors: [] };
}

/** `timezone`: an IANA name, UTC when absent. */
function parseTimezone(detail: Detail): Checked<string> {
  if (!present(detail, 'timezone')) return { value: 'UTC', errors: [] };
  const value = detail.timezone;
  if (typeof value !== 'string') {
    return { errors: [{ field: 'timezone', message: `timezone must be an IANA time zone name such as "Europe/Rome"; received ${describe(value)}`, value: echo(value) }] };
  }
  if (!isValidZone(value)) {
    return { errors: [{ field: 'timezone', message: `timezone ${quote(value)} is not an IANA time zone name; use e.g. "Europe/Rome", "America/New_York" or "UTC"`, value: echo(value) }] };
  }
  return { value, errors: [] };
}

/** `startAt` and `endAt`: instants, with endAt after startAt and in the future. */
function parseWindow(detail: Detail, now: Date): Checked<{ startAt?: Instant; endAt?: Instant }> {
  const startAt = parseInstantField(detail, 'startAt');
  const endAt = parseInstantField(detail, 'endAt');
  const errors = [...startAt.errors, ...endAt.errors];
  const start = startAt.value;
  const end = endAt.value;
  if (start !== undefined && end !== undefined && end.ms <= start.ms) {
    errors.push({ field: 'endAt', message: `endAt ${quote(end.text)} must be after startAt ${quote(start.text)}`, value: end.text });
  } else if (end !== undefined && end.ms <= now.getTime()) {
    errors.push({ field: 'endAt', message: `endAt ${quote(end.text)} is not in the future (now is ${now.toISOString()})`, value: end.text });
  }
  return errors.length > 0 ? { errors } : { value: { startAt: start, endAt: end }, errors };
}

function parseInstantField(detail: Detail, field: 'startAt' | 'endAt'): Checked<Instant> {
  if (!present(detail, field)) return { errors: [] };
  const value = detail[field];
  if (typeof value !== 'string') {
    return { errors: [{ field, message: `${field} must be an ISO-8601 instant with an offset such as "2026-12-01T09:00:00Z"; received ${describe(value)}`, value: echo(value) }] };
  }
  const parsed = parseInstant(value);
  if (!parsed.ok) return { errors: [{ field, message: `${field} ${parsed.message}`, value: echo(value) }] };
  return { value: { ms: parsed.ms, text: value }, errors: [] };
}

/** `payload`: any JSON value of bounded size. */
function parsePayload(detail: Detail): ValidationError[] {
  if (!present(detail, 'payload')) return [];
  const problem = payloadProblem(detail.payload);
  return problem ? [{ field: 'payload', message: problem }] : [];
}

/**
 * The spec of a sound Start: only the fields that apply, anchors resolved against `now` and rounded up to whole
 * seconds, as is `startAt` (a whole-second tick is at or after `startAt` exactly when it is at or after the rounded
 * one). `endAt` is kept as given: the last tick is the last whole second at or before it.
 */
function buildSpec(
  timing: Timing,
  options: { limit?: number; timezone: string; startAt?: Instant; endAt?: Instant },
  now: Date,
): ScheduleSpec {
  const { kind, expression } = timing;
  const { timezone, limit, startAt, endAt } = options;
  const bounds = {
    ...(limit !== undefined ? { limit } : {}),
    ...(startAt !== undefined ? { startAt: new Date(ceilToSecond(startAt.ms)).toISOString() } : {}),
    ...(endAt !== undefined ? { endAt: new Date(endAt.ms).toISOString() } : {}),
  };
  switch (kind) {
    case 'cron':
      return { kind, expression, ...timing.cron!, timezone, ...bounds };
    case 'every': {
      const anchor = new Date(ceilToSecond(startAt?.ms ?? now.getTime() + timing.intervalMs!)).toISOString();
      return { kind, expression, everyMs: timing.intervalMs!, anchor, timezone, ...bounds };
    }
    case 'duration':
      return { kind, expression, anchor: new Date(ceilToSecond(now.getTime() + timing.intervalMs!)).toISOString(), timezone, ...bounds };
    default:
      return { kind, expression, anchor: new Date(ceilToSecond(timing.atMs!)).toISOString(), timezone, ...bounds };
  }
}

function rejected(id: string | undefined, errors: ValidationError[]): StartParseResult {
  return { ok: false, ...(id !== undefined ? { id } : {}), errors };
}
