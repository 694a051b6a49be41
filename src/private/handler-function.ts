import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { COMMAND_HANDLER_TIMEOUT_SECONDS } from '../contract';

/** How the scheduler's handler functions are built. */
export interface HandlerFunctionProps {
  /** The bundle's name under assets/lambda/handlers/ (`start`, `stop`, `plan`); the construct id is `<Name>Function`. */
  readonly name: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  readonly tracingEnabled: boolean;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
}

/**
 * A handler function with a log group and a role of its own: the role may write to that log group only, instead of
 * AWSLambdaBasicExecutionRole's logs on every log group.
 */
export function handlerFunction(scope: Construct, props: HandlerFunctionProps): lambda.Function {
  const id = `${props.name[0].toUpperCase()}${props.name.slice(1)}Function`;
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Runs the ${props.name} handler of the dynamic scheduler ${scope.node.path}`,
  });
  logGroup.grantWrite(role);
  return new lambda.Function(scope, id, {
    role,
    description: props.description,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    code: lambda.Code.fromAsset(handlerBundle(props.name)),
    handler: 'index.handler',
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? Duration.seconds(COMMAND_HANDLER_TIMEOUT_SECONDS),
    environment: props.environment,
    tracing: props.tracingEnabled ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
    logGroup,
  });
}

/** The pre-built bundle of a handler, shipped in the package's assets/lambda/handlers/ (built by `npx projen bundle`). */
function handlerBundle(name: string): string {
  const dir = path.join(__dirname, '..', '..', 'assets', 'lambda', 'handlers', name);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(`The ${name} handler bundle is missing at ${dir}; run "npx projen bundle" (or "npx projen build") first`);
  }
  return dir;
}
