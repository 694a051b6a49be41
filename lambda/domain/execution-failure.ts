import { MACHINE_ERROR } from '../../src/contract';

/**
 * What the failed handler needs from a `Step Functions Execution Status Change` event: which run failed, how, and
 * whether the state machine's own failure path already announced it.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
 */
export interface ExecutionFailure {
  readonly executionArn: string;
  /** `FAILED` or `TIMED_OUT`. */
  readonly status: string;
  /** The execution's error: `States.Runtime`, `States.Timeout`, ... (`States.Timeout` when a timeout gave none). */
  readonly error: string;
  readonly cause?: string;
  /** From the execution's input (every scheduler execution's input carries them). */
  readonly id: string;
  readonly runId: string;
  /** The state machine's failure path ran and emitted `Schedule Failed` itself. */
  readonly reported: boolean;
}

/** The failure an event describes, or why it cannot be used (a message for the log). Never throws. */
export function parseExecutionFailure(detail: unknown): { ok: true; failure: ExecutionFailure } | { ok: false; reason: string } {
  if (!isObject(detail)) return { ok: false, reason: 'the event has no detail object' };
  const { executionArn, status, error, cause, input } = detail;
  if (typeof executionArn !== 'string') return { ok: false, reason: 'the detail has no executionArn' };
  if (status !== 'FAILED' && status !== 'TIMED_OUT') return { ok: false, reason: `status ${String(status)} is not a failure` };
  // Step Functions leaves the input out (null, inputDetails.included false) when input and output exceed 248 KB;
  // a scheduler execution's input is far smaller (a payload is at most 8 KiB).
  let parsed: unknown;
  try {
    parsed = typeof input === 'string' ? JSON.parse(input) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed) || typeof parsed.id !== 'string' || typeof parsed.runId !== 'string') {
    return { ok: false, reason: 'the detail has no execution input with id and runId' };
  }
  const errorName = typeof error === 'string' && error !== '' ? error : status === 'TIMED_OUT' ? 'States.Timeout' : 'States.Runtime';
  return {
    ok: true,
    failure: {
      executionArn,
      status,
      error: errorName,
      ...(typeof cause === 'string' ? { cause } : {}),
      id: parsed.id,
      runId: parsed.runId,
      reported: errorName === MACHINE_ERROR.REPORTED,
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
