/**
 * The checks every command detail goes through, whatever its type: a plain JSON object, known fields, a usable
 * id, a JSON payload of bounded size. Each problem becomes a {@link ValidationError} naming the field and value.
 */
import { IANAZone } from 'luxon';
import { describe, echo as echoText, quote } from './value-text';
import { ValidationError } from '../../src/contract';

/** Longest id, in characters (Unicode code points). */
export const MAX_ID_LENGTH = 256;

/** Largest payload, in UTF-8 bytes of its JSON text. */
export const MAX_PAYLOAD_BYTES = 8_192;

/** A command's detail, once known to be a plain object. */
export type Detail = Record<string, unknown>;

/** A value as it may appear in an error: itself when JSON and small, else a short description. */
export function echo(value: unknown): unknown {
  return echoText(value, (v) => nonJsonPath(v) === undefined);
}

export function checkId(detail: Detail, errors: ValidationError[]): string | undefined {
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

export function unknownFields(detail: Detail, allowed: readonly string[]): ValidationError[] {
  return Object.keys(detail)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({
      field: key.length > 0 && key.length <= 100 ? key : quote(key),
      message: `unknown field ${quote(key)}; allowed fields are ${allowed.join(', ')}`,
      value: echo(detail[key]),
    }));
}

/** Why a payload cannot be accepted, or undefined. */
export function payloadProblem(payload: unknown): string | undefined {
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

export function isPlainObject(value: unknown): value is Detail {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function present(detail: Detail, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(detail, field) && detail[field] !== undefined;
}

export function isValidZone(name: string): boolean {
  try {
    return name.length > 0 && IANAZone.isValidZone(name);
  } catch {
    return false;
  }
}

export function notAnObject(detail: unknown, expected: string): ValidationError {
  return { field: 'detail', message: `${expected}; received ${describe(detail)}`, ...(detail !== undefined ? { value: echo(detail) } : {}) };
}

export function unreadable(error: unknown): ValidationError {
  const text = error instanceof Error ? error.message : String(error);
  return { field: 'detail', message: `the detail could not be read: ${text.slice(0, 200)}` };
}
