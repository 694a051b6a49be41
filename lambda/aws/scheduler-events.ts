import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventBridgeEvent } from 'aws-lambda';
import { clientConfig } from './client-config';
import { HandlerConfig, log } from './handler-config';
import { DETAIL_TYPE } from '../../src/contract';

/** Created once per Lambda environment, reused across invocations. */
const eventBridge = new EventBridgeClient(clientConfig);

/** Largest `received` echoed back in a `Schedule Rejected` event (PutEvents entries are limited to 256 KB). */
export const MAX_ECHO_BYTES = 16 * 1024;

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
  log('INFO', `Rejected a ${command}`, { eventId: event.id, id: rejected.id, errors: rejected.errors });
  await emit(config, DETAIL_TYPE.REJECTED, {
    ...(rejected.id !== undefined ? { id: rejected.id } : {}),
    command,
    errors: rejected.errors,
    received: echo(event.detail),
    eventId: event.id,
  });
}
