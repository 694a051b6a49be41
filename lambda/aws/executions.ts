import { ExecutionAlreadyExists, ExecutionDoesNotExist, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { clientConfig } from './client-config';

/** Created once per Lambda environment, reused across invocations. */
const stepFunctions = new SFNClient(clientConfig);

/**
 * Start an execution by its deterministic name. A redelivered command or a retried plan step may
 * start the same name again: Step Functions returns the running execution for an identical input
 * and ExecutionAlreadyExists otherwise; both mean the execution is there.
 */
export async function startExecution(stateMachineArn: string, name: string, input: unknown): Promise<void> {
  try {
    await stepFunctions.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  } catch (error) {
    if (isError(error, ExecutionAlreadyExists, 'ExecutionAlreadyExists')) return;
    throw error;
  }
}

/**
 * Stop an execution. Idempotent: an execution that already ended or never started is not an error,
 * because the run it belonged to is already recorded as over and its next plan step ends it anyway.
 */
export async function stopExecution(executionArn: string, cause: string): Promise<void> {
  try {
    await stepFunctions.send(new StopExecutionCommand({ executionArn, cause, error: 'ScheduleStopped' }));
  } catch (error) {
    if (isError(error, ExecutionDoesNotExist, 'ExecutionDoesNotExist')) return;
    throw error;
  }
}

/** By class, or by name for errors deserialized by another copy of the SDK (the local runtime's). */
function isError(error: unknown, type: new (...args: never[]) => Error, name: string): boolean {
  return error instanceof type || (error as { name?: string })?.name === name;
}
