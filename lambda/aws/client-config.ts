/**
 * Configuration shared by the handlers' SDK clients. Each client lives in a module of its own
 * (schedule-table.ts, executions.ts, scheduler-events.ts), so a handler loads only the clients it
 * uses: loading an SDK client package is most of a handler's cold-start load time.
 *
 * The SDK's standard retry strategy (exponential backoff with jitter) covers throttling and transient
 * errors; 5 attempts give transient faults a few seconds to clear before the invocation fails and
 * Lambda's own retries (and then the dead-letter queue) take over.
 */
export const clientConfig = { maxAttempts: 5 };
