/**
 * An Amazon EventBridge event pattern matcher, for the local runtime's event bus.
 *
 * Semantics follow EventBridge (and its open-source engine, aws/event-ruler): the event is flattened into leaf
 * paths (objects are walked; arrays are flattened, so `resources: ['a', 'b']` gives the path `resources` two
 * values, and an array of objects gives each nested path all of the elements' values). A pattern is an object whose
 * keys must all match (AND); a leaf is an array of matchers (OR); a leaf matches when any matcher matches any of the
 * event's values at that path. A path with no value (missing field, an object rather than a leaf, or an empty array)
 * matches only `{ "exists": false }`.
 *
 * Supported matchers: exact strings, numbers (compared numerically: 300 matches 3.0e2; "300" does not match 300),
 * booleans and null (`null` and `""` are distinct); `prefix` (string or `{ "equals-ignore-case": s }`), `suffix`
 * (likewise), `equals-ignore-case`, `wildcard` (`*` matches any run of characters, `\*` a literal star),
 * `anything-but` (a value, a list, or `{ prefix | suffix | equals-ignore-case | wildcard }`), `numeric`
 * (`['>', 0, '<=', 5]`, `['=', 3]`), `exists` (`true`/`false`, leaf nodes only), `cidr` (IPv4 and IPv6), and `$or`
 * (an array of sub-patterns at any level, one of which must match).
 *
 * Known differences from EventBridge: the pattern is not validated the way PutRule validates it (an empty leaf array
 * or a non-array leaf is accepted: an empty array matches nothing, a bare value is treated as a one-element array;
 * unknown operators throw); numeric matching uses JavaScript doubles with no range limit (EventBridge accepts
 * -5e9..5e9 with 15 significant digits); `anything-but` on an array field matches when any element is not excluded;
 * the EventBridge pattern size and complexity limits are not enforced.
 */

/** Joins path segments without ambiguity (keys may contain dots). */
const SEP = '\u0000';

type Flat = Map<string, unknown[]>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flatten(value: unknown, path: string, out: Flat): void {
  if (Array.isArray(value)) {
    for (const element of value) flatten(element, path, out);
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      flatten(child, path === '' ? key : `${path}${SEP}${key}`, out);
    }
  } else {
    let values = out.get(path);
    if (!values) out.set(path, values = []);
    values.push(value);
  }
}

/** Flattens an event into leaf paths (exported for tests and diagnostics; segments joined with '.'). */
export function flattenEvent(event: object): Record<string, unknown[]> {
  const flat: Flat = new Map();
  flatten(event, '', flat);
  return Object.fromEntries([...flat].map(([k, v]) => [k.split(SEP).join('.'), v]));
}

/**
 * Whether `event` matches the EventBridge `pattern`. The pattern may be the parsed object or its JSON string
 * (CloudFormation's `EventPattern` is either).
 */
export function matchesEventPattern(pattern: object | string, event: object): boolean {
  const parsed = typeof pattern === 'string' ? JSON.parse(pattern) : pattern;
  if (!isPlainObject(parsed)) throw new Error('An event pattern must be a JSON object');
  const flat: Flat = new Map();
  flatten(event, '', flat);
  return matchObject(parsed, '', flat);
}

function matchObject(pattern: Record<string, unknown>, prefix: string, flat: Flat): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2) throw new Error('$or must be an array of at least two patterns');
      if (!sub.some(alternative => isPlainObject(alternative) && matchObject(alternative, prefix, flat))) return false;
      continue;
    }
    const path = prefix === '' ? key : `${prefix}${SEP}${key}`;
    if (isPlainObject(sub)) {
      if (!matchObject(sub, path, flat)) return false;
    } else if (!matchLeaf(Array.isArray(sub) ? sub : [sub], flat.get(path))) {
      return false;
    }
  }
  return true;
}

function matchLeaf(matchers: unknown[], values: unknown[] | undefined): boolean {
  const present = values !== undefined && values.length > 0;
  for (const matcher of matchers) {
    if (isPlainObject(matcher) && 'exists' in matcher) {
      if (typeof matcher.exists !== 'boolean') throw new Error('exists must be true or false');
      if (matcher.exists === present) return true;
      continue;
    }
    if (!present) continue;
    if (values!.some(value => matchValue(matcher, value))) return true;
  }
  return false;
}

