/**
 * Step Functions for the local runtime: an executions registry around `aws-local-stepfunctions` (v3), with the
 * Step Functions API semantics the handlers rely on (StartExecution, StopExecution, DescribeExecution), state
 * transitions counted as AWS bills them and an estimate of each execution's history size.
 *
 * `aws-local-stepfunctions` runs the ASL (JSONPath) itself: Choice, Pass, Wait, Map (inline), Parallel, Task, Succeed,
 * Fail, InputPath/Parameters/ResultSelector/ResultPath/OutputPath, intrinsic functions, Retry (with BackoffRate,
 * MaxDelaySeconds, JitterStrategy) and Catch. Task states never call AWS here: every Task (including Tasks nested in
 * a Map's ItemProcessor or a Parallel's branches: the library's `taskResourceLocalHandlers` are keyed by state name
 * and passed down to nested state machines) is dispatched to the runtime's `TaskDispatcher` with its Resource ARN
 * and its effective input (after InputPath and Parameters). A dispatcher error becomes a state error named after
 * `error.name` (use `TaskError`), which Retry/Catch match; its message is the Cause.
 *
 * Time: Wait states and Retry intervals use the global `setTimeout`/`Date`, i.e. the VirtualClock when one is
 * installed, so `advanceTo` drives them. Tasks without `TimeoutSeconds` get Step Functions' default (99999999 s,
 * i.e. none) rather than the library's 60 s (only with a VirtualClock installed, whose long-timer support this needs;
 * without it, 2^31-1 ms). Each Task dispatch is tracked as in-flight work on the VirtualClock.
 *
 * Node 20: the library calls `Promise.withResolvers` (Node 22+); this module installs a polyfill at load.
 *
 * ## History events (estimate)
 *
 * AWS ends an execution at 25,000 history events (FAILED, States.Runtime). The library's event log has no such
 * events, so they are estimated from its events:
 * - execution started: 1; execution succeeded/failed/aborted/timed out: 1;
 * - every state entered: 1 (XStateEntered), exited: 1 (XStateExited; a Fail state has none);
 * - Task: +3 per attempt (TaskScheduled, TaskStarted, TaskSucceeded|TaskFailed; LambdaFunction* alike), so a
 *   successful Task is 5 and each retry adds 3;
 * - Map and Parallel: +2 (MapStateStarted, MapStateSucceeded), and each Map iteration +2 (MapIterationStarted,
 *   MapIterationSucceeded|Failed), so a Map is 4 + 2 per iteration + its inner states;
 * - Wait, Choice, Pass, Succeed: 2.
 * When the estimate reaches `maxHistoryEvents` (default 25,000) the execution fails with States.Runtime, as on AWS.
 *
 * ## State transitions (billing)
 *
 * One per state entered (in Map iterations too) plus one per retry attempt.
 *
 * Wait states truncate their timestamp (`Timestamp`, `TimestampPath`) to whole seconds, as AWS does (see
 * {@link truncateWaitTimestamps}).
 *
 * ## Known differences from AWS Step Functions
 * - `$$.State.EnteredTime` is the virtual time at which the path is evaluated (the state's input processing, so
 *   the time it was entered; in a ResultSelector it is later); `$$.State.RetryCount` is always 0; `$$.State.Name`,
 *   `$$.Task.Token` and `$$.Execution.RedriveCount` are absent; inside a Map iteration `$$.Execution.Input` and
 *   `$$.Execution.StartTime` are the iteration's.
 * - JSONata, distributed Map (ItemReader, ResultWriter, ToleratedFailure*), activities, callbacks (.waitForTaskToken)
 *   and .sync integrations are not run (a dispatcher may emulate them); Map's MaxConcurrency 0 means 40.
 * - `States.JsonMerge` is shallow only (as on AWS) and mutates its first argument.
 * - Payload size (256 KiB) is checked on state outputs only (States.DataLimitExceeded), by JSON length in UTF-16
 *   units. History events are an estimate (above). Execution names: see `NameRule`.
 * - StopExecution of an execution that already ended is a no-op that returns its stop date (AWS's behaviour, as far
 *   as documented). Names of ended executions can be reused after 90 days (virtual time).
 * - Express workflows (`type: 'EXPRESS'`) run like Standard ones, with four differences that AWS has too: StartExecution
 *   is not idempotent (a name in use is ExecutionAlreadyExists even with the same input); an execution still running
 *   after 5 minutes of virtual time ends TIMED_OUT with error `States.Timeout` (AWS's maximum Express duration); a
 *   definition with a `.sync` or `.waitForTaskToken` Task is refused, as CreateStateMachine refuses it; and they are
 *   billed by requests and duration (see `StepFunctionsStats`). Unlike AWS, their executions are kept and can be
 *   described and stopped here (AWS has no DescribeExecution/StopExecution for Express), so tests can inspect them.
 *
 * ## Express billing (stats)
 *
 * Express workflows are billed per request (execution started) and per GB-second of duration, "calculated from the time
 * your workflow begins executing until it completes or otherwise terminates, rounded up to the nearest 100ms", for the
 * memory the execution uses in 64-MB chunks. Locally each ended execution's virtual duration is rounded up to 100 ms
 * (at least 100 ms: no real execution takes no time) and billed at 64 MB, the smallest chunk (a state of a few KB uses
 * no more). Virtual time does not include the real time Lambda functions and other Tasks take, so on AWS the duration
 * is longer by that time.
 * @see https://aws.amazon.com/step-functions/pricing/
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (Express: maximum duration 5 minutes)
 */
