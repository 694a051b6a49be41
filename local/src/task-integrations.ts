/**
 * Step Functions service integrations for the local runtime's TaskDispatcher: the shapes of the Task results and
 * the names of the Task errors, as Step Functions produces them.
 *
 * - Lambda, `Resource: <function ARN>` (CDK's `payloadResponseOnly: true`): the result is the function's return value;
 *   a function error fails the Task with Error = the function's errorType and Cause = the Lambda error payload JSON.
 * - Lambda, `Resource: arn:aws:states:::lambda:invoke` (Parameters FunctionName + Payload): the result is
 *   `{ ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode }`; errors as above.
 * - DynamoDB, optimized (`arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem`): the result is the API
 *   response plus SdkHttpMetadata/SdkResponseMetadata; errors are `DynamoDB.<ExceptionName>`.
 * - DynamoDB, AWS SDK (`arn:aws:states:::aws-sdk:dynamodb:<action>`): the API response; errors are
 *   `DynamoDb.<ExceptionName>` (the SDK integrations prefix the service name as the SDK spells it).
 * - EventBridge `events:putEvents`: see LocalEventBus.putEventsTask.
 *
 * Differences: `.sync`/`.waitForTaskToken` variants, `Credentials` (cross-account roles) and the `States.Http*`
 * errors are not modelled; SdkHttpMetadata carries no real headers.
 */
import { randomUUID } from 'crypto';
import { DynamoDbLocal } from './dynamodb-local';
import { LambdaError, LocalFunction } from './lambda-local';
import { TaskError } from './step-functions-local';

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

function sdkMetadata() {
  const requestId = randomUUID();
  return {
    SdkHttpMetadata: { AllHttpHeaders: {}, HttpHeaders: {}, HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: requestId },
  };
}

/** Whether a Task Resource is a Lambda function ARN (optionally qualified). */
export function isLambdaArn(resource: string): boolean {
  return /^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$/.test(resource);
}

function lambdaTaskError(e: unknown): TaskError {
  if (e instanceof LambdaError) return new TaskError(e.errorType, JSON.stringify(e.payload()));
  if (e instanceof TaskError) return e;
  const err = e as any;
  return new TaskError('Lambda.ServiceException', String(err?.message ?? err));
}

/**
 * Runs a Lambda Task (either Resource form). `resolve` finds the function by name or ARN (undefined: the Task
 * fails with Lambda.ResourceNotFoundException).
 */
export async function lambdaTask(resource: string, input: any, resolve: (nameOrArn: string) => LocalFunction | undefined): Promise<any> {
  const invoke = resource === LAMBDA_INVOKE || resource.startsWith(`${LAMBDA_INVOKE}`);
  const target = invoke ? String(input?.FunctionName) : resource;
  const fn = resolve(target);
  if (!fn) throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${target}`);
  let payload: any;
  try {
    payload = await fn.invoke(invoke ? input?.Payload : input);
  } catch (e) {
    throw lambdaTaskError(e);
  }
  if (!invoke) return payload;
  return { ExecutedVersion: '$LATEST', Payload: payload, ...sdkMetadata(), StatusCode: 200 };
}

const DYNAMODB_OPTIMIZED = /^arn:[^:]+:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/;
const DYNAMODB_SDK = /^arn:[^:]+:states:::aws-sdk:dynamodb:([a-zA-Z]+)$/;

export function isDynamoDbTask(resource: string): boolean {
  return DYNAMODB_OPTIMIZED.test(resource) || DYNAMODB_SDK.test(resource);
}

/** Runs a DynamoDB Task (optimized or AWS SDK integration) against dynalite. */
export async function dynamoDbTask(resource: string, input: any, dynamo: DynamoDbLocal): Promise<any> {
  const optimized = DYNAMODB_OPTIMIZED.exec(resource);
  const sdk = DYNAMODB_SDK.exec(resource);
  const action = (optimized ?? sdk)?.[1];
  if (!action) throw new TaskError('States.Runtime', `Unsupported DynamoDB resource ${resource}`);
  const operation = action[0].toUpperCase() + action.slice(1);
  try {
    const out = await dynamo.call(operation, input);
    return optimized ? { ...out, ...sdkMetadata() } : out;
  } catch (e: any) {
    throw new TaskError(`${optimized ? 'DynamoDB' : 'DynamoDb'}.${e.name}`, String(e.message));
  }
}
