import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { commandRule } from './command-rule';
import { EngineContext, EngineParts, failedExecutionsPattern, schedulerHandler, statusChangeBus } from './engine-context';
import { grantSchedulerAccess } from './scheduler-grants';
import { schedulerStateMachine } from './scheduler-state-machine';
import { ENV } from '../contract';

/**
 * The per-schedule engine: one Standard execution per running schedule, planned in batches by the plan function;
 * failures no Catch sees are reported by the failed function.
 */
export function perScheduleEngine(scope: Construct, context: EngineContext): EngineParts {
  const { table, eventBus, tickSource, deadLetterQueue, props } = context;
  const planFunction = schedulerHandler(scope, context, 'plan', 'Plans the next batch of ticks of a dynamic schedule');
  const stopFunction = schedulerHandler(scope, context, 'stop', 'Handles Schedule Stop events');
  const startFunction = schedulerHandler(scope, context, 'start', 'Handles Schedule Start events');
  const failedFunction = schedulerHandler(scope, context, 'failed', 'Reports executions of the dynamic scheduler that failed or timed out');

  const stateMachine = schedulerStateMachine(scope, {
    eventBus,
    tickSource,
    planFunction,
    table,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    logLevel: props.stateMachineLogLevel ?? sfn.LogLevel.ERROR,
    tracingEnabled: props.tracingEnabled ?? false,
  });
  startFunction.addEnvironment(ENV.STATE_MACHINE_ARN, stateMachine.stateMachineArn);
  grantSchedulerAccess(scope, {
    table, eventBus, stateMachine, startFunction, stopFunction, planFunction, failedFunction, encryptionKey: props.encryptionKey,
  });

  // No Catch sees an execution fail at the 25,000-event history quota, on a States.Runtime error or at its
  // timeout; Step Functions reports those only with a status-change event, sent to the default bus.
  // ABORTED is left out: the scheduler stops executions itself. Delivery of these events is best effort.
  // @see https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
  const addExecutionFailedRule = () => commandRule(scope, 'ExecutionFailedRule', {
    eventBus: statusChangeBus(scope, context),
    description: 'Failed and timed-out executions of the dynamic scheduler\'s state machine',
    eventPattern: failedExecutionsPattern(stateMachine),
    handler: failedFunction,
    deadLetterQueue,
  });
  return { stateMachine, startFunction, stopFunction, planFunction, failedFunction, addExecutionFailedRule };
}
