/**
 * A generic local runtime for any synthesized stack made of Lambda functions, Step Functions state machines,
 * EventBridge buses and rules, and DynamoDB tables: the same pieces `LocalScheduler` assembles for a
 * `DynamicScheduler` (TemplateResolver, LocalFunction, LocalEventBus, StepFunctionsLocal, dynalite, the local AWS
 * endpoint and the VirtualClock), for a template of your own (e.g. a baseline design in a benchmark).
 *
 * - Functions run the module their asset directory holds (`<asset>/<handler file>.js`, or the `.ts` file of that
 *   name when there is no `.js`, which works under ts-node and jest); the app must be synthesized with
 *   `localAppContext`.
 * - State machines of both types (`StateMachineType: EXPRESS` is billed apart in the stats, and limited to 5 minutes).
 * - Task states can call Lambda (both integrations), `events:putEvents`, DynamoDB (optimized and AWS SDK) and Step
 *   Functions (`states:startExecution`, `.sync`, `.sync:2`).
 * - Rules with an EventPattern get the events put on their bus; rules with a ScheduleExpression (`rate(...)`,
 *   `cron(...)`) fire on the virtual clock. Lambda targets are invoked, state machine targets started.
 * - Standard executions send `Step Functions Execution Status Change` events to the default bus (see
 *   `statusChangeEvents`); Express executions send none, as on AWS.
 * - Only one LocalStack or LocalScheduler may be open in a process at a time (one VirtualClock).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyAwsEnvironment, awsEnvironment, LocalAwsEndpoint, sharedAwsEndpoint } from './aws-endpoint';
import { DynamoDbLocal, sharedDynamoDb } from './dynamodb-local';
import { LocalEventBus, PutEventsEntry } from './event-bus-local';
import { handlerModule, LocalFunction } from './lambda-local';
import { ExecutionRecord, LocalStateMachine, StepFunctionsLocal, TaskInvocation } from './step-functions-local';
import { recordedTargetNote, unsupportedFunctionNote } from './target-notes';
import {
  dynamoDbTask, isDynamoDbTask, isLambdaArn, isStepFunctionsTask, LAMBDA_INVOKE, lambdaTask, stepFunctionsTask,
} from './task-integrations';
import { FunctionInfo, RuleTarget, Template, TemplateResolver } from './template-resolver';
import { VirtualClock } from './virtual-clock';

export interface LocalStackOptions {
  /** Name the resolver gives the stack (generated physical names start with it). Default 'LocalStack'. */
  readonly stackName?: string;
  /** Virtual time to start at. Default: now. */
  readonly now?: Date;
  /** Give each function a private copy of its module (fresh module-scope state). Default false. */
  readonly isolateFunctions?: boolean;
  /**
   * Which `Step Functions Execution Status Change` events Standard executions send to the default bus. AWS sends one
   * on every status change (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED); 'unsuccessful' sends only FAILED,
   * TIMED_OUT and ABORTED, the ones rules usually react to, to keep the bus's event log small. Express executions send
   * none either way (AWS sends none for them).
   * @default 'all'
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
   */
  readonly statusChangeEvents?: StatusChangeEvents;
  /**
   * Keep every function invocation's event and outcome (`LocalFunction.calls()`) and every delivery's input
   * (`bus.deliveries()`): what a user's test asserts on; memory grows with each one.
   * @default false
   */
  readonly recordInvocations?: boolean;
  /**
   * The code directory of functions by logical id, for a template synthesized without `localAppContext` (no
   * `aws:asset:path` metadata): `LocalScheduler.fromStack` reads them from the stack's asset constructs.
   * @default - the functions' `aws:asset:path` metadata
   */
  readonly codePaths?: Record<string, string>;
  /**
   * Whether a rule target that is a state machine of the template is started ('run') or recorded with a note
   * ('record'). `LocalScheduler.fromStack` records a user's own state machines: their Tasks may call services the
   * local runtime does not have.
   * @default 'run'
   */
  readonly stateMachineTargets?: 'run' | 'record';
  /**
   * Buses that exist besides the template's (e.g. one the stack imports by name), so that events can be put on them.
   * @default - the default bus, the template's buses and the buses its rules are on
   */
  readonly eventBusNames?: string[];
}

