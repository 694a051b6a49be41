/**
 * Validation of `Schedule Start` and `Schedule Stop` event details into a {@link ScheduleSpec}.
 *
 * Pure (the accept time `now` is given) and total: it never throws, whatever the input, and it reports every
 * problem it finds, one {@link ValidationError} per problem, each naming the field and quoting the value received.
 */
import { IANAZone } from 'luxon';
import { parseCron } from './cron-expression';
import { parseInterval } from './interval';
import { nextOccurrences } from './occurrences';
import { ScheduleKind, ScheduleSpec, StartParseResult, StopParseResult, ValidationError } from './schedule-types';

/** The fields a Start detail may have. */
export const START_FIELDS = ['id', 'cron', 'every', 'duration', 'at', 'limit', 'timezone', 'startAt', 'endAt', 'payload'] as const;

/** The fields a Stop detail may have. */
export const STOP_FIELDS = ['id'] as const;

/** The mutually exclusive timing fields of a Start. */
export const TIMING_FIELDS: readonly ScheduleKind[] = ['cron', 'every', 'duration', 'at'];

/** Longest id, in characters (Unicode code points). */
export const MAX_ID_LENGTH = 256;

/** Largest `limit`. */
export const MAX_LIMIT = 1_000_000_000;

/** Largest payload, in UTF-8 bytes of its JSON text. */
export const MAX_PAYLOAD_BYTES = 8_192;

/** A cron schedule must fire within this many years of its acceptance. */
export const CRON_HORIZON_YEARS = 8;

/** Largest `value` echoed in an error, in characters of its JSON text; larger values are summarized. */
const MAX_ECHO_CHARS = 1_024;

/**
 * Validates the detail of a `Schedule Start` event received at `now`.
 *
 * On success the spec holds only the fields that apply (no `undefined` values, since it is stored in DynamoDB):
 * `every`'s anchor is `startAt` when given (even in the past: later occurrences count from it), else `now + every`;
 * `duration`'s anchor is `now + duration`; `at`'s anchor is the instant given.
 */
export function parseStartDetail(detail: unknown, now: Date): StartParseResult {
  try {
    return parseStart(detail, now);
  } catch (error) {
    return { ok: false, errors: [unreadable(error)] };
  }
}

/** Validates the detail of a `Schedule Stop` event: `{ id }` only. */
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

/** A one-line summary of errors for logs, e.g. `2 problems: [every] every "5" has no unit; … | [limit] …`. */
export function describeErrors(errors: readonly ValidationError[]): string {
  if (errors.length === 0) return 'no problems';
  const parts = errors.map((e) => `[${e.field}] ${e.message}`.replace(/[\r\n]+/g, ' '));
  return `${errors.length} problem${errors.length === 1 ? '' : 's'}: ${parts.join(' | ')}`;
}

/** The result of {@link parseInstant}. */
export type InstantResult = { ok: true; ms: number } | { ok: false; message: string };

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Parses an ISO-8601 instant with an explicit offset (`2026-12-01T09:00:00+01:00`, `2026-12-01T09:00Z`,
 * `2026-12-01T08:00:00.250Z`). Fractions beyond milliseconds are dropped. A rejection's message starts with the
 * quoted value.
 */
