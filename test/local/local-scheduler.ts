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
import { applyAwsEnvironment, awsEnvironment, LocalAwsEndpoint, sharedAwsEndpoint } from './aws-endpoint';
import { DynamoDbLocal, sharedDynamoDb } from './dynamodb-local';
import { BusEvent, LocalEventBus } from './event-bus-local';
import { handlerModule, LocalFunction } from './lambda-local';
import { LocalStateMachine, StepFunctionsLocal, TaskInvocation } from './step-functions-local';
import { dynamoDbTask, isDynamoDbTask, isLambdaArn, LAMBDA_INVOKE, lambdaTask } from './task-integrations';
import { localAppContext, TemplateResolver } from './template-resolver';
import { VirtualClock } from './virtual-clock';
import { DynamicScheduler, DynamicSchedulerProps } from '../../src';

export interface LocalSchedulerOptions {
  /** Props of the scheduler under test (`eventBus` is created from `eventBusName`). */
  readonly props?: Omit<DynamicSchedulerProps, 'eventBus'>;
  /** Name of a custom bus to create and give the scheduler. Default: the account's default bus. */
  readonly eventBusName?: string;
  /** Virtual time to start at. Default: now. */
  readonly now?: Date;
  /** Adds more to the stack before it is synthesized (e.g. `scheduler.onTick(...)` rules). */
  readonly extend?: (scheduler: DynamicScheduler, stack: Stack) => void;
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
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  readonly dynamoWrites: number;
  readonly executionsStarted: number;
  readonly maxHistoryEventsPerExecution: number;
}

let instances = 0;

/**
 * The runtime runs the bundles in assets/, not the sources in lambda/: refuse to run stale ones,
 * which would test yesterday's handlers.
 */
