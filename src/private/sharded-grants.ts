import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The resources whose permissions {@link grantShardedAccess} wires. */
export interface ShardedAccessProps {
  readonly table: dynamodb.ITable;
  readonly shardTable: dynamodb.ITable;
  readonly eventBus: events.IEventBus;
  readonly supervisor: sfn.StateMachine;
  readonly startFunction: lambda.Function;
  readonly stopFunction: lambda.Function;
  readonly shardFunction: lambda.Function;
  readonly encryptionKey?: kms.IKey;
}

/**
 * Least privilege on the sharded engine: each function touches only the two tables, this bus and this supervisor,
 * with the actions its code calls. The state machines call the shard function and the window only (CDK's grants).
 */
export function grantShardedAccess(scope: Construct, props: ShardedAccessProps): void {
  const { table, shardTable, eventBus, supervisor, startFunction, stopFunction, shardFunction, encryptionKey } = props;
  // Start: claim the run (as on the per-schedule engine), join the roster, write a late entry or a stop marker,
  // read and bump the shard's epoch, start its supervisor.
  table.grant(startFunction, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
  shardTable.grant(startFunction, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
  supervisor.grantStartExecution(startFunction);
  // Stop: mark the run stopped (as on the per-schedule engine), write the stop marker, leave the roster.
  table.grant(stopFunction, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
  shardTable.grant(stopFunction, 'dynamodb:PutItem', 'dynamodb:DeleteItem');
  // Shard function: complete runs and move their checkpoints, read large payloads; plan, emit and keep the shards.
  table.grant(shardFunction, 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem');
  shardTable.grant(shardFunction, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query');
  for (const fn of [startFunction, stopFunction, shardFunction]) {
    eventBus.grantPutEventsTo(fn);
    encryptionKey?.grantEncryptDecrypt(fn);
  }
  // The shard function starts supervisors (a hand-over, the keeper's wake). The supervisor already depends on the
  // function, so this grant lives in a policy of its own: in the function's default policy it would close a
  // dependency cycle (function -> policy -> supervisor -> function).
  new iam.Policy(scope, 'ShardFunctionSupervisorPolicy', {
    roles: [shardFunction.role!],
    statements: [new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [supervisor.stateMachineArn] })],
  });
}
