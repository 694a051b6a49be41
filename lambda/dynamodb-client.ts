import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientConfig } from './aws-clients';

/** Created once per Lambda environment, reused across invocations. */
export const dynamodb = new DynamoDBClient(clientConfig);
