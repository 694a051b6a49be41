/**
 * A tiny local AWS endpoint for the handlers' SDK v3 clients: Step Functions (AWS JSON 1.0,
 * `X-Amz-Target: AWSStepFunctions.<Operation>`) and EventBridge (AWS JSON 1.1, `X-Amz-Target: AWSEvents.<Operation>`),
 * on 127.0.0.1 at a free port.
 *
 * Requests are dispatched to the handlers of the *active route* (the running LocalScheduler sets it with `route()`),
 * because handler modules create their SDK clients at module scope: a process starts ONE endpoint, lazily
 * (`sharedAwsEndpoint()`), unref'd, and closes it with `closeSharedAwsEndpoint()`.
 *
 * Clients reach it through the service-specific endpoint variables that SDK v3 reads when a client resolves its
 * endpoint (at its first request, memoized per client; `@smithy/core` getEndpointUrlConfig:
 * `AWS_ENDPOINT_URL_<SERVICE ID, upper case, spaces as _>`, falling back to `AWS_ENDPOINT_URL`):
 * `AWS_ENDPOINT_URL_SFN`, `AWS_ENDPOINT_URL_EVENTBRIDGE`, `AWS_ENDPOINT_URL_DYNAMODB`, plus dummy credentials and
 * region (`awsEnvironment()`).
 *
 * Errors: a handler throws `AwsError(type, message, statusCode)`; the endpoint answers
 * `{"__type": type, "message": message}` with that status and `x-amzn-ErrorType`, which the SDK maps to the
 * exception class of that name (e.g. `ExecutionAlreadyExists`, `ExecutionDoesNotExist`, `InvalidName`).
 * Faults can be injected per operation (`injectFault`), e.g. `ThrottlingException` (400) or
 * `ServiceUnavailable` (503), which the SDK retries with its back-off (fake timers: the VirtualClock's stall
 * rule lets those back-off timers fire). `intercept(target, hook)` wraps an operation's handler (after faults), so a
 * test can act just before or after a call is served.
 *
 * Every request is tracked as in-flight `'io'` on the installed VirtualClock, if any. Timestamps in responses are
 * epoch seconds (the JSON protocols' format), the `Date` header is virtual time.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { processSingleton } from './process-singleton';
import { VirtualClock } from './virtual-clock';

export class AwsError extends Error {
  constructor(public readonly type: string, message: string, public readonly statusCode = 400) {
    super(message);
    this.name = type;
  }
}

/** An operation handler: receives the parsed JSON request, returns the JSON response (Dates become epoch seconds). */
export type OperationHandler = (input: any) => Promise<any> | any;

export interface EndpointRoute {
  /** Step Functions operations by name: StartExecution, StopExecution, DescribeExecution, ... */
  readonly sfn?: Record<string, OperationHandler>;
  /** EventBridge operations by name: PutEvents, ... */
  readonly events?: Record<string, OperationHandler>;
}

export interface EndpointCall {
  readonly service: 'sfn' | 'events';
  readonly operation: string;
  readonly input: any;
  readonly statusCode: number;
  readonly errorType?: string;
}

/** Wraps an operation: `proceed(input)` serves it and resolves to its output. */
export type OperationHook = (input: any, proceed: (input: any) => Promise<any>) => Promise<any>;

interface Fault {
  readonly error: AwsError;
  remaining: number;
}

const PREFIX: Record<string, 'sfn' | 'events'> = {
  AWSStepFunctions: 'sfn',
  AWSEvents: 'events',
};

const CONTENT_TYPE = { sfn: 'application/x-amz-json-1.0', events: 'application/x-amz-json-1.1' };