export function parseInstant(text: string): InstantResult {
  const q = quote(text);
  const example = '"2026-12-01T09:00:00+01:00" or "2026-12-01T08:00:00Z"';
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    return { ok: false, message: `${q} is a date without a time and offset; write an instant such as ${quote(`${text}T00:00:00Z`)}` };
  }
  const match = INSTANT.exec(text);
  if (!match) {
    return { ok: false, message: `${q} is not an ISO-8601 instant; write e.g. ${example}` };
  }
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  if (offset === undefined) {
    return {
      ok: false,
      message: `${q} has no UTC offset, so the instant it names is ambiguous; add "Z" or an offset, e.g. ${quote(`${text}Z`)} or ${quote(`${text}+01:00`)}`,
    };
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12) return { ok: false, message: `${q} has month ${mo}, which does not exist; use 01-12` };
  const lastDay = new Date(utcMs(year, month + 1, 0)).getUTCDate();
  if (day < 1 || day > lastDay) {
    return { ok: false, message: `${q} is not a real date: ${MONTHS[month - 1]} ${y} has ${lastDay} days` };
  }
  if (hour > 23) return { ok: false, message: `${q} has hour ${h}; use 00-23` };
  if (minute > 59) return { ok: false, message: `${q} has minute ${mi}; use 00-59` };
  if (second > 59) return { ok: false, message: `${q} has second ${s}; use 00-59 (leap seconds are not supported)` };
  let offsetMs = 0;
  if (offset !== 'Z') {
    const offsetHours = Number(offset.slice(1, 3));
    const offsetMinutes = Number(offset.slice(4, 6));
    if (offsetHours > 23 || offsetMinutes > 59) return { ok: false, message: `${q} has the offset ${offset}, which is not a valid UTC offset` };
    offsetMs = (offset.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  const millis = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  return { ok: true, ms: utcMs(year, month, day, hour, minute, second) + millis - offsetMs };
}

// ---------------------------------------------------------------------------------------------------------------

type Detail = Record<string, unknown>;

function parseStart(detail: unknown, now: Date): StartParseResult {
  if (!isPlainObject(detail)) {
    return { ok: false, errors: [notAnObject(detail, 'a Start detail must be a JSON object such as {"id": "nightly-report", "cron": "0 2 * * *"}')] };
  }
  const nowMs = now.getTime();
  const errors: ValidationError[] = unknownFields(detail, START_FIELDS);
  const id = checkId(detail, errors);
  let timingOk = true;
  const problem = (error: ValidationError): void => {
    errors.push(error);
    timingOk = false;
  };

  // Timing: exactly one of cron, every, duration, at.
  const given = TIMING_FIELDS.filter((field) => present(detail, field));
  if (given.length === 0) {
    problem({ field: TIMING_FIELDS.join('|'), message: 'one of cron, every, duration, at is required, e.g. "cron": "0 9 * * MON-FRI", "every": "5m", "duration": "PT30M" or "at": "2026-12-01T09:00:00Z"' });
  } else if (given.length > 1) {
    problem({
      field: given.join('|'),
      message: `only one of cron, every, duration, at may be given; received ${given.join(' and ')}`,
      value: echo(Object.fromEntries(given.map((field) => [field, detail[field]]))),
    });
  }
  const kind = given.length === 1 ? given[0] : undefined;
  let cron: { cron: string; years?: number[] } | undefined;
  let intervalMs: number | undefined;
  let atMs: number | undefined;
  for (const field of given) {
    const value = detail[field];
    if (typeof value !== 'string') {
      const example = { cron: '"0 9 * * MON-FRI"', every: '"5m"', duration: '"PT30M"', at: '"2026-12-01T09:00:00Z"' }[field];
      problem({ field, message: `${field} must be a string such as ${example}; received ${describe(value)}`, value: echo(value) });
      continue;
    }
    if (field === 'cron') {
      const parsed = parseCron(value);
      if (parsed.ok) cron = parsed.years ? { cron: parsed.cron, years: parsed.years } : { cron: parsed.cron };
      else problem({ field, message: `cron ${parsed.message}`, value: echo(value) });
    } else if (field === 'every' || field === 'duration') {
      const parsed = parseInterval(value);
      if (parsed.ok) intervalMs = parsed.ms;
      else problem({ field, message: `${field} ${parsed.message}`, value: echo(value) });
    } else {
      const parsed = parseInstant(value);
      if (!parsed.ok) {
        problem({ field, message: `at ${parsed.message}`, value: echo(value) });
      } else if (parsed.ms <= nowMs) {
        problem({
          field,
          message: `at ${quote(value)} is not in the future (now is ${now.toISOString()}); a schedule is refused rather than fired at once because of a mistake in its input`,
          value,
        });
      } else {
        atMs = parsed.ms;
      }
    }
  }

  // limit
  let limit: number | undefined;
  if (present(detail, 'limit')) {
    const value = detail.limit;
    if (kind === 'duration' || kind === 'at') {
      problem({ field: 'limit', message: `limit is only allowed with cron or every; ${kind === 'at' ? 'an' : 'a'} ${kind} schedule fires once`, value: echo(value) });
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
      problem({ field: 'limit', message: `limit must be a whole number from 1 to ${MAX_LIMIT}; received ${describe(value)}`, value: echo(value) });
    } else {
      limit = value;
    }
  }

  // timezone
  let timezone = 'UTC';
  if (present(detail, 'timezone')) {
    const value = detail.timezone;
    if (typeof value !== 'string') {
      problem({ field: 'timezone', message: `timezone must be an IANA time zone name such as "Europe/Rome"; received ${describe(value)}`, value: echo(value) });
    } else if (!isValidZone(value)) {
      problem({ field: 'timezone', message: `timezone ${quote(value)} is not an IANA time zone name; use e.g. "Europe/Rome", "America/New_York" or "UTC"`, value: echo(value) });
    } else {
      timezone = value;
    }
  }

  // startAt, endAt
  const startAt = instantField(detail, 'startAt', problem);
  const endAt = instantField(detail, 'endAt', problem);
  if (startAt !== undefined && endAt !== undefined && endAt.ms <= startAt.ms) {
    problem({ field: 'endAt', message: `endAt ${quote(endAt.text)} must be after startAt ${quote(startAt.text)}`, value: endAt.text });
  } else if (endAt !== undefined && endAt.ms <= nowMs) {
    problem({ field: 'endAt', message: `endAt ${quote(endAt.text)} is not in the future (now is ${now.toISOString()})`, value: endAt.text });
  }

  // payload
  const hasPayload = present(detail, 'payload');
  if (hasPayload) {
    const problemText = payloadProblem(detail.payload);
    if (problemText) errors.push({ field: 'payload', message: problemText });
  }

  if (!timingOk || kind === undefined) return rejected(id, errors);

  // Cross checks on a built spec.
  const expression = detail[kind] as string;
  const bounds = {
    ...(limit !== undefined ? { limit } : {}),
    ...(startAt !== undefined ? { startAt: new Date(startAt.ms).toISOString() } : {}),
    ...(endAt !== undefined ? { endAt: new Date(endAt.ms).toISOString() } : {}),
  };
  let spec: ScheduleSpec;
  switch (kind) {
    case 'cron':
      spec = { kind, expression, ...cron!, timezone, ...bounds };
      break;
    case 'every':
      spec = { kind, expression, everyMs: intervalMs!, anchor: new Date(startAt?.ms ?? nowMs + intervalMs!).toISOString(), timezone, ...bounds };
      break;
    case 'duration':
      spec = { kind, expression, anchor: new Date(nowMs + intervalMs!).toISOString(), timezone, ...bounds };
      break;
    default:
      spec = { kind, expression, anchor: new Date(atMs!).toISOString(), timezone, ...bounds };
  }
  const never = neverFires(spec, now);
  if (never) errors.push({ field: kind, message: never, value: echo(expression) });

  if (errors.length > 0) return rejected(id, errors);
  return { ok: true, id: id!, spec, hasPayload, ...(hasPayload ? { payload: detail.payload } : {}) };
}

/** A sentence saying why the spec would never fire after `now`, or undefined when it has an occurrence. */
function neverFires(spec: ScheduleSpec, now: Date): string | undefined {
  const window = `${spec.startAt ? ` from startAt ${spec.startAt}` : ''}${spec.endAt ? ` up to endAt ${spec.endAt}` : ''}`;
  switch (spec.kind) {
    case 'cron': {
      const horizon = new Date(now.getTime());
      horizon.setUTCFullYear(horizon.getUTCFullYear() + CRON_HORIZON_YEARS);
      if (nextOccurrences(spec, now, 1, horizon).length > 0) return undefined;
      return `cron ${quote(spec.expression)} would never fire: it has no occurrence after now (${now.toISOString()})${window}`
        + `${spec.years ? ` in the years it allows (${listYears(spec.years)})` : ''}`
        + ` within the next ${CRON_HORIZON_YEARS} years (evaluated in ${spec.timezone})`;
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

function listYears(years: readonly number[]): string {
  return years.length <= 6 ? years.join(', ') : `${years.slice(0, 5).join(', ')}, … ${years[years.length - 1]}`;
}

function instantField(detail: Detail, field: 'startAt' | 'endAt', problem: (e: ValidationError) => void): { ms: number; text: string } | undefined {
  if (!present(detail, field)) return undefined;
  const value = detail[field];
  if (typeof value !== 'string') {
    problem({ field, message: `${field} must be an ISO-8601 instant with an offset such as "2026-12-01T09:00:00Z"; received ${describe(value)}`, value: echo(value) });
    return undefined;
  }
  const parsed = parseInstant(value);
  if (!parsed.ok) {
    problem({ field, message: `${field} ${parsed.message}`, value: echo(value) });
    return undefined;
  }
  return { ms: parsed.ms, text: value };
}

function checkId(detail: Detail, errors: ValidationError[]): string | undefined {
  if (!present(detail, 'id')) {
    errors.push({ field: 'id', message: `id is required: a string of 1 to ${MAX_ID_LENGTH} characters that names the schedule` });
    return undefined;
  }
  const value = detail.id;
  if (typeof value !== 'string') {
    errors.push({ field: 'id', message: `id must be a string of 1 to ${MAX_ID_LENGTH} characters; received ${describe(value)}`, value: echo(value) });
    return undefined;
  }
  const q = quote(value);
  if (value.length === 0) {
    errors.push({ field: 'id', message: `id "" is empty; it must have 1 to ${MAX_ID_LENGTH} characters`, value });
    return undefined;
  }
  const characters = [...value];
  if (characters.length > MAX_ID_LENGTH) {
    errors.push({ field: 'id', message: `id ${q} has ${characters.length} characters; at most ${MAX_ID_LENGTH} are allowed`, value: echo(value) });
    return undefined;
  }
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(value);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    errors.push({
      field: 'id',
      message: `id ${q} contains the control character U+${code} at position ${control.index + 1}; control characters (U+0000-U+001F, U+007F-U+009F) are not allowed`,
      value,
    });
    return undefined;
  }
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(value);
  if (lone) {
    errors.push({ field: 'id', message: `id ${q} is not valid Unicode: it has an unpaired surrogate at position ${lone.index + 1}`, value });
    return undefined;
  }
  return value;
}

function unknownFields(detail: Detail, allowed: readonly string[]): ValidationError[] {
  return Object.keys(detail)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({
      field: key.length > 0 && key.length <= 100 ? key : quote(key),
      message: `unknown field ${quote(key)}; allowed fields are ${allowed.join(', ')}`,
      value: echo(detail[key]),
    }));
}

/** Why a payload cannot be accepted, or undefined. */
function payloadProblem(payload: unknown): string | undefined {
  const path = nonJsonPath(payload);
  if (path !== undefined) {
    return `payload must be a JSON value; ${path.where} is ${path.what}`;
  }
  let json: string;
  try {
    json = JSON.stringify(payload);
  } catch {
    return 'payload cannot be written as JSON (is it nested too deeply?)';
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_PAYLOAD_BYTES) {
    return `payload is ${bytes} bytes as JSON (UTF-8); at most ${MAX_PAYLOAD_BYTES} bytes are allowed`;
  }
  return undefined;
}

/** The first place where a value is not JSON (iteratively, so deep nesting cannot overflow the stack). */
function nonJsonPath(root: unknown): { where: string; what: string } | undefined {
  const stack: Array<{ value: unknown; where: string }> = [{ value: root, where: 'payload' }];
  const seen = new Set<object>();
  let visited = 0;
  while (stack.length > 0) {
    const { value, where } = stack.pop()!;
    if (++visited > 100_000) return { where: 'payload', what: 'too large (more than 100000 values)' };
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { where, what: `${String(value)}, which JSON cannot represent` };
      continue;
    }
    if (typeof value !== 'object') return { where, what: `${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which is not JSON` };
    if (seen.has(value)) return { where, what: 'a circular reference' };
    seen.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        if (!(i in value)) return { where: `${where}[${i}]`, what: 'a hole in an array, which is not JSON' };
        stack.push({ value: value[i], where: `${where}[${i}]` });
      }
      continue;
    }
    if (!isPlainObject(value)) return { where, what: 'an object that is not plain JSON' };
    for (const key of Object.keys(value)) {
      stack.push({ value: (value as Detail)[key], where: `${where}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${quote(key)}]`}` });
    }
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Detail {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function present(detail: Detail, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(detail, field) && detail[field] !== undefined;
}

function isValidZone(name: string): boolean {
  try {
    return name.length > 0 && IANAZone.isValidZone(name);
  } catch {
    return false;
  }
}

function rejected(id: string | undefined, errors: ValidationError[]): StartParseResult {
  return { ok: false, ...(id !== undefined ? { id } : {}), errors };
}

function notAnObject(detail: unknown, expected: string): ValidationError {
  return { field: 'detail', message: `${expected}; received ${describe(detail)}`, ...(detail !== undefined ? { value: echo(detail) } : {}) };
}

function unreadable(error: unknown): ValidationError {
  const text = error instanceof Error ? error.message : String(error);
  return { field: 'detail', message: `the detail could not be read: ${text.slice(0, 200)}` };
}

/** Epoch ms of a UTC date and time; works for years 0-99 too. */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** A value as it may appear in an error: itself when JSON and small, else a short description. */
function echo(value: unknown): unknown {
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return `[${typeof value}]`;
    if (json.length <= MAX_ECHO_CHARS && nonJsonPath(value) === undefined) return value;
    return json.length > MAX_ECHO_CHARS ? `[${kindOf(value)} of ${json.length} characters as JSON, not echoed]` : json;
  } catch {
    return `[${kindOf(value)} that cannot be written as JSON]`;
  }
}

/** A value and its kind for a message, e.g. `"3" (a string)`, `1.5 (a number)`, `null`. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(typeof value);
  } catch {
    text = `[${typeof value}]`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) text = String(value);
  if (text.length > 80) text = `${text.slice(0, 77)}…`;
  return `${text} (${kindOf(value)})`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object': return 'an object';
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'a boolean';
    case 'undefined': return 'undefined';
    default: return `a ${typeof value}`;
  }
}

/** A text as a JSON string literal, shortened when long. */
function quote(text: string): string {
  const json = JSON.stringify(text);
  return json.length > 100 ? `${json.slice(0, 96)}…"` : json;
}
