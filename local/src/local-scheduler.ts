/**
 * The local runtime: a `DynamicScheduler` synthesized into a CloudFormation template, run end to end
 * on this machine under a virtual clock.
 *
 * - the state machine definition is the synthesized one (tokens resolved to local names), executed by
 *   aws-local-stepfunctions;
 * - the handlers are the bundles in assets/ that ship in the npm package, loaded from the functions'
 *   asset metadata, with the environment the template gives them;
 * - DynamoDB is dynalite on 127.0.0.1, with the table created from the template's definition;
 * - the bus routes every event to the synthesized rules by matching their EventPatterns;
 * - time is virtual: it moves only when `advanceBy`/`advanceTo` say so, and everything due happens in
 *   time order across all executions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { BusEvent } from './event-bus-local';
import { LocalFunction } from './lambda-local';
import { DynamicScheduler, DynamicSchedulerProps } from './library';
import { LocalStack, StatusChangeEvents } from './local-stack';
import { assertCodePresent, functionCodes } from './stack-code';
import { localAppContext } from './template-resolver';

export interface LocalSchedulerOptions {
  /** Props of the scheduler under test (`eventBus` is created from `eventBusName`). */
  readonly props?: Omit<DynamicSchedulerProps, 'eventBus'>;
  /** Name of a custom bus to create and give the scheduler. Default: the account's default bus. */
  readonly eventBusName?: string;
  /** Virtual time to start at. Default: now. */
  readonly now?: Date;
  /** Adds more to the stack before it is synthesized (e.g. `scheduler.onTick(...)` rules). */
  readonly extend?: (scheduler: DynamicScheduler, stack: Stack) => void;
  /**
   * Which `Step Functions Execution Status Change` events Standard executions send to the default bus: 'all' as AWS
   * does, or only the 'unsuccessful' ones (FAILED, TIMED_OUT, ABORTED: what the scheduler's rules match), which keeps
   * the event log free of two events per schedule run.
   * @default 'unsuccessful'
   */
  readonly statusChangeEvents?: StatusChangeEvents;
}

/** Options of `LocalScheduler.fromStack`. */
export interface FromStackOptions {
  /**
   * Virtual time to start at.
   * @default - now
   */
  readonly now?: Date;
  /**
   * The scheduler `put` sends to when no bus is given, and whose table `item(id)` reads, when the stack has several.
   * @default - the stack's first DynamicScheduler, in construct tree order
   */
  readonly scheduler?: DynamicScheduler;
  /**
   * Which `Step Functions Execution Status Change` events Standard executions send to the default bus (see
   * `LocalSchedulerOptions.statusChangeEvents`).
   * @default 'unsuccessful'
   */
  readonly statusChangeEvents?: StatusChangeEvents;
}

export interface PutOptions {
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
  /** The event's `time`. Default: the virtual now. */
  readonly time?: Date;
  /** The EventBridge event id; reuse one to simulate a redelivery. Default: random. */
  readonly id?: string;
  /** Default: the scheduler's bus. */
  readonly eventBusName?: string;
  /**
   * The bus to put the event on, as a construct of the stack (wins over `eventBusName`).
   * @default - the scheduler's bus (the `scheduler` option's, or the stack's first scheduler's)
   */
  readonly eventBus?: events.IEventBus;
}

export interface LocalEvent {
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: any;
  /** The virtual time at which it was put on the bus. */
  readonly time: Date;
  /** The bus it was put on. */
  readonly eventBusName: string;
  /**
   * The names of the rules whose pattern matched it. Empty when none did: as on AWS, PutEvents accepted it and nothing
   * happened (e.g. a Start from a source the scheduler's `commandSources` do not allow).
   */
  readonly matchedRules: string[];
}

/** One invocation of a function of the stack (`local.invocations(fn)`). */
export interface LocalFunctionCall {
  /** The event the handler received. */
  readonly event: any;
  /** What the handler returned (undefined becomes null); undefined when it failed. */
  readonly result?: any;
  /** Lambda's `{ errorType, errorMessage }` when it failed; undefined when it succeeded. */
  readonly error?: { errorType: string; errorMessage: string };
  /** The virtual time the invocation started. */
  readonly time: Date;
}

