import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../contract';

/** How the schedules table is built. */
export interface SchedulesTableProps {
  readonly encryptionKey?: kms.IKey;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * One item per schedule id, on demand, with point-in-time recovery and TTL for finished schedules. Encrypted with
 * an AWS owned key (no KMS key or request charges) unless a customer managed key is given.
 */
export function schedulesTable(scope: Construct, props: SchedulesTableProps): dynamodb.Table {
  return new dynamodb.Table(scope, 'Table', {
    partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: TTL_ATTRIBUTE,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: props.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.DEFAULT,
    encryptionKey: props.encryptionKey,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}
