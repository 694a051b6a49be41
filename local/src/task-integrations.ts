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
 * - Step Functions, optimized (`arn:aws:states:::states:startExecution`, `.sync`, `.sync:2`; Parameters
 *   `StateMachineArn`, `Input` (an object, or a JSON string), `Name`): see {@link stepFunctionsTask}.
 *
 * Differences: `.waitForTaskToken` variants, `Credentials` (cross-account roles) and the `States.Http*` errors are not
 * modelled; SdkHttpMetadata carries no real headers.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-sync
 */
import { randomUUID } from 'crypto';
import { AwsError } from './aws-endpoint';
import { DynamoDbLocal } from './dynamodb-local';
import { LambdaError, LocalFunction } from './lambda-local';
import { ExecutionRecord, StepFunctionsLocal, TaskError, TaskInvocation } from './step-functions-local';

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

const START_EXECUTION = /^arn:[^:]+:states:::states:startExecution(\.sync(:2)?)?$/;

export function isStepFunctionsTask(resource: string): boolean {
  return START_EXECUTION.test(resource);
}

/** An optimized integration's name for a Step Functions API error: `StepFunctions.ExecutionAlreadyExistsException`. */
function stepFunctionsTaskError(e: unknown): TaskError {
  if (e instanceof AwsError) {
    return new TaskError(`StepFunctions.${e.type.endsWith('Exception') ? e.type : `${e.type}Exception`}`, e.message);
  }
  const err = e as any;
  return new TaskError('StepFunctions.SfnException', String(err?.message ?? err));
}

/** DescribeExecution's answer in the PascalCase of a `.sync` result; `parseOutput` for `.sync:2`. */
function describedExecution(record: ExecutionRecord, parseOutput: boolean): Record<string, any> {
  const output = record.output === undefined ? undefined : parseOutput ? JSON.parse(record.output) : record.output;
  return {
    ExecutionArn: record.executionArn,
    Input: parseOutput ? JSON.parse(record.input) : record.input,
    InputDetails: { Included: true },
    Name: record.name,
    ...(output !== undefined ? { Output: output, OutputDetails: { Included: true } } : {}),
    StartDate: record.startDate.getTime(),
    StateMachineArn: record.stateMachineArn,
    Status: record.status,
    StopDate: record.stopDate?.getTime(),
    ...(record.error !== undefined ? { Error: record.error } : {}),
    ...(record.cause !== undefined ? { Cause: record.cause } : {}),
  };
}

/**
 * Runs a Step Functions Task: StartExecution of `Parameters.StateMachineArn` with `Input` (an object is serialized,
 * a string passed as is, none is `{}`) and `Name` (default: a random UUID), with the API's rules (names unique per
 * state machine: ExecutionAlreadyExists, or the running execution itself for the same name and input on a Standard
 * machine, as the SDK endpoint's StartExecution does). API errors fail the Task as `StepFunctions.<Error>Exception`.
 *
 * - `startExecution` (Request Response): `{ ExecutionArn, StartDate, SdkHttpMetadata, SdkResponseMetadata }`.
 * - `startExecution.sync`: waits for the child; the result is DescribeExecution's answer (PascalCase) with `Output` a
 *   JSON string. `.sync:2`: the same with `Input` and `Output` parsed as JSON.
 * - A child that ends FAILED, TIMED_OUT or ABORTED fails the Task with `States.TaskFailed`, Cause the child's
 *   description (JSON, with its Error and Cause), which Retry and Catch see.
 * - If the parent ends while it waits (stopped, failed or timed out), a Standard child is stopped, as a stopped
 *   "Run a Job" Task stops its job; an Express child runs on (AWS cannot stop Express executions).
 *
 * Dates are epoch milliseconds. While a `.sync` Task waits, it is not in-flight work on the VirtualClock: the
 * child's own states are, so the child's timers fire as soon as they are due.
 */
export async function stepFunctionsTask(task: TaskInvocation, stepFunctions: StepFunctionsLocal): Promise<any> {
  const mode = START_EXECUTION.exec(task.resource);
  if (!mode) throw new TaskError('States.Runtime', `Unsupported Step Functions resource ${task.resource}`);
  const parameters = task.input ?? {};
  const input = parameters.Input === undefined ? '{}'
    : typeof parameters.Input === 'string' ? parameters.Input : JSON.stringify(parameters.Input);
  let started: { executionArn: string; startDate: Date };
  let child;
  try {
    child = stepFunctions.machine(String(parameters.StateMachineArn));
    started = child.startExecution({ name: parameters.Name, input });
  } catch (e) {
    throw stepFunctionsTaskError(e);
  }
  if (!mode[1]) {
    return { ExecutionArn: started.executionArn, StartDate: started.startDate.getTime(), ...sdkMetadata() };
  }
  const record = child.execution(started.executionArn)!;
  const parent = stepFunctions.machineOfExecution(task.executionArn).execution(task.executionArn);
  task.detachFromClock?.();
  const first = await Promise.race([record.done.then(() => 'child' as const), parent ? parent.done.then(() => 'parent' as const) : new Promise<never>(() => undefined)]);
  if (first === 'parent' && record.status === 'RUNNING') {
    if (child.type === 'STANDARD') child.stopExecution({ executionArn: record.executionArn });
    throw new TaskError('States.Runtime', `Execution ${task.executionArn} has ended (${parent!.status})`);
  }
  const described = describedExecution(record, mode[2] !== undefined);
  if (record.status !== 'SUCCEEDED') throw new TaskError('States.TaskFailed', JSON.stringify(described));
  return described;
}