/** One event delivered to one target of a rule (`local.deliveries(rule)`). */
export interface LocalDelivery {
  /** The target's ARN (local placeholder names and account). */
  readonly targetArn: string;
  /** What the target received: the event, or its `Input`, `InputPath` or `InputTransformer` result. */
  readonly input: any;
  /** The id of the event delivered. */
  readonly eventId: string;
  /** DELIVERED (a recorded target counts as delivered), FAILED after Lambda's retries, or PENDING (a retry is due). */
  readonly status: 'PENDING' | 'DELIVERED' | 'FAILED';
  readonly attempts: number;
  /** The last attempt's error. */
  readonly error?: string;
  /** Why the target was recorded and not run (an SQS queue, a Python function, ...); undefined when it ran. */
  readonly note?: string;
}

export interface LocalStats {
  /** Every state transition, Standard and Express. */
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  readonly dynamoWrites: number;
  /** DynamoDB write request units, as on-demand DynamoDB bills them (1 per KB written; refused conditions too). */
  readonly dynamoWriteUnits: number;
  /** DynamoDB read request units, as on-demand DynamoDB bills them (1 per 4 KB read, half eventually consistent). */
  readonly dynamoReadUnits: number;
  /** Executions started, Standard and Express. */
  readonly executionsStarted: number;
  readonly maxHistoryEventsPerExecution: number;
  /** Transitions of Standard state machines (billed per transition). */
  readonly standardStateTransitions: number;
  /** Transitions of Express state machines (not billed per transition). */
  readonly expressStateTransitions: number;
  /** Express executions started (billed per request). */
  readonly expressRequests: number;
  /** Ended Express executions' virtual durations, each rounded up to 100 ms. */
  readonly expressBilledDurationMs: number;
  /** `expressBilledDurationMs` at 64 MB, in GB-seconds (billed per GB-second). */
  readonly expressGbSeconds: number;
}

/**
 * The runtime runs the bundles in assets/, not the sources in lambda/: refuse to run stale ones,
 * which would test yesterday's handlers.
 */
function assertBundlesFresh(): void {
  // Only from this repository's sources (local/src): the package runs from lib/, next to an installed library whose
  // bundles fromStack checks function by function.
  if (path.basename(__dirname) !== 'src') return;
  const root = path.join(__dirname, '..', '..');
  const sources = path.join(root, 'lambda');
  const bundles = path.join(root, 'assets', 'lambda', 'handlers');
  if (!fs.existsSync(sources)) return;
  const newestSource = Math.max(newestTypeScript(sources), newestTypeScript(path.join(root, 'src', 'contract')));
  const bundleFiles = fs.existsSync(bundles)
    ? fs.readdirSync(bundles).map((name) => path.join(bundles, name, 'index.js')).filter((f) => fs.existsSync(f))
    : [];
  if (bundleFiles.length === 0) {
    throw new Error(`No handler bundles in ${bundles}; run "npx projen bundle" first (npm test and npm run demo do)`);
  }
  const oldestBundle = Math.min(...bundleFiles.map((f) => fs.statSync(f).mtimeMs));
  if (oldestBundle < newestSource) {
    throw new Error(`The handler bundles in ${bundles} are older than the sources in ${sources}; run "npx projen bundle" first`);
  }
}

/** The newest modification time of the .ts files under `dir`, in any folder. */
function newestTypeScript(dir: string): number {
  return Math.max(0, ...fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => fs.statSync(path.join(dir, f)).mtimeMs));
}

/** A construct of another copy of the library: `instanceof` fails for it, and fromStack could not run it. */
function isForeignScheduler(construct: unknown): boolean {
  return !(construct instanceof DynamicScheduler) && (construct as object)?.constructor?.name === 'DynamicScheduler';
}

