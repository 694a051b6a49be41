import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * SDK clients at module scope, reused across invocations. The SDK's standard retry strategy
 * (exponential backoff with jitter) covers throttling and transient errors; 5 attempts
 * gives transient faults a few seconds to clear before the invocation fails and Lambda's
 * own retries (and then the dead-letter queue) take over.
 */
const clientConfig = { maxAttempts: 5 };

export const dynamodb = new DynamoDBClient(clientConfig);
export const stepFunctions = new SFNClient(clientConfig);
export const eventBridge = new EventBridgeClient(clientConfig);
