import { ExecutionDoesNotExist, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from './sfn-client';

/**
 * Stop an execution. Idempotent: an execution that already ended or never started is not an error,
 * because the run it belonged to is already recorded as over and its next plan step ends it anyway.
 */
export async function stopExecution(executionArn: string, cause: string): Promise<void> {
  try {
    await stepFunctions.send(new StopExecutionCommand({ executionArn, cause, error: 'ScheduleStopped' }));
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist || (error as { name?: string })?.name === 'ExecutionDoesNotExist') return;
    throw error;
  }
}