import { createHash, randomUUID } from 'crypto';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as os from 'os';
import * as path from 'path';
import type * as Alsf from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };
import { AwsError, OperationHandler } from './aws-endpoint';
import { VirtualClock } from './virtual-clock';

function installWithResolversPolyfill(): void {
  const P = Promise as any;
  if (typeof P.withResolvers !== 'function') {
    Object.defineProperty(Promise, 'withResolvers', {
      configurable: true,
      writable: true,
      value: function withResolvers<T>() {
        let resolve!: (v: T | PromiseLike<T>) => void;
        let reject!: (e?: unknown) => void;
        const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
        return { promise, resolve, reject };
      },
    });
  }
}
installWithResolversPolyfill();

/**
 * Step Functions "considers the time value up to seconds and truncates milliseconds" of a Wait's timestamp, so a
 * Wait until `10:00:00.900Z` ends at `10:00:00Z`. aws-local-stepfunctions waits to the millisecond, which would hide
 * a tick emitted up to 999 ms before its `scheduledAt` on AWS. These are the two places its Wait state turns a
 * timestamp (`Timestamp`, then `TimestampPath`) into a date; each must be found exactly once.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html
 */
const WAIT_TIMESTAMP_SOURCES = [
  'const dateTimestamp = new Date(state.Timestamp);',
  'const dateTimestamp = new Date(timestamp);',
];

/** The library's source with every Wait timestamp truncated to whole seconds, as AWS does. */
export function truncateWaitTimestamps(source: string): string {
  let patched = source;
  for (const snippet of WAIT_TIMESTAMP_SOURCES) {
    if (patched.split(snippet).length !== 2) {
      throw new Error(`aws-local-stepfunctions changed: expected "${snippet}" once in its Wait state; update truncateWaitTimestamps`);
    }
    const value = snippet.slice('const dateTimestamp = new Date('.length, -');'.length);
    patched = patched.replace(snippet, `const dateTimestamp = new Date(Math.floor(new Date(${value}).getTime() / 1e3) * 1e3);`);
  }
  return patched;
}

/**
 * aws-local-stepfunctions (its CommonJS build), with Waits truncated to whole seconds: a copy patched by
 * {@link truncateWaitTimestamps}, written once to the OS temporary directory (named by its content hash) with its
 * own `require`s resolved from the library's folder, and loaded by the caller's `require` (so jest's fake globals
 * apply to it as to the rest of the runtime).
 */
function loadLocalStepFunctions(): typeof Alsf {
  const entry = require.resolve('aws-local-stepfunctions');
  const requireFromLibrary = createRequire(entry);
  const patched = truncateWaitTimestamps(fs.readFileSync(entry, 'utf8'))
    .replace(/require\("([^"]+)"\)/g, (_call, id: string) => `require(${JSON.stringify(requireFromLibrary.resolve(id))})`);
  const hash = createHash('sha256').update(patched).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `aws-local-stepfunctions-whole-second-waits-${hash}.cjs`);
  if (!fs.existsSync(file)) {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, patched);
    fs.renameSync(temporary, file);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file);
}

const alsf: typeof Alsf = loadLocalStepFunctions();

