import { createHash } from 'node:crypto';

/**
 * Deterministic, valid Step Functions names. No user string reaches an ARN: the schedule id is hashed.
 * Execution names allow 1-80 characters of [0-9A-Za-z_-].
 * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The run id of a Start: derived from the EventBridge event id, so duplicate deliveries map to the same run. */
export function runIdFor(scheduleId: string, eventId: string): string {
  return sha256(`${scheduleId}\n${eventId}`).slice(0, 20);
}

/** Name of the execution of `generation` (0 for the first, +1 per hand-over) of a run: at most 61 characters. */
export function executionNameFor(scheduleId: string, runId: string, generation: number): string {
  return `${sha256(scheduleId).slice(0, 32)}-${runId}-${generation}`;
}

/** `arn:aws:states:r:a:stateMachine:M` + name → `arn:aws:states:r:a:execution:M:name`. */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length !== 7 || parts[5] !== 'stateMachine') {
    throw new Error(`Expected a state machine ARN (arn:partition:states:region:account:stateMachine:name), got: ${stateMachineArn}`);
  }
  parts[5] = 'execution';
  return `${parts.join(':')}:${executionName}`;
}
