/**
 * Lambda for the local runtime: runs a function's real bundle (`<asset>/index.js` exporting `handler`) in this process.
 *
 * - Loading: through the current `require` (jest's module registry in tests, so the bundle and the `@aws-sdk/*`
 *   packages it imports see the VirtualClock's fake `Date`/`setTimeout` installed on the test's global). Modules are
 *   cached per registry (a jest test file); `isolate: true` loads a private copy (`jest.isolateModules`, or
 *   `require.cache` eviction outside jest), for handlers that read their configuration at module scope.
 * - Environment: each invocation runs inside an AsyncLocalStorage scope; `process.env` is replaced (once) by a proxy
 *   that answers the invoked function's variables (the template's Environment.Variables plus Lambda's own:
 *   AWS_LAMBDA_FUNCTION_NAME, AWS_REGION, ...) within that scope, and the real environment elsewhere. Two functions
 *   running concurrently thus each see their own variables, even after an `await`. Variables the function does not
 *   define fall through to the process (that is how the AWS_ENDPOINT_URL_* and dummy credentials reach the SDK).
 * - Console output inside an invocation is captured per function (`logs()`), and also printed when
 *   `LOCAL_LAMBDA_LOGS=1`.
 * - Errors: a thrown error (or a callback error) becomes a `LambdaError` with Lambda's `errorType`/`errorMessage`/
 *   `trace`; Step Functions names the Task error after `errorType`.
 * - Timeout: after the function's Timeout (virtual time), the invocation fails with `Sandbox.Timedout`
 *   ("Task timed out after N.00 seconds").
 * - Every invocation is tracked as in-flight work on the VirtualClock and counted.
 * - Faults: `injectFault({ errorType, delayMs }, times)` makes the next `times` invocations wait `delayMs` (virtual
 *   time, within the function's timeout) and then fail with `errorType` (e.g. `Lambda.TooManyRequestsException`,
 *   which is how Step Functions and EventBridge see a throttled invoke) instead of running the handler; with no
 *   `errorType` the handler runs after the delay (a slow cold start). `intercept(hook)` wraps every invocation:
 *   the hook gets the event and a `proceed()` that runs the handler, so a test can act just before or after it.
 *
 * Differences from AWS Lambda: no isolation (one process, one realm; module state is shared by concurrent
 * invocations, as with Lambda's reuse of an execution environment but without its one-request-at-a-time
 * guarantee); a timed-out invocation keeps running in the background (Lambda would freeze and discard it);
 * no memory limit, no cold-start latency, no payload size limits (6 MB sync / 256 KB async), no reserved/account
 * concurrency or throttling (unless the runtime injects `Lambda.TooManyRequestsException`), no layers, no
 * extensions; `context.getRemainingTimeInMillis()` follows virtual time.
 */
import { AsyncLocalStorage } from 'async_hooks';
import { randomUUID } from 'crypto';
import * as path from 'path';
import { VirtualClock } from './virtual-clock';

export class LambdaError extends Error {
  constructor(public readonly errorType: string, public readonly errorMessage: string, public readonly trace: string[] = []) {
    super(errorMessage);
    this.name = errorType;
  }

  /** The Lambda error payload (what `Invoke` returns with `FunctionError: 'Unhandled'`). */
  public payload(): { errorType: string; errorMessage: string; trace: string[] } {
    return { errorType: this.errorType, errorMessage: this.errorMessage, trace: this.trace };
  }
}

export interface LocalFunctionOptions {
  readonly name: string;
  readonly arn: string;
  /** The module file (e.g. `<assetPath>/index.js`). */
  readonly modulePath: string;
  /** The exported handler function. Default 'handler'. */
  readonly exportName?: string;
  /** The function's Environment.Variables. */
  readonly environment?: Record<string, string>;
  /** Seconds; default 3 (CloudFormation's). */
  readonly timeoutSeconds?: number;
  readonly memorySize?: number;
  readonly region?: string;
  /** Load a private copy of the module (and of everything it requires). Default false. */
  readonly isolate?: boolean;
  /**
   * Keep every invocation's event and outcome (`calls()`); memory grows with each one, so it is off for the
   * scheduler's own functions in long runs.
   * @default false
   */
  readonly recordCalls?: boolean;
}

/** One invocation of a function, as `calls()` records it. */
export interface LocalInvocation {
  /** The event the handler received. */
  readonly event: any;
  /** What it returned (undefined becomes null); undefined when it failed. */
  readonly result?: any;
  /** Lambda's error payload when it failed (thrown, rejected, timed out or an injected fault). */
  readonly error?: { errorType: string; errorMessage: string };
  /** The virtual time it started. */
  readonly time: Date;
}

