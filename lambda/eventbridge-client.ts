import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { clientConfig } from './aws-clients';

/** Created once per Lambda environment, reused across invocations. */
export const eventBridge = new EventBridgeClient(clientConfig);
