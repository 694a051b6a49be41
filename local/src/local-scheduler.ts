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
import { BusEvent } from './event-bus-local';
import { DynamicScheduler, DynamicSchedulerProps } from './library';
import { LocalStack, StatusChangeEvents } from './local-stack';
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
}

export interface LocalEvent {
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: any;
  /** The virtual time at which it was put on the bus. */
  readonly time: Date;
}

export interface LocalStats {
  /** Every state transition, Standard and Express. */
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  readonly dynamoWrites: number;
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
  const root = path.join(__dirname, '..', '..');
  const sources = path.join(root, 'lambda');
  const bundles = path.join(root, 'assets', 'lambda', 'handlers');
  if (!fs.existsSync(sources)) return; // an installed package: only the bundles exist
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

export class LocalScheduler {
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
    const [table] = stack.resolver.tables();
    this.tableName = table.name;
    this.eventBusName = String(stack.resolver.resolve(Stack.of(scheduler).resolve(scheduler.eventBus.eventBusName)));
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
      EventBusName: options.eventBusName ?? this.eventBusName,
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
      id: event.id, source: event.source, detailType: event.detailType, detail: event.detail, time: event.time,
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

  /** The schedule's DynamoDB item, as plain JavaScript. */
  public async item(id: string): Promise<Record<string, any> | undefined> {
    return this.dynamo.getItem(this.tableName, id);
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
      executionsStarted: s.executionsStarted,
      maxHistoryEventsPerExecution: s.maxHistoryEventsPerExecution,
      standardStateTransitions: s.standardStateTransitions,
      expressStateTransitions: s.expressStateTransitions,
      expressRequests: s.expressRequests,
      expressBilledDurationMs: s.expressBilledDurationMs,
      expressGbSeconds: s.expressGbSeconds,
    };
  }

  /** Stop every execution and release the clock, the endpoint route, the environment and the table. */
  public async close(): Promise<void> {
    await this.stack.close();
  }
}