export type StatusChangeEvents = 'all' | 'unsuccessful';

const UNSUCCESSFUL: ReadonlySet<string> = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/** Counters of a LocalStack, summed over all its functions, state machines and tables. */
export interface LocalStackStats {
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  /** Successful write requests (items, for batch writes). */
  readonly dynamoWrites: number;
  /** Writes rejected by their condition (DynamoDB bills them as writes). */
  readonly dynamoConditionalCheckFailures: number;
  readonly dynamoReads: number;
  /** Read request units billed (on demand), by item size: see dynamodb-local.ts. */
  readonly dynamoReadUnits: number;
  /** Write request units billed (on demand), by item size, writes refused by their condition included. */
  readonly dynamoWriteUnits: number;
  readonly executionsStarted: number;
  readonly maxHistoryEventsPerExecution: number;
  /** The transitions of Standard state machines (`stateTransitions` counts Express ones too). */
  readonly standardStateTransitions: number;
  readonly expressStateTransitions: number;
  /** Express executions started. */
  readonly expressRequests: number;
  /** Each ended Express execution's virtual duration rounded up to 100 ms, summed. */
  readonly expressBilledDurationMs: number;
  /** `expressBilledDurationMs` at 64 MB, in GB-seconds. */
  readonly expressGbSeconds: number;
}

let instances = 0;

export class LocalStack {
  /** Starts everything a synthesized template needs locally and installs the VirtualClock. */
  public static async create(template: Template, options: LocalStackOptions = {}): Promise<LocalStack> {
    if (VirtualClock.current()) {
      throw new Error('Another local runtime is open in this process; close() it first');
    }
    instances += 1;
    const stackName = options.stackName ?? 'LocalStack';
    const resolver = new TemplateResolver(template, { stackName, suffix: `${process.pid}s${instances}` });
    const [dynamo, endpoint] = await Promise.all([sharedDynamoDb(), sharedAwsEndpoint()]);
    const restoreEnv = applyAwsEnvironment(awsEnvironment(endpoint.url, dynamo.endpoint));
    const clock = VirtualClock.install({ now: options.now ?? new Date() });
    let local: LocalStack;
    try {
      local = new LocalStack(resolver, dynamo, endpoint, clock, restoreEnv, options);
    } catch (error) {
      clock.uninstall();
      restoreEnv();
      throw error;
    }
    try {
      for (const table of resolver.tables()) await dynamo.createTable(table.properties, table.name);
      local.restoreRoute = endpoint.route({ sfn: local.stepFunctions.endpointHandlers(), events: local.bus.endpointHandlers() });
      local.bus.startSchedules();
      return local;
    } catch (error) {
      await local.close();
      throw error;
    }
  }

  public readonly bus: LocalEventBus;
  public readonly stepFunctions = new StepFunctionsLocal();
  public readonly functions: LocalFunction[];
  /** Functions of the template the runtime cannot run (another runtime, a container image), by ARN: why. */
  public readonly unsupportedFunctions: ReadonlyMap<string, string>;
  private readonly inlineCodeDirs: string[] = [];
  /** Physical names of the stack's tables in dynalite. */
  public readonly tableNames: string[];
  private restoreRoute?: () => void;
  private closed = false;
  private readonly statusChangeEvents: StatusChangeEvents;
  private readonly stateMachineTargets: 'run' | 'record';

