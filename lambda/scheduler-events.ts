import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { eventBridge } from './aws-clients';
import { HandlerConfig } from './handler-config';

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
