import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { SHARD_KEY, TTL_ATTRIBUTE } from '../contract';
import { SchedulesTableProps } from './schedules-table';

/**
 * The sharded engine's table (keys `pk`, `sk`): each shard's state, roster, slot pages and stop markers (see
 * lambda/aws/shard-table.ts). On demand, point-in-time recovery, TTL on `expiresAt` for slots and markers, and the
 * same encryption as the schedules table.
 */
export function shardTable(scope: Construct, props: SchedulesTableProps): dynamodb.Table {
  return new dynamodb.Table(scope, 'ShardTable', {
    partitionKey: { name: SHARD_KEY.PARTITION, type: dynamodb.AttributeType.STRING },
    sortKey: { name: SHARD_KEY.SORT, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: TTL_ATTRIBUTE,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: props.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.DEFAULT,
    encryptionKey: props.encryptionKey,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}
