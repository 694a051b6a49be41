import { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { EventBridgeEvent } from 'aws-lambda';
import { clientConfig } from './client-config';
import { HandlerConfig, log } from './handler-config';
import { PutEventsOutput, PutEventsSender } from './put-events-sender';
import { DETAIL_TYPE } from '../../src/contract';

/** Created once per Lambda environment, reused across invocations. */
const eventBridge = new EventBridgeClient(clientConfig);

/**
 * How {@link putAll} sends one PutEvents call (at most 10 entries). The lean sender by default (its CPU per call is
 * a fraction of the client's: see put-events-sender.ts); handler unit tests, which mock the SDK client, switch to
 * the client with {@link sendPutEventsWithClient}.
 */
export const putEventsTransport: { send: (entries: PutEventsRequestEntry[]) => Promise<PutEventsOutput> } = {
  send: (entries) => leanSender.send(entries),
};
const leanSender = new PutEventsSender(eventBridge);

/** The SDK client as {@link putEventsTransport}'s `send`. */
export const sendPutEventsWithClient = (entries: PutEventsRequestEntry[]): Promise<PutEventsOutput> =>
  eventBridge.send(new PutEventsCommand({ Entries: entries }));

/** Largest `received` echoed back in a `Schedule Rejected` event (PutEvents entries are limited to 256 KB). */
export const MAX_ECHO_BYTES = 16 * 1024;

/** Errors listed in a `Schedule Rejected` event; `errorCount` and `errorsOmitted` say how many there were. */
export const MAX_REJECTED_ERRORS = 20;

/**
 * The PutEvents entry limit. EventBridge raised it to 1 MB in January 2026, but Step Functions' payload quota and
 * older regions' documentation keep 256 KB; staying under it keeps every event deliverable everywhere.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export const MAX_ENTRY_BYTES = 256 * 1024;

/**
 * The size of a PutEvents entry as EventBridge computes it: `Time` 14 bytes if given, the UTF-8 bytes of `Source`,
 * `DetailType` and `Detail`, and of each of `Resources`.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export function entrySize(entry: { Source: string; DetailType: string; Detail?: string; Resources?: string[]; Time?: unknown }): number {
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  return (entry.Time !== undefined ? 14 : 0) + bytes(entry.Source) + bytes(entry.DetailType)
    + (entry.Detail !== undefined ? bytes(entry.Detail) : 0) + (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0);
}

/** Put one scheduler event on the bus; a failed entry throws so the invocation is retried. */
export async function emit(config: HandlerConfig, detailType: string, detail: Record<string, unknown>): Promise<void> {
  const result = await eventBridge.send(new PutEventsCommand({
    Entries: [{
      EventBusName: config.eventBusName,
      Source: config.tickSource,
      DetailType: detailType,
      Detail: JSON.stringify(detail),
    }],
  }));
  const failed = result.Entries?.find((entry) => entry.ErrorCode);
  if ((result.FailedEntryCount ?? 0) > 0 || failed) {
    throw new Error(`PutEvents failed for "${detailType}": ${failed?.ErrorCode ?? 'unknown'} ${failed?.ErrorMessage ?? ''}`.trim());
  }
}

/** Entries per PutEvents call (the API's maximum). @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html */
export const PUT_EVENTS_BATCH = 10;

/** PutEvents calls in flight at once from one invocation. */
const PUT_EVENTS_CONCURRENCY = 8;

/** Rounds of resending only the entries that failed, before the invocation fails (and its caller retries). */
const FAILED_ENTRY_ROUNDS = 4;

/**
 * Entry error codes worth resending; every other code fails for good (access, source or detail type not allowed,
 * malformed detail, invalid argument, redaction failure).
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html
 */
export const RETRYABLE_ENTRY_ERRORS: ReadonlySet<string> = new Set(['InternalFailure', 'ThrottlingException']);

/** An entry PutEvents refused for good: its index in the events given, and why. */
export interface FailedEntry {
  readonly index: number;
  readonly errorCode: string;
  readonly errorMessage?: string;
}

/**
 * Put many scheduler events on the bus: 10 entries per call, several calls in parallel, resending only the entries
 * that failed with a retryable error (throttling, internal errors) a few times; throws if some still fail that way,
 * so the caller retries (ticks are delivered at least once). Returns the entries refused for good, which resending
 * cannot help. Entries within one call keep their order.
 */
export async function putAll(
  config: HandlerConfig, events: ReadonlyArray<{ detailType: string; detail: Record<string, unknown> }>,
): Promise<FailedEntry[]> {
  let pending = events.map((event, index) => ({
    index,
    entry: { EventBusName: config.eventBusName, Source: config.tickSource, DetailType: event.detailType, Detail: JSON.stringify(event.detail) },
  }));
  const refused: FailedEntry[] = [];
  for (let round = 0; pending.length > 0; round++) {
    if (round >= FAILED_ENTRY_ROUNDS) {
      throw new Error(`PutEvents still failed for ${pending.length} of ${events.length} entries after ${round} rounds`);
    }
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** round));
    const batches: typeof pending[] = [];
    for (let i = 0; i < pending.length; i += PUT_EVENTS_BATCH) batches.push(pending.slice(i, i + PUT_EVENTS_BATCH));
    const retry: typeof pending = [];
    await forEachLimited(batches, PUT_EVENTS_CONCURRENCY, async (batch) => {
      const result = await putEventsTransport.send(batch.map((b) => b.entry));
      if ((result.FailedEntryCount ?? 0) === 0) return;
      batch.forEach((pendingEntry, position) => {
        const { ErrorCode: errorCode, ErrorMessage: errorMessage } = result.Entries?.[position] ?? {};
        if (!errorCode) return;
        if (RETRYABLE_ENTRY_ERRORS.has(errorCode)) retry.push(pendingEntry);
        else refused.push({ index: pendingEntry.index, errorCode, ...(errorMessage ? { errorMessage } : {}) });
      });
    });
    pending = retry;
  }
  return refused.sort((a, b) => a.index - b.index);
}