  private constructor(
    public readonly resolver: TemplateResolver,
    public readonly dynamo: DynamoDbLocal,
    public readonly endpoint: LocalAwsEndpoint,
    public readonly clock: VirtualClock,
    private readonly restoreEnv: () => void,
    options: LocalStackOptions,
  ) {
    const isolateFunctions = options.isolateFunctions ?? false;
    this.statusChangeEvents = options.statusChangeEvents ?? 'all';
    this.stateMachineTargets = options.stateMachineTargets ?? 'run';
    const unsupported = new Map<string, string>();
    this.unsupportedFunctions = unsupported;
    const runnable = resolver.functions().filter((fn) => {
      const note = unsupportedFunctionNote(fn);
      if (note) unsupported.set(fn.arn, note);
      return note === undefined;
    });
    this.functions = runnable.map((fn) => {
      const codePath = options.codePaths?.[fn.logicalId] ?? fn.assetPath ?? this.inlineCodeDir(fn);
      if (!codePath) {
        throw new Error(`Function ${fn.logicalId} (${fn.cdkPath ?? fn.name}) has neither an asset path nor inline code; synthesize the app with localAppContext, or use LocalScheduler.fromStack`);
      }
      const { file, exportName } = handlerModule(codePath, fn.handler);
      const ts = file.replace(/\.js$/, '.ts');
      return new LocalFunction({
        name: fn.name,
        arn: fn.arn,
        modulePath: !fs.existsSync(file) && fs.existsSync(ts) ? ts : file,
        exportName,
        environment: fn.environment,
        timeoutSeconds: fn.timeout,
        memorySize: fn.memorySize,
        isolate: isolateFunctions,
        recordCalls: options.recordInvocations ?? false,
      });
    });
    this.tableNames = resolver.tables().map((t) => t.name);
    this.bus = new LocalEventBus({
      buses: [...resolver.eventBuses().map((b) => b.name), ...(options.eventBusNames ?? [])],
      rules: resolver.rules(),
      recordInputs: options.recordInvocations ?? false,
      describeTarget: (target) => this.describeTarget(target),
      // Lambda and state machine targets run locally; other targets just record the delivery.
      deliver: (target, input) => this.deliver(target.arn, input),
    });
    for (const machine of resolver.stateMachines()) {
      this.stepFunctions.add(new LocalStateMachine({
        stateMachineArn: machine.arn,
        definition: machine.definition,
        type: machine.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
        dispatch: (task) => this.dispatch(task),
        onExecutionStart: (execution) => this.publishStatusChange(execution),
        onExecutionEnd: (execution) => this.publishStatusChange(execution),
      }));
    }
  }

  /** Puts entries (at most 10) on the bus, as PutEvents would, and lets everything they trigger run. */
  public async put(...entries: PutEventsEntry[]): Promise<string[]> {
    const result = this.bus.putEvents({ Entries: entries });
    const failed = result.Entries.find((e) => e.ErrorCode);
    if (failed) throw new Error(`PutEvents failed: ${failed.ErrorCode} ${failed.ErrorMessage}`);
    await this.clock.settle();
    return result.Entries.map((e) => e.EventId);
  }

  public async advanceBy(ms: number): Promise<void> {
    await this.clock.advanceBy(ms);
  }

  public async advanceTo(when: Date): Promise<void> {
    await this.clock.advanceTo(when);
  }

  public now(): Date {
    return this.clock.now();
  }

  public stats(): LocalStackStats {
    const sfn = this.stepFunctions.stats();
    const tables = this.tableNames.map((name) => this.dynamo.stats(name));
    const sum = (pick: (s: typeof tables[number]) => number) => tables.reduce((n, s) => n + pick(s), 0);
    return {
      stateTransitions: sfn.stateTransitions,
      lambdaInvocations: this.functions.reduce((n, fn) => n + fn.invocations, 0),
      dynamoWrites: sum((s) => s.writes),
      dynamoConditionalCheckFailures: sum((s) => s.conditionalCheckFailures),
      dynamoReads: sum((s) => s.reads),
      dynamoReadUnits: sum((s) => s.readUnits),
      dynamoWriteUnits: sum((s) => s.writeUnits),
      executionsStarted: sfn.executionsStarted,
      maxHistoryEventsPerExecution: sfn.maxHistoryEventsPerExecution,
      standardStateTransitions: sfn.standardStateTransitions,
      expressStateTransitions: sfn.expressStateTransitions,
      expressRequests: sfn.expressRequests,
      expressBilledDurationMs: sfn.expressBilledDurationMs,
      expressGbSeconds: sfn.expressGbSeconds,
    };
  }

