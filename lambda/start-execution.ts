import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from './sfn-client';

/**
 * Start an execution by its deterministic name. A redelivered command or a retried plan step may
 * start the same name again: Step Functions returns the running execution for an identical input
 * and ExecutionAlreadyExists otherwise; both mean the execution is there.
 */
export async function startExecution(stateMachineArn: string, name: string, input: unknown): Promise<void> {
  try {
    await stepFunctions.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists || (error as { name?: string })?.name === 'ExecutionAlreadyExists') return;
    throw error;
  }
}