function toWire(value: any): any {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

export class LocalAwsEndpoint {
  public static async start(): Promise<LocalAwsEndpoint> {
    const endpoint = new LocalAwsEndpoint();
    await new Promise<void>((resolve, reject) => {
      endpoint.server.once('error', reject);
      endpoint.server.listen(0, '127.0.0.1', () => resolve());
    });
    endpoint.server.unref();
    return endpoint;
  }

  private readonly server: http.Server;
  private current: EndpointRoute = {};
  private readonly faults = new Map<string, Fault[]>();
  private readonly callLog: EndpointCall[] = [];
  private readonly hooks = new Map<string, OperationHook>();
  private closed = false;

  private constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', socket => socket.unref());
  }

  public get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Routes all calls to `route` (replacing the previous one); the returned function restores the previous route. */
  public route(route: EndpointRoute): () => void {
    const previous = this.current;
    this.current = route;
    return () => {
      if (this.current === route) this.current = previous;
    };
  }

  /**
   * Makes the next `times` calls of `target` ('sfn:StartExecution', 'events:PutEvents') fail with `error`.
   * Faults are consumed in order.
   */
  public injectFault(target: string, error: AwsError, times = 1): void {
    const list = this.faults.get(target) ?? [];
    list.push({ error, remaining: times });
    this.faults.set(target, list);
  }

  public clearFaults(): void {
    this.faults.clear();
  }

  /** Removes every fault and interception: the endpoint is shared by the process, so each runtime leaves it clean. */
  public reset(): void {
    this.faults.clear();
    this.hooks.clear();
  }

  /**
   * Wraps every call of `target` ('sfn:StartExecution', 'events:PutEvents') in `hook` (replacing an earlier one);
   * returns a function that removes it.
   */
  public intercept(target: string, hook: OperationHook): () => void {
    this.hooks.set(target, hook);
    return () => {
      if (this.hooks.get(target) === hook) this.hooks.delete(target);
    };
  }

  /** Calls served so far (most recent last). */
  public calls(): readonly EndpointCall[] {
    return this.callLog;
  }

  public async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.server.closeAllConnections?.();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix, operation = ''] = target.split('.');
    const service = PREFIX[prefix];
    const end = VirtualClock.current()?.begin(`${service ?? prefix}:${operation}`, 'io');
    let input: any = {};
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      if (!service) {
        throw new AwsError('UnknownOperationException', `Unknown target ${target || '(none)'}`);
      }
      try {
        input = text ? JSON.parse(text) : {};
      } catch {
        throw new AwsError('SerializationException', 'Malformed JSON');
      }
      const fault = this.takeFault(`${service}:${operation}`);
      if (fault) throw fault;
      const handler = this.current[service]?.[operation];
      if (!handler) {
        throw new AwsError('UnknownOperationException', `${service}:${operation} is not implemented by the local endpoint`);
      }
      const hook = this.hooks.get(`${service}:${operation}`);
      const output = hook ? await hook(input, async (i) => handler(i)) : await handler(input);
      this.reply(res, service, 200, toWire(output ?? {}));
      this.callLog.push({ service, operation, input, statusCode: 200 });
    } catch (e: any) {
      const error = e instanceof AwsError ? e : new AwsError('InternalFailure', String(e?.stack ?? e), 500);
      this.reply(res, service ?? 'sfn', error.statusCode, { __type: error.type, message: error.message }, error.type);
      this.callLog.push({ service: service ?? 'sfn', operation, input, statusCode: error.statusCode, errorType: error.type });
    } finally {
      end?.();
    }
  }

  private takeFault(key: string): AwsError | undefined {
    const list = this.faults.get(key);
    if (!list?.length) return undefined;
    const fault = list[0];
    if (--fault.remaining <= 0) list.shift();
    return fault.error;
  }

  private reply(res: http.ServerResponse, service: 'sfn' | 'events', status: number, body: any, errorType?: string) {
    const text = JSON.stringify(body);
    res.sendDate = false;
    res.writeHead(status, {
      'Content-Type': CONTENT_TYPE[service],
      'Content-Length': Buffer.byteLength(text),
      'Date': new Date().toUTCString(),
      'x-amzn-RequestId': `local-${Math.random().toString(16).slice(2)}`,
      ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
    });
    res.end(text);
  }
}

const shared = processSingleton(() => LocalAwsEndpoint.start());

/** The process-wide endpoint (started on first use). */
export function sharedAwsEndpoint(): Promise<LocalAwsEndpoint> {
  return shared.get();
}

/** Closes the process-wide endpoint, if started (call it in `afterAll`). */
export async function closeSharedAwsEndpoint(): Promise<void> {
  await shared.close();
}

/**
 * The environment variables that point SDK v3 clients at the local endpoint and dynalite, with dummy credentials.
 * Set them before the handlers' clients send their first request.
 */
export function awsEnvironment(endpointUrl: string, dynamoDbUrl: string, region = 'us-east-1'): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SFN: endpointUrl,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpointUrl,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbUrl,
    AWS_ACCESS_KEY_ID: 'AKIALOCALLOCALLOCAL0',
    AWS_SECRET_ACCESS_KEY: 'local-secret-access-key',
    AWS_SESSION_TOKEN: 'local-session-token',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    // Node.js 20 here, 24 on Lambda: the SDK's Node.js 22 notice is noise in local runs.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_SDK_LOAD_CONFIG: '0',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

/** Sets `awsEnvironment(...)` on process.env; returns a function that restores the previous values. */
export function applyAwsEnvironment(env: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(env).map(k => [k, process.env[k]]));
  Object.assign(process.env, env);
  return () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