  /** Stops every execution and releases the clock, the endpoint route, the environment and the tables. */
  public async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.bus.stopSchedules();
    this.stepFunctions.stopAll();
    await this.clock.settle().catch(() => undefined);
    this.restoreRoute?.();
    // The endpoint outlives this runtime (one per process): no fault or interception may leak into the next one.
    this.endpoint.reset();
    this.clock.uninstall();
    this.restoreEnv();
    for (const name of this.tableNames) await this.dynamo.deleteTable(name).catch(() => undefined);
    for (const dir of this.inlineCodeDirs) fs.rmSync(dir, { recursive: true, force: true });
  }

  /** The function with this name or ARN (qualifiers ignored). */
  public functionByArn(nameOrArn: string): LocalFunction | undefined {
    const bare = nameOrArn.replace(/:(\$LATEST|\d+)$/, '');
    return this.functions.find((fn) => fn.arn === bare || fn.name === bare);
  }

  /**
   * A rule target: a Lambda function is invoked, a state machine of the template started (with the input as its
   * input) unless `stateMachineTargets` is 'record'; any other target is only recorded by the bus, with the note
   * `describeTarget` gives it.
   */
  private deliver(arn: string, input: unknown): unknown {
    if (this.isLocalStateMachine(arn)) {
      if (this.stateMachineTargets === 'record') return undefined;
      return this.stepFunctions.machine(arn).startExecution({ input: JSON.stringify(input ?? {}) });
    }
    return this.functionByArn(arn)?.invoke(input);
  }

  /** Why a target is recorded and not run; undefined for the targets that run (functions and state machines). */
  private describeTarget(target: RuleTarget): string | undefined {
    if (this.functionByArn(target.arn)) return undefined;
    if (this.isLocalStateMachine(target.arn)) {
      return this.stateMachineTargets === 'record'
        ? `Target ${target.arn} is a state machine of the stack: recorded, not started (the local runtime runs the scheduler's own state machines only)`
        : undefined;
    }
    return this.unsupportedFunctions.get(target.arn.replace(/:(\$LATEST|\d+)$/, '')) ?? recordedTargetNote(target.arn);
  }

  private isLocalStateMachine(arn: string): boolean {
    return /^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(arn)
      && this.stepFunctions.all().some((machine) => machine.stateMachineArn === arn);
  }

  /** A temporary directory holding a `Code.fromInline` function's code as its handler's module, or undefined. */
  private inlineCodeDir(fn: FunctionInfo): string | undefined {
    if (fn.inlineCode === undefined) return undefined;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-dynamic-scheduler-local-inline-'));
    this.inlineCodeDirs.push(dir);
    fs.writeFileSync(handlerModule(dir, fn.handler).file, fn.inlineCode);
    return dir;
  }

  /**
   * Step Functions sends a `Step Functions Execution Status Change` event to the account's default bus whenever a
   * Standard execution changes status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, the last one also for
   * StopExecution), and none for Express executions. `statusChangeEvents: 'unsuccessful'` keeps FAILED, TIMED_OUT and
   * ABORTED only. Nothing is sent once the runtime is closing (close() stops every execution: not a user's action).
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
   */
  private publishStatusChange(execution: ExecutionRecord): void {
    if (this.closed || execution.type === 'EXPRESS') return;
    if (this.statusChangeEvents === 'unsuccessful' && !UNSUCCESSFUL.has(execution.status)) return;
    this.bus.putEvents({
      Entries: [{
        Source: 'aws.states',
        DetailType: 'Step Functions Execution Status Change',
        EventBusName: 'default',
        Resources: [execution.executionArn],
        Detail: JSON.stringify({
          executionArn: execution.executionArn,
          stateMachineArn: execution.stateMachineArn,
          name: execution.name,
          status: execution.status,
          startDate: execution.startDate.getTime(),
          stopDate: execution.stopDate?.getTime() ?? null,
          input: execution.input,
          inputDetails: { included: true },
          output: execution.status === 'SUCCEEDED' ? execution.output ?? null : null,
          outputDetails: execution.status === 'SUCCEEDED' ? { included: true } : null,
          error: execution.error ?? null,
          cause: execution.cause ?? null,
        }),
      }],
    });
  }

  private dispatch(task: TaskInvocation): unknown {
    const { resource, input } = task;
    if (resource === 'arn:aws:states:::events:putEvents') return this.bus.putEventsTask(input);
    if (resource === LAMBDA_INVOKE || isLambdaArn(resource)) return lambdaTask(resource, input, (arn) => this.functionByArn(arn));
    if (isDynamoDbTask(resource)) return dynamoDbTask(resource, input, this.dynamo);
    if (isStepFunctionsTask(resource)) return stepFunctionsTask(task, this.stepFunctions);
    throw new Error(`The local runtime has no integration for Task resource ${resource} (state ${task.stateName})`);
  }
}