function assertBundlesFresh(): void {
  const root = path.join(__dirname, '..', '..');
  const sources = path.join(root, 'lambda');
  const bundles = path.join(root, 'assets', 'lambda');
  if (!fs.existsSync(sources)) return; // an installed package: only the bundles exist
  const newestSource = Math.max(...fs.readdirSync(sources).filter((f) => f.endsWith('.ts'))
    .map((f) => fs.statSync(path.join(sources, f)).mtimeMs));
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

export class LocalScheduler {
  /** Synthesize a stack with a `DynamicScheduler` and start everything it needs locally. */
  public static async create(options: LocalSchedulerOptions = {}): Promise<LocalScheduler> {
    if (VirtualClock.current()) {
      throw new Error('Another LocalScheduler is open in this process; close() it first');
    }
    assertBundlesFresh();
    const app = new App({ context: localAppContext });
    const stack = new Stack(app, 'LocalStack');
    const eventBus = options.eventBusName ? new events.EventBus(stack, 'Bus', { eventBusName: options.eventBusName }) : undefined;
    const scheduler = new DynamicScheduler(stack, 'Scheduler', { ...options.props, eventBus });
    options.extend?.(scheduler, stack);
    const template = Template.fromStack(stack).toJSON();

    instances += 1;
    const resolver = new TemplateResolver(template, { stackName: 'LocalStack', suffix: `${process.pid}x${instances}` });
    const [dynamo, endpoint] = await Promise.all([sharedDynamoDb(), sharedAwsEndpoint()]);
    const restoreEnv = applyAwsEnvironment(awsEnvironment(endpoint.url, dynamo.endpoint));
    const clock = VirtualClock.install({ now: options.now ?? new Date() });
    try {
      return await new LocalScheduler(scheduler, resolver, dynamo, endpoint, clock, restoreEnv).start();
    } catch (error) {
      clock.uninstall();
      restoreEnv();
      throw error;
    }
  }

  public readonly bus: LocalEventBus;
  public readonly stepFunctions = new StepFunctionsLocal();
  public readonly functions: LocalFunction[];
  /** The scheduler's table name in dynalite. */
  public readonly tableName: string;
  /** The scheduler's bus name. */
  public readonly eventBusName: string;
  private restoreRoute?: () => void;
  private closed = false;

  private constructor(
    public readonly scheduler: DynamicScheduler,
    public readonly resolver: TemplateResolver,
    public readonly dynamo: DynamoDbLocal,
    public readonly endpoint: LocalAwsEndpoint,
    public readonly clock: VirtualClock,
    private readonly restoreEnv: () => void,
  ) {
    this.functions = resolver.functions().map((fn) => {
      if (!fn.assetPath) throw new Error(`Function ${fn.logicalId} has no asset path; was the app synthesized with localAppContext?`);
      const { file, exportName } = handlerModule(fn.assetPath, fn.handler);
      return new LocalFunction({
        name: fn.name,
        arn: fn.arn,
        modulePath: file,
        exportName,
        environment: fn.environment,
        timeoutSeconds: fn.timeout,
        memorySize: fn.memorySize,
        isolate: true,
      });
    });
    const [table] = resolver.tables();
    this.tableName = table.name;
    const schedulerStack = Stack.of(scheduler);
    this.eventBusName = String(resolver.resolve(schedulerStack.resolve(scheduler.eventBus.eventBusName)));
    this.bus = new LocalEventBus({
      buses: resolver.eventBuses().map((b) => b.name),
      rules: resolver.rules(),
      // Only Lambda targets run locally; other targets (queues, API destinations) just record the delivery.
      deliver: (target, input) => this.functionByArn(target.arn)?.invoke(input),
    });
    for (const machine of resolver.stateMachines()) {
      this.stepFunctions.add(new LocalStateMachine({
        stateMachineArn: machine.arn,
        definition: machine.definition,
        dispatch: (task) => this.dispatch(task),
      }));
    }
  }

  /** Put an event on the bus, as PutEvents would, and let everything it triggers run. */
  public async put(options: PutOptions): Promise<string> {
    const result = this.bus.putEvents({
      Entries: [{
        Source: options.source,
        DetailType: options.detailType,
        Detail: JSON.stringify(options.detail),
        EventBusName: options.eventBusName ?? this.eventBusName,
        Time: options.time,
        Id: options.id,
      }],
    });
    const [entry] = result.Entries;
    if (entry.ErrorCode) throw new Error(`PutEvents failed: ${entry.ErrorCode} ${entry.ErrorMessage}`);
    await this.clock.settle();
    return entry.EventId;
  }

  /** Advance virtual time by `ms`, running everything that falls due, in time order. */
  public async advanceBy(ms: number): Promise<void> {
    await this.clock.advanceBy(ms);
  }

  /** Advance virtual time to `when`, running everything that falls due, in time order. */
  public async advanceTo(when: Date): Promise<void> {
    await this.clock.advanceTo(when);
  }

  public now(): Date {
    return this.clock.now();
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
    const sfn = this.stepFunctions.stats();
    return {
      stateTransitions: sfn.stateTransitions,
      lambdaInvocations: this.functions.reduce((sum, fn) => sum + fn.invocations, 0),
      dynamoWrites: this.dynamo.stats(this.tableName).writes,
      executionsStarted: sfn.executionsStarted,
      maxHistoryEventsPerExecution: sfn.maxHistoryEventsPerExecution,
    };
  }

  /** Stop every execution and release the clock, the endpoint route, the environment and the table. */
  public async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stepFunctions.stopAll();
    await this.clock.settle().catch(() => undefined);
    this.restoreRoute?.();
    this.clock.uninstall();
    this.restoreEnv();
    await this.dynamo.deleteTable(this.tableName).catch(() => undefined);
  }

  private async start(): Promise<LocalScheduler> {
    for (const table of this.resolver.tables()) {
      await this.dynamo.createTable(table.properties, table.name);
    }
    this.restoreRoute = this.endpoint.route({
      sfn: this.stepFunctions.endpointHandlers(),
      events: this.bus.endpointHandlers(),
    });
    return this;
  }

  private functionByArn(nameOrArn: string): LocalFunction | undefined {
    const bare = nameOrArn.replace(/:(\$LATEST|\d+)$/, '');
    return this.functions.find((fn) => fn.arn === bare || fn.name === bare);
  }

  private dispatch(task: TaskInvocation): unknown {
    const { resource, input } = task;
    if (resource === 'arn:aws:states:::events:putEvents') return this.bus.putEventsTask(input);
    if (resource === LAMBDA_INVOKE || isLambdaArn(resource)) return lambdaTask(resource, input, (arn) => this.functionByArn(arn));
    if (isDynamoDbTask(resource)) return dynamoDbTask(resource, input, this.dynamo);
    throw new Error(`The local runtime has no integration for Task resource ${resource} (state ${task.stateName})`);
  }
}
