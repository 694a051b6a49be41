import { SlotEntry } from './shards';
import { CompletionReason } from '../../src/contract';

/**
 * The stored form of a slot page's entries: one JSON array of tuples, about 70 B a tick instead of
 * about 170 B as objects, because DynamoDB bills a write by the KB (1 WRU per KB; the page is the plan's only write per
 * tick). The tuple is `[id, runId, sequence, at, remaining, flags, payloadJson?]`:
 * - `at`: the milliseconds of `scheduledAt` past the slot's second (a number), or `scheduledAt` itself (a string) when
 *   that would not give back the same text;
 * - `remaining`: a number, or null when the run has no limit;
 * - `flags`: letters, `L` for `last`, `I` for `payloadInItem`, `C` for `checkOwner`, and the `reason`'s first letter
 *   in lower case (`l`imit, `e`nd, `o`nce).
 * Entries written in the older form (objects) still read back: a late entry, which the Start function writes, keeps it,
 * so that a shard function not yet updated while a deployment rolls out still reads it. Pages are cut by the entries' size as objects (`pagesOf`),
 * which the tuples never exceed.
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 */
type Stored = [string, string, number, number | string, number | null, string, string?];

const REASONS: readonly CompletionReason[] = ['limit', 'end', 'once'];

/** The stored form of the entries of second `second` (epoch seconds). */
export function encodeSlotEntries(second: number, entries: readonly SlotEntry[]): string {
  return JSON.stringify(entries.map((e) => encodeEntry(second, e)));
}

/** The entries of second `second` from their stored form, either form. */
export function decodeSlotEntries(second: number, json: string): SlotEntry[] {
  const stored = JSON.parse(json) as Array<Stored | SlotEntry>;
  return stored.map((s) => (Array.isArray(s) ? decodeEntry(second, s) : s));
}

function encodeEntry(second: number, e: SlotEntry): Stored {
  const offset = Date.parse(e.scheduledAt) - second * 1000;
  const at = Number.isFinite(offset) && new Date(second * 1000 + offset).toISOString() === e.scheduledAt ? offset : e.scheduledAt;
  const flags = `${e.last ? 'L' : ''}${e.payloadInItem ? 'I' : ''}${e.checkOwner ? 'C' : ''}${e.reason?.[0] ?? ''}`;
  const stored: Stored = [e.id, e.runId, e.sequence, at, e.remaining ?? null, flags];
  if (e.payloadJson !== undefined) stored.push(e.payloadJson);
  return stored;
}

function decodeEntry(second: number, [id, runId, sequence, at, remaining, flags, payloadJson]: Stored): SlotEntry {
  const reason = REASONS.find((r) => flags.includes(r[0]));
  return {
    id,
    runId,
    sequence,
    scheduledAt: typeof at === 'number' ? new Date(second * 1000 + at).toISOString() : at,
    ...(remaining !== null ? { remaining } : {}),
    last: flags.includes('L'),
    ...(reason !== undefined ? { reason } : {}),
    ...(payloadJson !== undefined ? { payloadJson } : {}),
    ...(flags.includes('I') ? { payloadInItem: true } : {}),
    ...(flags.includes('C') ? { checkOwner: true } : {}),
  };
}
