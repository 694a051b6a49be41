import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The resources whose permissions {@link grantSchedulerAccess} wires. */
export interface SchedulerAccessProps {
  readonly table: dynamodb.ITable;
  readonly eventBus: events.IEventBus;
  readonly stateMachine: sfn.StateMachine;
  readonly startFunction: lambda.Function;
  readonly stopFunction: lambda.Function;
  readonly planFunction: lambda.Function;
  readonly failedFunction: lambda.Function;
  readonly encryptionKey?: kms.IKey;
}

/** Least privilege: each function touches only this table, this bus, and this machine's executions. */
export function grantSchedulerAccess(scope: Construct, props: SchedulerAccessProps): void {
  const { table, eventBus, stateMachine, startFunction, stopFunction, planFunction, failedFunction, encryptionKey } = props;
  for (const fn of [startFunction, stopFunction, planFunction]) {
    table.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    encryptionKey?.grantEncryptDecrypt(fn);
  }
  eventBus.grantPutEventsTo(startFunction);
  eventBus.grantPutEventsTo(stopFunction);
  // The failed handler marks a failed run's item with one conditional write and emits Schedule Failed.
  table.grant(failedFunction, 'dynamodb:UpdateItem');
  encryptionKey?.grantEncryptDecrypt(failedFunction);
  eventBus.grantPutEventsTo(failedFunction);
  // The state machine's failure path updates the table directly (MarkFailed).
  encryptionKey?.grantEncryptDecrypt(stateMachine);
  stateMachine.grantStartExecution(startFunction);
  stateMachine.grantExecution(startFunction, 'states:StopExecution');
  stateMachine.grantExecution(stopFunction, 'states:StopExecution');
  // The plan step starts the next execution of a long run. The state machine already depends on the plan
  // function, so this grant lives in a policy of its own: in the function's default policy it would close a
  // dependency cycle (function -> policy -> state machine -> function).
  new iam.Policy(scope, 'PlanFunctionHandoverPolicy', {
    roles: [planFunction.role!],
    statements: [new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] })],
  });
}