export class LocalScheduler {
  /**
   * Runs a stack of yours locally: every DynamicScheduler in it (either engine), your rules on its buses, your
   * Node.js functions (from an asset directory, a NodejsFunction bundle or inline code) and your state machines; any
   * other target is recorded (`deliveries(rule)`). The stack is synthesized with `Template.fromStack`.
   *
   * Only one local runtime may be open in a process at a time: `close()` it (e.g. in `afterEach`).
   */
  public static async fromStack(stack: Stack, options: FromStackOptions = {}): Promise<LocalScheduler> {
    const constructs = stack.node.findAll();
    const schedulers = constructs.filter((c): c is DynamicScheduler => c instanceof DynamicScheduler);
    if (schedulers.length === 0) {
      const foreign = constructs.find(isForeignScheduler);
      throw new Error(foreign
        ? `The DynamicScheduler ${foreign.node.path} comes from another copy of cdk-dynamic-scheduler than the one cdk-dynamic-scheduler-local loads; install a single copy (npm ls cdk-dynamic-scheduler)`
        : `Stack ${stack.node.path} has no DynamicScheduler; LocalScheduler.fromStack runs a stack with at least one (e.g. new DynamicScheduler(stack, 'Scheduler')), got ${constructs.length} constructs and none of them a DynamicScheduler`);
    }
    const scheduler = options.scheduler ?? schedulers[0];
    if (!schedulers.includes(scheduler)) {
      throw new Error(`The scheduler option must be a DynamicScheduler of stack ${stack.node.path}, got ${scheduler?.node?.path ?? String(scheduler)}`);
    }
    assertBundlesFresh();
    const template = Template.fromStack(stack).toJSON();
    const codes = functionCodes(stack);
    assertCodePresent(codes, template, schedulers.map((s) => s.node.path));
    const local = await LocalStack.create(template, {
      stackName: stack.stackName,
      now: options.now,
      isolateFunctions: true,
      statusChangeEvents: options.statusChangeEvents ?? 'unsuccessful',
      recordInvocations: true,
      // A user's own state machines are recorded (their Tasks may call services the runtime does not have).
      stateMachineTargets: 'record',
      codePaths: Object.fromEntries(codes.map((code) => [code.logicalId, code.dir])),
    });
    return new LocalScheduler(scheduler, local);
  }

  /** Synthesize a stack with a `DynamicScheduler` and start everything it needs locally. */
  public static async create(options: LocalSchedulerOptions = {}): Promise<LocalScheduler> {
    assertBundlesFresh();
    const app = new App({ context: localAppContext });
    const stack = new Stack(app, 'LocalStack');
    const eventBus = options.eventBusName ? new events.EventBus(stack, 'Bus', { eventBusName: options.eventBusName }) : undefined;
    const scheduler = new DynamicScheduler(stack, 'Scheduler', { ...options.props, eventBus });
    options.extend?.(scheduler, stack);
    const template = Template.fromStack(stack).toJSON();
    const local = await LocalStack.create(template, {
      stackName: 'LocalStack',
      now: options.now,
      isolateFunctions: true,
      statusChangeEvents: options.statusChangeEvents ?? 'unsuccessful',
    });
    return new LocalScheduler(scheduler, local);
  }

  /** The scheduler's table name in dynalite. */
  public readonly tableName: string;
  /** The scheduler's bus name. */
  public readonly eventBusName: string;

  private constructor(public readonly scheduler: DynamicScheduler, public readonly stack: LocalStack) {
    this.tableName = this.resolveName(scheduler.table.tableName, scheduler);
    this.eventBusName = this.resolveName(scheduler.eventBus.eventBusName, scheduler);
  }

  // The parts, for tests that inject faults or inspect them.
  public get bus() { return this.stack.bus; }
  public get stepFunctions() { return this.stack.stepFunctions; }
  public get functions() { return this.stack.functions; }
  public get dynamo() { return this.stack.dynamo; }
  public get endpoint() { return this.stack.endpoint; }
  public get clock() { return this.stack.clock; }
  public get resolver() { return this.stack.resolver; }

  /** Put an event on the bus, as PutEvents would, and let everything it triggers run. */
  public async put(options: PutOptions): Promise<string> {
    const [eventId] = await this.stack.put({
      Source: options.source,
      DetailType: options.detailType,
      Detail: JSON.stringify(options.detail),
      EventBusName: options.eventBus ? this.resolveName(options.eventBus.eventBusName, options.eventBus)
        : options.eventBusName ?? this.eventBusName,
      Time: options.time,
      Id: options.id,
    });
    return eventId;
  }

  /** Advance virtual time by `ms`, running everything that falls due, in time order. */
  public async advanceBy(ms: number): Promise<void> {
    await this.stack.advanceBy(ms);
  }

  /** Advance virtual time to `when`, running everything that falls due, in time order. */
  public async advanceTo(when: Date): Promise<void> {
    await this.stack.advanceTo(when);
  }

  public now(): Date {
    return this.stack.now();
  }

  /** Everything put on the bus, in order. */
  public events(): LocalEvent[] {
    return this.bus.events().map((event: BusEvent) => ({
      id: event.id,
      source: event.source,
      detailType: event.detailType,
      detail: event.detail,
      time: event.time,
      eventBusName: event.eventBusName,
      matchedRules: event.matchedRules,
    }));
  }