export const STANDARD_DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;
export const MAX_HISTORY_EVENTS = 25_000;
export const MAX_PAYLOAD_CHARS = 262_144;
const NAME_REUSE_MS = 90 * 24 * 3600 * 1000;
/** The maximum duration of an Express execution. */
export const EXPRESS_MAX_DURATION_MS = 5 * 60 * 1000;
/** Express duration is billed in 100 ms increments, for the memory used in 64-MB chunks (we bill one chunk). */
export const EXPRESS_BILLING_INCREMENT_MS = 100;
export const EXPRESS_BILLED_MEMORY_GB = 64 / 1024;

export type StateMachineType = 'STANDARD' | 'EXPRESS';

/** The billed duration of an Express execution that ran `durationMs`: rounded up to 100 ms, at least 100 ms. */
export function expressBilledDurationMs(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs / EXPRESS_BILLING_INCREMENT_MS)) * EXPRESS_BILLING_INCREMENT_MS;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/**
 * 'strict' (default): 1-80 characters of [0-9A-Za-z_-] (what Step Functions needs for CloudWatch logging).
 * 'aws': what StartExecution accepts: 1-80 characters, no white space, none of < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /
 * and no control characters.
 */
export type NameRule = 'strict' | 'aws';

export function isValidExecutionName(name: string, rule: NameRule = 'strict'): boolean {
  if (rule === 'strict') return /^[0-9A-Za-z_-]{1,80}$/.test(name);
  // eslint-disable-next-line no-control-regex
  return [...name].length >= 1 && [...name].length <= 80 && !/[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(name);
}

/** An error a Task fails with: `name` is the Error (what Retry/Catch match), `message` the Cause. */
export class TaskError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

export interface TaskInvocation {
  readonly stateMachineArn: string;
  readonly executionArn: string;
  readonly executionName: string;
  readonly stateName: string;
  readonly resource: string;
  /** The effective input (after InputPath and Parameters): for `arn:aws:states:::lambda:invoke`, `{ FunctionName, Payload }`. */
  readonly input: any;
  /** The Task state's definition (e.g. to read TimeoutSeconds). */
  readonly state: any;
  /**
   * Stops counting this Task as in-flight work on the VirtualClock, for a dispatcher that waits on work the clock
   * tracks by itself (a child execution of `startExecution.sync`): otherwise every timer the child waits for would
   * be fired only after the clock's stall delay.
   */
  readonly detachFromClock?: () => void;
}

/** Runs a Task: returns its result, or throws (preferably a TaskError). */
export type TaskDispatcher = (task: TaskInvocation) => Promise<any> | any;

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  /** The type of its state machine. */
  readonly type: StateMachineType;
  /** The input as given to StartExecution (a JSON string). */
  readonly input: string;
  status: ExecutionStatus;
  readonly startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  stateTransitions: number;
  historyEvents: number;
  /** Resolves when the execution ends (never rejects). */
  readonly done: Promise<ExecutionRecord>;
}

export interface LocalStateMachineOptions {
  readonly stateMachineArn: string;
  /** The parsed ASL definition. */
  readonly definition: any;
  readonly dispatch: TaskDispatcher;
  /** Default 'STANDARD'. */
  readonly type?: StateMachineType;
  readonly roleArn?: string;
  readonly nameRule?: NameRule;
  /** Default 25,000 (AWS's quota); set Infinity to disable. */
  readonly maxHistoryEvents?: number;
  /** Called when an execution starts (status RUNNING), after StartExecution has registered it. */
  readonly onExecutionStart?: (execution: ExecutionRecord) => void;
  /** Called when an execution ends. */
  readonly onExecutionEnd?: (execution: ExecutionRecord) => void;
  /** Default: `VirtualClock.current()` at each use. */
  readonly clock?: () => VirtualClock | undefined;
}

export interface StepFunctionsStats {
  readonly executionsStarted: number;
  /** Every state transition, of Standard and Express machines alike (one per state entered plus one per retry). */
  readonly stateTransitions: number;
  /** The transitions of Standard machines (what Standard workflows are billed for). */
  readonly standardStateTransitions: number;
  /** The transitions of Express machines (not billed: Express is billed by requests and duration). */
  readonly expressStateTransitions: number;
  /** Express executions started (billed requests). */
  readonly expressRequests: number;
  /** The billed duration of the Express executions that ended: each rounded up to 100 ms. */
  readonly expressBilledDurationMs: number;
  /** `expressBilledDurationMs` at 64 MB, in GB-seconds (what the duration charge is per). */
  readonly expressGbSeconds: number;
  readonly maxHistoryEventsPerExecution: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly aborted: number;
  readonly timedOut: number;
}

