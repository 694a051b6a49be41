/**
 * What the local runtime runs, and what it only records: the notes a recorded delivery carries.
 *
 * Node.js Lambda functions run in this process; every other rule target (SQS, SNS, another bus, an API destination,
 * a state machine, a Lambda function of another runtime or a container image) is recorded with its input and one of
 * these notes, never silently dropped. (`LocalStack` on its own can start the template's state machines instead:
 * `stateMachineTargets: 'run'`.)
 */
import { FunctionInfo } from './template-resolver';

/** Why a function of the template cannot run locally, or undefined when it can (a Node.js zip function). */
export function unsupportedFunctionNote(fn: FunctionInfo): string | undefined {
  if (fn.packageType === 'Image') {
    return `Lambda function ${fn.name} is a container image function, which the local runtime cannot run (it runs Node.js zip and inline functions only): recorded, not invoked`;
  }
  if (!fn.runtime || !/^nodejs/.test(fn.runtime)) {
    return `Lambda function ${fn.name} has runtime ${fn.runtime ?? '(none)'}, which the local runtime cannot run (it runs nodejs* runtimes only): recorded, not invoked`;
  }
  return undefined;
}

const RECORDED: ReadonlyArray<[RegExp, string]> = [
  [/^arn:[^:]+:sqs:/, 'an SQS queue: recorded, not sent (the local runtime has no SQS)'],
  [/^arn:[^:]+:sns:/, 'an SNS topic: recorded, not published (the local runtime has no SNS)'],
  [/^arn:[^:]+:events:[^:]*:[^:]*:event-bus\//, 'another event bus: recorded, not forwarded'],
  [/^arn:[^:]+:events:[^:]*:[^:]*:api-destination\//, 'an API destination: recorded, no HTTP request is made'],
  [/^arn:[^:]+:logs:/, 'a CloudWatch Logs log group: recorded, not written'],
  [/^arn:[^:]+:kinesis:/, 'a Kinesis stream: recorded, not written'],
  [/^arn:[^:]+:firehose:/, 'a Firehose stream: recorded, not written'],
];

/**
 * The note for a rule target that is neither a runnable function nor a state machine of the template: what kind of
 * target it is, and that it was recorded only.
 */
export function recordedTargetNote(arn: string): string {
  const known = RECORDED.find(([pattern]) => pattern.test(arn));
  if (known) return `Target ${arn} is ${known[1]}`;
  if (/^arn:[^:]+:lambda:/.test(arn)) return `Target ${arn} is a Lambda function that is not in the stack: recorded, not invoked`;
  if (/^arn:[^:]+:states:/.test(arn)) return `Target ${arn} is a state machine that is not in the stack: recorded, not started`;
  return `Target ${arn} is not run by the local runtime: recorded only`;
}