  /**
   * Every invocation of one of the stack's functions, oldest first: the event, and the result or the error. Recorded
   * by `fromStack` (not by `create`). Throws for a function the runtime cannot run (another runtime, a container
   * image): its deliveries are in `deliveries(rule)`, with a note.
   */
  public invocations(fn: lambda.IFunction): LocalFunctionCall[] {
    return this.localFunction(fn).calls().map((call) => ({ ...call }));
  }

  /**
   * The local copy of one of the stack's functions, to inject faults (`injectFault({ errorType, delayMs }, times)`),
   * wrap its invocations (`intercept((event, proceed) => ...)`) or read its console output (`logs()`).
   */
  public localFunction(fn: lambda.IFunction): LocalFunction {
    const arn = this.resolveName(fn.functionArn, fn);
    const local = this.stack.functionByArn(arn);
    if (!local) {
      const note = this.stack.unsupportedFunctions.get(arn);
      throw new Error(note
        ? `${note}; see local.deliveries(rule) for the events its rules sent it`
        : `Function ${fn.node.path} is not a function of the stack run locally (got ARN ${arn})`);
    }
    return local;
  }

  /**
   * What one rule of the stack delivered to its targets, oldest first: each target's input and status, and for a
   * target the runtime does not run (SQS, SNS, another bus, an API destination, a non-Node.js function) a note.
   */
  public deliveries(rule: events.IRule): LocalDelivery[] {
    const name = this.resolveName(rule.ruleName, rule);
    if (!this.resolver.rules().some((r) => r.name === name)) {
      throw new Error(`Rule ${rule.node.path} is not a rule of the stack run locally (got name ${name})`);
    }
    return this.bus.deliveries().filter((d) => d.ruleName === name).map((d) => ({
      targetArn: d.targetArn,
      input: d.input,
      eventId: d.eventId,
      status: d.status,
      attempts: d.attempts,
      ...(d.error ? { error: d.error } : {}),
      ...(d.note ? { note: d.note } : {}),
    }));
  }

  /** Details of the `Schedule Tick` events, optionally of one schedule. */
  public ticks(id?: string): any[] {
    return this.eventsOfType('Schedule Tick', id);
  }

  /** Details of the events of one detail type, optionally of one schedule. */
  public eventsOfType(detailType: string, id?: string): any[] {
    return this.bus.events()
      .filter((event) => event.detailType === detailType && (id === undefined || event.detail?.id === id))
      .map((event) => event.detail);
  }

  /**
   * The schedule's DynamoDB item, as plain JavaScript, from the table of `scheduler` (a DynamicScheduler of the stack).
   * @param scheduler default: the scheduler `fromStack` was given (or the stack's first)
   */
  public async item(id: string, scheduler?: DynamicScheduler): Promise<Record<string, any> | undefined> {
    return this.dynamo.getItem(scheduler ? this.resolveName(scheduler.table.tableName, scheduler) : this.tableName, id);
  }

  /** The executions of the scheduler's state machine, oldest first. */
  public executions() {
    return this.stepFunctions.all().flatMap((machine) => machine.executions());
  }

  /** Events whose delivery to a rule's Lambda target failed after Lambda's retries (bound for the DLQ on AWS). */
  public deadLetters(): BusEvent[] {
    const failed = new Set(this.bus.deliveries().filter((d) => d.status === 'FAILED').map((d) => d.eventId));
    return this.bus.events().filter((event) => failed.has(event.id));
  }

  public stats(): LocalStats {
    const s = this.stack.stats();
    return {
      stateTransitions: s.stateTransitions,
      lambdaInvocations: s.lambdaInvocations,
      dynamoWrites: s.dynamoWrites,
      dynamoWriteUnits: s.dynamoWriteUnits,
      dynamoReadUnits: s.dynamoReadUnits,
      executionsStarted: s.executionsStarted,
      maxHistoryEventsPerExecution: s.maxHistoryEventsPerExecution,
      standardStateTransitions: s.standardStateTransitions,
      expressStateTransitions: s.expressStateTransitions,
      expressRequests: s.expressRequests,
      expressBilledDurationMs: s.expressBilledDurationMs,
      expressGbSeconds: s.expressGbSeconds,
    };
  }

  /** A token of the synthesized stack (a name or an ARN), resolved to its local value. */
  private resolveName(token: string, scope: Construct): string {
    return String(this.resolver.resolve(Stack.of(scope).resolve(token)));
  }

  /** Stop every execution and release the clock, the endpoint route, the environment and the table. */
  public async close(): Promise<void> {
    await this.stack.close();
  }
}