interface Running {
  readonly record: ExecutionRecord;
  abort(): void;
  finish(status: ExecutionStatus, fields?: { output?: string; error?: string; cause?: string }): void;
}

/** Every Task state of a definition (nested Map ItemProcessor/Iterator and Parallel Branches included), by name. */
export function taskStates(definition: any): Map<string, any> {
  const out = new Map<string, any>();
  const walk = (machine: any) => {
    for (const [name, state] of Object.entries<any>(machine?.States ?? {})) {
      if (state.Type === 'Task') {
        if (out.has(name)) throw new Error(`Duplicate Task state name ${name}`);
        out.set(name, state);
      }
      if (state.Type === 'Map') walk(state.ItemProcessor ?? state.Iterator);
      if (state.Type === 'Parallel') for (const b of state.Branches ?? []) walk(b);
    }
  };
  walk(definition);
  return out;
}

/** A copy of the definition where Tasks without a timeout get `seconds` (Step Functions has no default timeout). */
function withDefaultTaskTimeout(definition: any, seconds: number): any {
  const copy = JSON.parse(JSON.stringify(definition));
  const walk = (machine: any) => {
    for (const state of Object.values<any>(machine?.States ?? {})) {
      if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        state.TimeoutSeconds = seconds;
      }
      if (state.Type === 'Map') walk(state.ItemProcessor ?? state.Iterator);
      if (state.Type === 'Parallel') for (const b of state.Branches ?? []) walk(b);
    }
  };
  walk(copy);
  return copy;
}

export class LocalStateMachine {
  public readonly stateMachineArn: string;
  public readonly name: string;
  public readonly definition: any;
  private readonly machine: Alsf.StateMachine;
  private readonly tasks: Map<string, any>;
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, Running>();
  private readonly clock: () => VirtualClock | undefined;
  private readonly maxHistoryEvents: number;
  public readonly type: StateMachineType;
  private started = 0;
  private transitions = 0;
  private maxHistory = 0;
  private billedMs = 0;

  constructor(private readonly options: LocalStateMachineOptions) {
    this.stateMachineArn = options.stateMachineArn;
    this.name = options.stateMachineArn.split(':').pop()!;
    this.definition = options.definition;
    this.clock = options.clock ?? (() => VirtualClock.current());
    this.maxHistoryEvents = options.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
    this.type = options.type ?? 'STANDARD';
    this.tasks = taskStates(options.definition);
    if (this.type === 'EXPRESS') {
      for (const [stateName, state] of this.tasks) {
        if (typeof state.Resource === 'string' && /\.(sync(:\d+)?|waitForTaskToken)$/.test(state.Resource)) {
          throw new Error(`Express state machine ${this.name}: Task ${stateName} uses ${state.Resource}; Express workflows `
            + 'support neither .sync nor .waitForTaskToken integrations (CreateStateMachine refuses the definition)');
        }
      }
    }
    const timeout = this.clock() ? STANDARD_DEFAULT_TASK_TIMEOUT_SECONDS : Math.floor(2_147_483_647 / 1000);
    this.machine = new alsf.StateMachine(withDefaultTaskTimeout(options.definition, timeout), {
      validationOptions: { checkArn: true, checkPaths: true },
    });
  }

  /**
   * StartExecution. Same name and same input as a RUNNING execution: returns that execution (idempotent, Standard);
   * same name otherwise: ExecutionAlreadyExists; invalid name: InvalidName; invalid JSON: InvalidExecutionInput.
   */
  public startExecution(request: { name?: string; input?: string } = {}): { executionArn: string; startDate: Date } {
    const name = request.name ?? randomUUID();
    const input = request.input ?? '{}';
    if (!isValidExecutionName(name, this.options.nameRule)) {
      throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
    }
    let parsed: any;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new AwsError('InvalidExecutionInput', 'Invalid State Machine Execution Input: \'Malformed JSON\'');
    }
    if (input.length > MAX_PAYLOAD_CHARS) {
      throw new AwsError('InvalidExecutionInput', 'The execution input exceeds the maximum size of 262144 bytes');
    }
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.records.get(executionArn);
    if (existing) {
      const idempotent = this.type !== 'EXPRESS' && existing.status === 'RUNNING' && existing.input === input;
      if (idempotent) return { executionArn, startDate: existing.startDate };
      const reusable = existing.status !== 'RUNNING' && existing.stopDate && Date.now() - existing.stopDate.getTime() >= NAME_REUSE_MS;
      if (!reusable) throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    this.launch(executionArn, name, input, parsed);
    return { executionArn, startDate: this.records.get(executionArn)!.startDate };
  }

