/**
 * How validation messages show the values they received: one way everywhere, so the start handler, the
 * validator bundle, the CLI and every parser say the same words.
 */

/** Largest `value` echoed in an error, in characters of its JSON text; larger values are summarized. */
const MAX_ECHO_CHARS = 1_024;

/** A text as a JSON string literal, shortened when long: `"0 9 * * MON"`. */
export function quote(text: string): string {
  const json = JSON.stringify(text);
  return json.length > 100 ? `${json.slice(0, 96)}…"` : json;
}

/** A value and its kind for a message, e.g. `"3" (a string)`, `1.5 (a number)`, `null`. */
export function describe(value: unknown): string {
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

/**
 * A value as it may appear in an error's `value`: itself when it is small plain JSON, else a short description.
 * `isJson` tells whether the value survives a JSON round trip unchanged (no functions, cycles, NaN, ...).
 */
export function echo(value: unknown, isJson: (value: unknown) => boolean = () => true): unknown {
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return `[${typeof value}]`;
    if (json.length <= MAX_ECHO_CHARS && isJson(value)) return value;
    return json.length > MAX_ECHO_CHARS ? `[${kindOf(value)} of ${json.length} characters as JSON, not echoed]` : json;
  } catch {
    return `[${kindOf(value)} that cannot be written as JSON]`;
  }
}

/** The kind of a value in words: `a string`, `an array`, `null`. */
export function kindOf(value: unknown): string {
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