/** {@link putAll}, for events that must all go out: an entry refused for good throws too. */
export async function emitAll(config: HandlerConfig, events: ReadonlyArray<{ detailType: string; detail: Record<string, unknown> }>): Promise<void> {
  const refused = await putAll(config, events);
  if (refused.length > 0) {
    const [first] = refused;
    throw new Error(`PutEvents refused ${refused.length} of ${events.length} entries: ${first.errorCode} ${first.errorMessage ?? ''}`.trim());
  }
}

/** Runs `work` on every item, at most `limit` at a time. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The received detail as it can be echoed in an event: unchanged when small, else a summary. */
export function echo(received: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(received);
  } catch {
    return { unserializable: true };
  }
  if (text === undefined) return null;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes <= MAX_ECHO_BYTES ? received : { truncated: true, bytes, prefix: text.slice(0, 1024) };
}

/** Emit `Schedule Rejected` for an invalid Start or Stop: one error per problem, and what was received. */
export async function reject(
  config: HandlerConfig,
  command: string,
  event: EventBridgeEvent<string, unknown>,
  rejected: { readonly id?: string; readonly errors: readonly unknown[] },
): Promise<void> {
  log('INFO', `Rejected a ${command}`, { eventId: event.id, id: rejected.id, errorCount: rejected.errors.length, errors: rejected.errors.slice(0, MAX_REJECTED_ERRORS) });
  await emit(config, DETAIL_TYPE.REJECTED, rejectedDetail(config.tickSource, command, event, rejected));
}

/**
 * The detail of `Schedule Rejected`, which must fit one PutEvents entry whatever was received: the first
 * {@link MAX_REJECTED_ERRORS} errors with `errorCount` and `errorsOmitted`, and the received detail echoed (or
 * summarized). Should that still not fit, the errors' values and the echo are dropped.
 */
export function rejectedDetail(
  tickSource: string,
  command: string,
  event: EventBridgeEvent<string, unknown>,
  rejected: { readonly id?: string; readonly errors: readonly unknown[] },
): Record<string, unknown> {
  const errors = rejected.errors.slice(0, MAX_REJECTED_ERRORS);
  const detail: Record<string, unknown> = {
    ...(rejected.id !== undefined ? { id: rejected.id } : {}),
    command,
    errors,
    errorCount: rejected.errors.length,
    errorsOmitted: rejected.errors.length - errors.length,
    received: echo(event.detail),
    eventId: event.id,
  };
  const fits = (d: Record<string, unknown>) =>
    entrySize({ Source: tickSource, DetailType: DETAIL_TYPE.REJECTED, Detail: JSON.stringify(d) }) <= MAX_ENTRY_BYTES;
  if (fits(detail)) return detail;
  return {
    ...detail,
    errors: errors.map((error) => ({ ...(error as object), value: undefined })),
    received: { truncated: true },
  };
}