/** A fault the next invocations of a function meet (see `LocalFunction.injectFault`). */
export interface LambdaFault {
  /** The error the invocation fails with (Lambda's errorType). Default: none (the handler runs after `delayMs`). */
  readonly errorType?: string;
  /** Default: `Injected fault: <errorType>`. */
  readonly errorMessage?: string;
  /** Virtual milliseconds the invocation waits first. Default 0. */
  readonly delayMs?: number;
}

/** Wraps an invocation: `proceed()` runs the handler (with its faults) and resolves to its result. */
export type InvocationHook = (event: any, proceed: () => Promise<any>) => Promise<any>;

export interface LogLine {
  readonly level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  readonly text: string;
  readonly time: Date;
  readonly requestId: string;
}

interface Scope {
  readonly env: Record<string, string>;
  readonly logs: LogLine[];
  readonly requestId: string;
}

const scope = new AsyncLocalStorage<Scope>();
let envProxyInstalled = false;
let consoleInstalled = false;

function installEnvProxy(): void {
  if (envProxyInstalled) return;
  envProxyInstalled = true;
  const real = process.env;
  process.env = new Proxy(real, {
    get(target, key) {
      const s = scope.getStore();
      if (s && typeof key === 'string' && Object.prototype.hasOwnProperty.call(s.env, key)) return s.env[key];
      return Reflect.get(target, key);
    },
    has(target, key) {
      const s = scope.getStore();
      if (s && typeof key === 'string' && Object.prototype.hasOwnProperty.call(s.env, key)) return true;
      return Reflect.has(target, key);
    },
    set(target, key, value) {
      const s = scope.getStore();
      if (s && typeof key === 'string' && Object.prototype.hasOwnProperty.call(s.env, key)) {
        s.env[key] = String(value);
        return true;
      }
      return Reflect.set(target, key, String(value));
    },
    ownKeys(target) {
      const s = scope.getStore();
      return s ? [...new Set([...Reflect.ownKeys(target), ...Object.keys(s.env)])] : Reflect.ownKeys(target);
    },
    getOwnPropertyDescriptor(target, key) {
      const s = scope.getStore();
      if (s && typeof key === 'string' && Object.prototype.hasOwnProperty.call(s.env, key)) {
        return { value: s.env[key], writable: true, enumerable: true, configurable: true };
      }
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  }) as NodeJS.ProcessEnv;
}

function installConsoleCapture(): void {
  if (consoleInstalled) return;
  consoleInstalled = true;
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: any[]) => {
      const s = scope.getStore();
      if (!s) return original(...args);
      const text = args.map(a => (typeof a === 'string' ? a : safeStringify(a))).join(' ');
      s.logs.push({ level, text, time: new Date(), requestId: s.requestId });
      if (process.env.LOCAL_LAMBDA_LOGS === '1') original(...args);
    };
  }
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) return value.stack ?? String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** `{ file, exportName }` of a CloudFormation Handler ('index.handler') in an asset directory. */
export function handlerModule(assetPath: string, handler = 'index.handler'): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const base = handler.slice(0, dot);
  return { file: path.join(assetPath, `${base}.js`), exportName: handler.slice(dot + 1) };
}

declare const jest: { isolateModules(fn: () => void): void } | undefined;

/**
 * Real milliseconds of a function's first invocation that count as I/O for the VirtualClock. A cold start loads
 * modules synchronously and the SDK reads its configuration with real I/O the clock cannot see; to the clock that
 * looks like a stall, and it would fire the next timer: the invocation's own timeout.
 */
const COLD_START_IO_MS = 1_000;

function load(modulePath: string, isolate: boolean): any {
  if (!isolate) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(modulePath);
  }
  if (typeof jest !== 'undefined' && jest && typeof jest.isolateModules === 'function') {
    let mod: any;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(modulePath);
    });
    return mod;
  }
  const resolved = require.resolve(modulePath);
  delete require.cache[resolved];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(resolved);
}

export class LocalFunction {
  public readonly name: string;
  public readonly arn: string;
  public readonly timeoutSeconds: number;
  private handlerFn?: (event: any, context: any, callback?: any) => any;
  private readonly captured: LogLine[] = [];
  private count = 0;
  private errorCount = 0;
  private cold = true;
  private readonly faults: { fault: LambdaFault; remaining: number }[] = [];
  private interceptor?: InvocationHook;
  private readonly recorded: LocalInvocation[] = [];

  constructor(private readonly options: LocalFunctionOptions) {
    this.name = options.name;
    this.arn = options.arn;
    this.timeoutSeconds = options.timeoutSeconds ?? 3;
    installEnvProxy();
    installConsoleCapture();
  }

  public get invocations(): number {
    return this.count;
  }

  public get errors(): number {
    return this.errorCount;
  }

  /** Makes the next `times` invocations meet `fault` (consumed in order, after earlier faults). */
  public injectFault(fault: LambdaFault, times = 1): void {
    this.faults.push({ fault, remaining: times });
  }