  /** StopExecution: aborts a running execution; ExecutionDoesNotExist for an unknown one; no-op once ended. */
  public stopExecution(request: { executionArn: string; error?: string; cause?: string }): { stopDate: Date } {
    const record = this.records.get(request.executionArn);
    if (!record) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
    const run = this.running.get(request.executionArn);
    if (run) {
      run.finish('ABORTED', { error: request.error, cause: request.cause });
      run.abort();
    }
    return { stopDate: record.stopDate! };
  }

  /**
   * Fails a running execution from outside, the way AWS ends one on an error no Catch can handle (a States.Runtime
   * error, the history quota): status FAILED, nothing of it runs any more. Returns false if it was not running.
   */
  public failExecution(executionArn: string, error = 'States.Runtime', cause = 'Injected fault: an uncatchable runtime error'): boolean {
    const run = this.running.get(executionArn);
    if (!run) return false;
    run.finish('FAILED', { error, cause });
    run.abort();
    return true;
  }

  /** DescribeExecution. */
  public describeExecution(request: { executionArn: string }): Record<string, any> {
    const r = this.records.get(request.executionArn);
    if (!r) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
    return {
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      status: r.status,
      startDate: r.startDate,
      stopDate: r.stopDate,
      input: r.input,
      inputDetails: { included: true },
      output: r.output,
      outputDetails: r.output !== undefined ? { included: true } : undefined,
      error: r.error,
      cause: r.cause,
    };
  }

  public execution(executionArn: string): ExecutionRecord | undefined {
    return this.records.get(executionArn);
  }

  public executions(): ExecutionRecord[] {
    return [...this.records.values()];
  }

  public stats(): StepFunctionsStats {
    const all = this.executions();
    const count = (s: ExecutionStatus) => all.filter(e => e.status === s).length;
    const express = this.type === 'EXPRESS';
    return {
      executionsStarted: this.started,
      stateTransitions: this.transitions,
      standardStateTransitions: express ? 0 : this.transitions,
      expressStateTransitions: express ? this.transitions : 0,
      expressRequests: express ? this.started : 0,
      expressBilledDurationMs: this.billedMs,
      expressGbSeconds: (this.billedMs / 1000) * EXPRESS_BILLED_MEMORY_GB,
      maxHistoryEventsPerExecution: this.maxHistory,
      running: count('RUNNING'),
      succeeded: count('SUCCEEDED'),
      failed: count('FAILED'),
      aborted: count('ABORTED'),
      timedOut: count('TIMED_OUT'),
    };
  }

  /** Aborts every running execution (status ABORTED). */
  public stopAll(): void {
    for (const arn of [...this.running.keys()]) this.stopExecution({ executionArn: arn });
  }

  private launch(executionArn: string, name: string, input: string, parsed: any): void {
    let resolveDone!: (r: ExecutionRecord) => void;
    const done = new Promise<ExecutionRecord>(resolve => { resolveDone = resolve; });
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: this.stateMachineArn,
      name,
      type: this.type,
      input,
      status: 'RUNNING',
      startDate: new Date(),
      stateTransitions: 0,
      historyEvents: 0,
      done,
    };
    this.records.set(executionArn, record);
    this.started++;

