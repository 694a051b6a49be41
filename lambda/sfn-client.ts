import { SFNClient } from '@aws-sdk/client-sfn';
import { clientConfig } from './aws-clients';

/** Created once per Lambda environment, reused across invocations. */
export const stepFunctions = new SFNClient(clientConfig);