  /** Wraps every later invocation in `hook` (replacing an earlier hook); returns a function that removes it. */
  public intercept(hook: InvocationHook): () => void {
    this.interceptor = hook;
    return () => {
      if (this.interceptor === hook) this.interceptor = undefined;
    };
  }

  /** Drops the faults not met yet. */
  public clearFaults(): void {
    this.faults.length = 0;
  }

  /** Every invocation's event and outcome, oldest first (only with `recordCalls`; else always empty). */
  public calls(): readonly LocalInvocation[] {
    return this.recorded;
  }

  /** Console output of this function's invocations. */
  public logs(): readonly LogLine[] {
    return this.captured;
  }

  /** The variables an invocation sees on top of the process environment. */
  public environment(): Record<string, string> {
    const region = this.options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    return {
      AWS_LAMBDA_FUNCTION_NAME: this.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.options.memorySize ?? 128),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${this.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'local',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      ...(this.options.environment ?? {}),
    };
  }

  /**
   * Invokes the handler with `event` (deep-copied through JSON, as Lambda's serialization does) and returns its
   * result (likewise copied; `undefined` becomes null). Throws a LambdaError.
   */
  public async invoke(event: any): Promise<any> {
    const requestId = randomUUID();
    const s: Scope = { env: this.environment(), logs: this.captured, requestId };
    // Lambda runs a module's initialization with the function's environment: module-scope reads of process.env see it.
    const handler = scope.run(s, () => this.handler());
    const timeoutMs = this.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    const context = {
      functionName: this.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.arn,
      memoryLimitInMB: String(this.options.memorySize ?? 128),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${this.name}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      succeed: () => undefined,
      fail: () => undefined,
    };
    const payload = JSON.parse(JSON.stringify(event ?? null));
    this.count++;
    const started = new Date();
    const record = (outcome: { result?: any; error?: LambdaError }) => {
      if (!this.options.recordCalls) return;
      this.recorded.push({
        event: JSON.parse(JSON.stringify(payload)),
        time: started,
        ...(outcome.error ? { error: { errorType: outcome.error.errorType, errorMessage: outcome.error.errorMessage } } : { result: outcome.result }),
      });
    };
    const clock = VirtualClock.current();
    const end = clock?.begin(`lambda:${this.name}`, 'work');
    let endColdStart: (() => void) | undefined;
    if (this.cold && clock) {
      endColdStart = clock.begin(`lambda:${this.name}:cold-start`, 'io');
      void clock.realSleep(COLD_START_IO_MS).then(endColdStart);
    }
    this.cold = false;
    let timer: any;
    try {
      const fault = this.takeFault();
      const runHandler = () => scope.run(s, () => new Promise<any>((resolve, reject) => {
        const callback = (err: any, result: any) => (err ? reject(err) : resolve(result));
        try {
          const out = handler(payload, context, callback);
          if (out && typeof out.then === 'function') out.then(resolve, reject);
          else if (handler.length < 3) resolve(out);
        } catch (e) {
          reject(e);
        }
      }));
      const proceed = () => (fault ? this.meet(fault).then(runHandler) : runHandler());
      const run = this.interceptor ? this.interceptor(payload, proceed) : proceed();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new LambdaError('Sandbox.Timedout',
          `RequestId: ${requestId} Error: Task timed out after ${this.timeoutSeconds.toFixed(2)} seconds`)), timeoutMs);
      });
      const raw = await Promise.race([run, timeout]);
      const result = raw === undefined ? null : JSON.parse(JSON.stringify(raw));
      record({ result });
      return result;
    } catch (e: any) {
      this.errorCount++;
      const error = e instanceof LambdaError ? e
        : e instanceof Error ? new LambdaError(e.name || 'Error', e.message, (e.stack ?? '').split('\n'))
          : new LambdaError('Error', typeof e === 'string' ? e : safeStringify(e));
      record({ error });
      throw error;
    } finally {
      clearTimeout(timer);
      endColdStart?.();
      end?.();
    }
  }

  private takeFault(): LambdaFault | undefined {
    const next = this.faults[0];
    if (!next) return undefined;
    if (--next.remaining <= 0) this.faults.shift();
    return next.fault;
  }

  /** Waits the fault's `delayMs`, then fails with its `errorType`, if any (else the handler runs). */
  private async meet(fault: LambdaFault): Promise<void> {
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.errorType) throw new LambdaError(fault.errorType, fault.errorMessage ?? `Injected fault: ${fault.errorType}`);
  }

  private handler(): (event: any, context: any, callback?: any) => any {
    if (!this.handlerFn) {
      const mod = load(this.options.modulePath, this.options.isolate ?? false);
      const fn = mod?.[this.options.exportName ?? 'handler'];
      if (typeof fn !== 'function') {
        throw new LambdaError('Runtime.HandlerNotFound',
          `${path.basename(this.options.modulePath)}.${this.options.exportName ?? 'handler'} is undefined or not exported`);
      }
      this.handlerFn = fn;
    }
    return this.handlerFn!;
  }
}