function matchValue(matcher: unknown, value: unknown): boolean {
  if (matcher === null) return value === null;
  if (typeof matcher === 'string' || typeof matcher === 'boolean') return value === matcher;
  if (typeof matcher === 'number') return typeof value === 'number' && value === matcher;
  if (!isPlainObject(matcher)) throw new Error(`Unsupported matcher: ${JSON.stringify(matcher)}`);
  const keys = Object.keys(matcher);
  if (keys.length !== 1) throw new Error(`A matcher object must have exactly one operator: ${JSON.stringify(matcher)}`);
  const op = keys[0];
  const arg = matcher[op];
  switch (op) {
    case 'prefix':
      return typeof value === 'string' && affix(arg, value, (v, a) => v.startsWith(a));
    case 'suffix':
      return typeof value === 'string' && affix(arg, value, (v, a) => v.endsWith(a));
    case 'equals-ignore-case':
      return typeof value === 'string' && typeof arg === 'string' && value.toLowerCase() === arg.toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && typeof arg === 'string' && wildcardRegExp(arg).test(value);
    case 'numeric':
      return typeof value === 'number' && matchNumeric(arg, value);
    case 'cidr':
      return typeof value === 'string' && typeof arg === 'string' && matchCidr(arg, value);
    case 'anything-but':
      return matchAnythingBut(arg, value);
    default:
      throw new Error(`Unsupported event pattern operator: ${op}`);
  }
}

function affix(arg: unknown, value: string, test: (v: string, a: string) => boolean): boolean {
  if (typeof arg === 'string') return test(value, arg);
  if (isPlainObject(arg) && typeof arg['equals-ignore-case'] === 'string') {
    return test(value.toLowerCase(), (arg['equals-ignore-case'] as string).toLowerCase());
  }
  throw new Error(`Unsupported prefix/suffix argument: ${JSON.stringify(arg)}`);
}

function wildcardRegExp(wildcard: string): RegExp {
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i];
    if (c === '\\' && i + 1 < wildcard.length) {
      source += escapeRegExp(wildcard[++i]);
    } else if (c === '*') {
      source += '.*';
    } else {
      source += escapeRegExp(c);
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function matchNumeric(arg: unknown, value: number): boolean {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0) {
    throw new Error(`numeric needs operator/number pairs: ${JSON.stringify(arg)}`);
  }
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const bound = arg[i + 1];
    if (typeof bound !== 'number') throw new Error(`numeric bound must be a number: ${JSON.stringify(arg)}`);
    switch (op) {
      case '=': if (!(value === bound)) return false; break;
      case '<': if (!(value < bound)) return false; break;
      case '<=': if (!(value <= bound)) return false; break;
      case '>': if (!(value > bound)) return false; break;
      case '>=': if (!(value >= bound)) return false; break;
      default: throw new Error(`Unsupported numeric operator: ${op}`);
    }
  }
  return true;
}

function matchAnythingBut(arg: unknown, value: unknown): boolean {
  if (Array.isArray(arg)) return arg.every(excluded => !matchValue(excluded, value));
  if (isPlainObject(arg)) {
    const [op] = Object.keys(arg);
    const inner = arg[op];
    if (typeof value !== 'string') return false;
    switch (op) {
      case 'prefix':
      case 'suffix':
        return !matchValue({ [op]: inner }, value);
      case 'equals-ignore-case':
      case 'wildcard': {
        const list = Array.isArray(inner) ? inner : [inner];
        return list.every(x => !matchValue({ [op]: x }, value));
      }
      default:
        throw new Error(`Unsupported anything-but operator: ${op}`);
    }
  }
  return !matchValue(arg, value);
}

function parseIPv4(ip: string): bigint | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    n = n * 256n + BigInt(Number(part));
  }
  return n;
}

function parseIPv6(ip: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(ip)) return undefined;
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = n * 65536n + BigInt(parseInt(g, 16));
  }
  return n;
}

function matchCidr(cidr: string, ip: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const v4 = parseIPv4(network);
  const parse = v4 !== undefined ? parseIPv4 : parseIPv6;
  const width = v4 !== undefined ? 32 : 128;
  const net = v4 ?? parseIPv6(network);
  const addr = parse(ip);
  if (net === undefined) throw new Error(`Invalid cidr: ${cidr}`);
  if (addr === undefined) return false;
  const bits = bitsText === undefined ? width : Number(bitsText);
  const divisor = 2n ** BigInt(width - bits);
  return net / divisor === addr / divisor;
}