    const handlers: Record<string, (input: any) => Promise<any>> = {};
    for (const [stateName, state] of this.tasks) {
      handlers[stateName] = (taskInput: any) => this.runTask(record, stateName, state, taskInput);
    }
    const execution = this.machine.run(parsed, {
      overrides: { taskResourceLocalHandlers: handlers as any },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: this.options.roleArn ?? 'arn:aws:iam::123456789012:role/local' },
        StateMachine: { Id: this.stateMachineArn, Name: this.name },
        // The library has no $$.State: EnteredTime reads the (virtual) clock when a path is evaluated, which is
        // when the state's InputPath/Parameters are processed, right after it is entered.
        State: Object.defineProperties({}, {
          EnteredTime: { enumerable: true, get: () => new Date().toISOString() },
          RetryCount: { enumerable: true, value: 0 },
        }),
      },
    });

    // Status changes at once; `done` and onExecutionEnd wait until the event log is drained (counts are final).
    let sealed = false; // ended from outside the library (stop, quota): ignore the library's trailing events
    const finish = (status: ExecutionStatus, fields: { output?: string; error?: string; cause?: string } = {},
      external = false) => {
      if (record.status !== 'RUNNING') return;
      record.status = status;
      record.stopDate = new Date();
      if (expressDeadline !== undefined) clearTimeout(expressDeadline);
      if (this.type === 'EXPRESS') {
        this.billedMs += expressBilledDurationMs(record.stopDate.getTime() - record.startDate.getTime());
      }
      if (fields.output !== undefined) record.output = fields.output;
      if (fields.error !== undefined) record.error = fields.error;
      if (fields.cause !== undefined) record.cause = fields.cause;
      this.running.delete(executionArn);
      if (external) {
        sealed = true;
        this.addHistory(record, 1); // ExecutionAborted | ExecutionFailed
      }
    };
    const failWith = (error: string, cause: string) => {
      finish('FAILED', { error, cause }, true);
      execution.abort();
    };
    this.running.set(executionArn, {
      record,
      abort: execution.abort,
      finish: (status, fields) => finish(status, fields, true),
    });
    // Express: an execution still running after 5 minutes ends TIMED_OUT, as on AWS.
    const expressDeadline = this.type === 'EXPRESS' ? setTimeout(() => {
      finish('TIMED_OUT', {
        error: 'States.Timeout',
        cause: `The execution exceeded the maximum duration of Express workflows (${EXPRESS_MAX_DURATION_MS / 1000} seconds).`,
      }, true);
      execution.abort();
    }, EXPRESS_MAX_DURATION_MS) : undefined;
    this.options.onExecutionStart?.(record);

    const drained = this.consumeEvents(record, execution.eventLogs, () => sealed, failWith);
    const settled = execution.result.then(
      output => {
        // null after an abort (noThrowOnAbort): the status is already set
        if (record.status === 'RUNNING') finish('SUCCEEDED', { output: JSON.stringify(output) });
      },
      (e: any) => {
        if (e instanceof alsf.ExecutionTimeoutError) {
          finish('TIMED_OUT', { error: 'States.Timeout' });
        } else if (e instanceof alsf.ExecutionAbortedError) {
          finish('ABORTED', {}, true);
        } else {
          const cause = e?.cause ?? e;
          finish('FAILED', { error: cause?.name ?? 'States.Runtime', cause: cause?.message ?? String(cause) });
        }
        // The library fails the execution but lets a Map's queued iterations run on (a failed iteration with
        // MaxConcurrency 1 still starts the next ones); on AWS nothing of a failed execution runs any more.
        execution.abort();
      },
    );
    void Promise.all([drained.catch(() => undefined), settled]).then(() => {
      resolveDone(record);
      this.options.onExecutionEnd?.(record);
    });
  }

  private async runTask(record: ExecutionRecord, stateName: string, state: any, input: any): Promise<any> {
    if (record.status !== 'RUNNING') {
      // A state of an execution that already ended (see `launch`): it must have no effect.
      throw new TaskError('States.Runtime', `Execution ${record.executionArn} has ended (${record.status})`);
    }
    const clock = this.clock();
    const end = clock?.begin(`task:${stateName}`, 'work');
    const invocation: TaskInvocation = {
      stateMachineArn: this.stateMachineArn,
      executionArn: record.executionArn,
      executionName: record.name,
      stateName,
      resource: state.Resource,
      input,
      state,
      detachFromClock: () => end?.(),
    };
    // A dispatch that outlives the Task's timeout no longer holds the clock: the library has moved on.
    const timeoutSeconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined;
    const release = end && timeoutSeconds !== undefined ? setTimeout(end, timeoutSeconds * 1000) : undefined;
    try {
      const result = await this.options.dispatch(invocation);
      if (result !== undefined && JSON.stringify(result).length > MAX_PAYLOAD_CHARS) {
        throw new TaskError('States.DataLimitExceeded',
          `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit.`);
      }
      return result;
    } finally {
      if (release !== undefined) clearTimeout(release);
      end?.();
    }
  }

  private addHistory(record: ExecutionRecord, n: number): void {
    record.historyEvents += n;
    if (record.historyEvents > this.maxHistory) this.maxHistory = record.historyEvents;
  }

  private async consumeEvents(record: ExecutionRecord, events: AsyncGenerator<any>, isSealed: () => boolean,
    failWith: (error: string, cause: string) => void): Promise<void> {
    for await (const event of events) {
      if (isSealed()) continue; // stopped or failed from outside: AWS records nothing more
      switch (event.type) {
        case 'ExecutionStarted':
        case 'ExecutionSucceeded':
        case 'ExecutionFailed':
        case 'ExecutionTimeout':
          this.addHistory(record, 1);
          break;
        case 'StateEntered': {
          record.stateTransitions++;
          this.transitions++;
          const type = event.state?.type;
          this.addHistory(record, 1 + (type === 'Task' ? 3 : type === 'Map' || type === 'Parallel' ? 2 : 0));
          break;
        }
        case 'StateRetried':
          record.stateTransitions++;
          this.transitions++;
          this.addHistory(record, 3);
          break;
        case 'StateExited': {
          this.addHistory(record, 1);
          const output = event.state?.output;
          if (record.status === 'RUNNING' && output !== undefined && JSON.stringify(output).length > MAX_PAYLOAD_CHARS) {
            failWith('States.DataLimitExceeded',
              `The state/task '${event.state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`);
          }
          break;
        }
        case 'MapIterationStarted':
        case 'MapIterationSucceeded':
        case 'MapIterationFailed':
          this.addHistory(record, 1);
          break;
        default:
          break;
      }
      if (record.status === 'RUNNING' && record.historyEvents >= this.maxHistoryEvents - 1) {
        failWith('States.Runtime', `The execution reached the maximum number of history events (${this.maxHistoryEvents}).`);
      }
    }
  }
}

/** Several state machines by ARN, with the endpoint's Step Functions operations. */
export class StepFunctionsLocal {
  private readonly machines = new Map<string, LocalStateMachine>();

  public add(machine: LocalStateMachine): LocalStateMachine {
    this.machines.set(machine.stateMachineArn, machine);
    return machine;
  }

  public machine(stateMachineArn: string): LocalStateMachine {
    const m = this.machines.get(stateMachineArn);
    if (!m) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return m;
  }

  public all(): LocalStateMachine[] {
    return [...this.machines.values()];
  }

  /** The machine an execution ARN belongs to. */
  public machineOfExecution(executionArn: string): LocalStateMachine {
    const m = /^(arn:[^:]+:states:[^:]*:[^:]*):execution:([^:]+):[^:]+$/.exec(executionArn);
    const machine = m ? this.machines.get(`${m[1]}:stateMachine:${m[2]}`) : undefined;
    if (!machine) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return machine;
  }

  public stats(): StepFunctionsStats {
    const all = this.all().map(m => m.stats());
    const sum = (k: keyof StepFunctionsStats) => all.reduce((n, s) => n + s[k], 0);
    return {
      executionsStarted: sum('executionsStarted'),
      stateTransitions: sum('stateTransitions'),
      standardStateTransitions: sum('standardStateTransitions'),
      expressStateTransitions: sum('expressStateTransitions'),
      expressRequests: sum('expressRequests'),
      expressBilledDurationMs: sum('expressBilledDurationMs'),
      expressGbSeconds: sum('expressGbSeconds'),
      maxHistoryEventsPerExecution: Math.max(0, ...all.map(s => s.maxHistoryEventsPerExecution)),
      running: sum('running'),
      succeeded: sum('succeeded'),
      failed: sum('failed'),
      aborted: sum('aborted'),
      timedOut: sum('timedOut'),
    };
  }

  public stopAll(): void {
    for (const m of this.all()) m.stopAll();
  }

  /** StartExecution / StopExecution / DescribeExecution for the local endpoint's `sfn` route. */
  public endpointHandlers(): Record<string, OperationHandler> {
    return {
      StartExecution: (input: any) => this.machine(input.stateMachineArn).startExecution({ name: input.name, input: input.input }),
      StopExecution: (input: any) => this.machineOfExecution(input.executionArn).stopExecution(input),
      DescribeExecution: (input: any) => this.machineOfExecution(input.executionArn).describeExecution(input),
    };
  }
}
