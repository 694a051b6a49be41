/**
 * EventBridge for the local runtime: event buses, PutEvents, rules (the synthesized EventPattern, matched by
 * event-pattern.ts) and delivery to targets.
 *
 * PutEvents (the API, and the `events:putEvents` Task integration via `putEventsTask`) validates each entry, wraps it
 * in the EventBridge envelope (`version`, `id`, `detail-type`, `source`, `account`, `time`, `region`, `resources`,
 * `detail`), records it (`events()`: everything put on any bus, in order), and for each ENABLED rule of that bus whose
 * pattern matches, hands each target's input (the event, `Input`, `InputPath` or `InputTransformer`) to the runtime's
 * `deliver` callback, asynchronously (after PutEvents returns), tracked as in-flight work on the VirtualClock.
 *
 * A failed delivery is retried after `retryDelaysMs` (virtual time; default [60 s, 120 s], Lambda's two retries of
 * an asynchronous invocation, which is how EventBridge invokes Lambda functions), then recorded as failed.
 *
 * Faults: `injectFault(errorCode, times, detailType?)` makes the next `times` entries (of that detail type) fail
 * with that ErrorCode, as a failed entry of PutEvents (`EventBridge.FailedEntry` for the Step Functions
 * integration); a failed entry is not recorded and reaches no rule.
 *
 * Schedule rules (`ScheduleExpression`, on the default bus only, as EventBridge requires): after `startSchedules()`,
 * each ENABLED one fires on the virtual clock, delivering to its targets the documented scheduled event (`source`
 * `aws.events`, `detail-type` `Scheduled Event`, `detail` `{}`, `resources` [the rule's ARN]); the event goes to that
 * rule's targets only (it is not put on the bus, so no other rule sees it) and is recorded by `scheduledEvents()`.
 * `rate(N minute|minutes|hour|hours|day|days)` fires every N units from `startSchedules()` (the first time one period
 * after it); `cron(min hour day-of-month month day-of-week year)` at its fire times in UTC (lambda/domain/cron, the
 * scheduler's own EventBridge cron). Each rule keeps one pending timer (the next fire), re-armed when it fires, so
 * `advanceTo` fires a schedule once per period up to its target and then returns; `stopSchedules()` clears them.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html (the event's shape)
 *
 * Differences from EventBridge: delivery is immediate (no ~0.5 s latency, no out-of-order delivery) and exactly once
 * (EventBridge is at-least-once); a rate rule's first fire is exactly one period after the start (EventBridge: within
 * about a period of the rule's creation); archives, replays, API destinations, cross-account buses, DLQs and EventBridge's own 24-hour retry policy are not modelled; entry limits:
 * 10 entries per call (ValidationException), 256 KB per entry (measured as EventBridge does, see `entrySize`);
 * `time` is whole seconds like EventBridge's.
 */
import { randomUUID } from 'crypto';
import { AwsError, OperationHandler } from './aws-endpoint';
import { matchesEventPattern } from './event-pattern';
import { TaskError } from './step-functions-local';
import { RuleInfo, RuleTarget } from './template-resolver';
import { VirtualClock } from './virtual-clock';
import { cronOccurrencesAfter, parseCron } from '../../lambda/domain/cron';

export interface BusEvent {
  readonly id: string;
  readonly eventBusName: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: any;
  readonly time: Date;
  readonly resources: string[];
  /** The event as rules and targets see it. */
  readonly envelope: Record<string, any>;
  /**
   * The names of the rules whose pattern matched it (a scheduled event: its rule). Empty when no rule matched: on
   * AWS such an event is accepted by PutEvents and then goes nowhere, as it does here.
   */
  readonly matchedRules: string[];
}

export interface Delivery {
  readonly ruleName: string;
  readonly targetArn: string;
  readonly eventId: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  error?: string;
  /** What the target received (the event, or its `Input`/`InputPath`/`InputTransformer`), when `recordInputs` is set. */
  readonly input?: any;
  /** Why the target was recorded and not run, for a target the local runtime does not run (see `describeTarget`). */
  readonly note?: string;
}

export type TargetDelivery = (target: RuleTarget, input: any, event: BusEvent, rule: RuleInfo) => Promise<unknown> | unknown;

export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  /** A JSON object string (the API), or an object (the Step Functions integration). */
  readonly Detail?: string | Record<string, any>;
  readonly EventBusName?: string;
  readonly Resources?: string[];
  /** Epoch seconds (API) or ISO string / Date. */
  readonly Time?: number | string | Date;
  readonly TraceHeader?: string;
  /**
   * Local runtime only (not an AWS field): the EventBridge event id to give the event, to simulate a
   * redelivery of the same event. Default: a random UUID, as EventBridge assigns.
   */
  readonly Id?: string;
}

export interface LocalEventBusOptions {
  /** Custom bus names ('default' always exists). */
  readonly buses?: string[];
  readonly rules?: RuleInfo[];
  readonly deliver: TargetDelivery;
  readonly region?: string;
  readonly account?: string;
  readonly retryDelaysMs?: number[];
  /**
   * Keep each delivery's input in `deliveries()` (memory grows with every delivery: off for long benchmark runs).
   * @default false
   */
  readonly recordInputs?: boolean;
  /**
   * A note for a target the runtime records instead of running (e.g. an SQS queue), kept on its deliveries.
   * @default - no notes
   */
  readonly describeTarget?: (target: RuleTarget) => string | undefined;
}

const MAX_ENTRY_BYTES = 256 * 1024;

/**
 * A PutEvents entry's size as EventBridge computes it: `Time` 14 bytes if given, the UTF-8 bytes of `Source`,
 * `DetailType`, `Detail` and of each of `Resources`.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export function entrySize(entry: PutEventsEntry, detailText: string): number {
  const bytes = (text: string | undefined) => Buffer.byteLength(text ?? '', 'utf8');
  return (entry.Time !== undefined ? 14 : 0) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(detailText)
    + (entry.Resources ?? []).reduce((n, resource) => n + bytes(resource), 0);
}

function busNameOf(nameOrArn: string | undefined): string {
  if (!nameOrArn) return 'default';
  const m = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return m ? m[1] : nameOrArn;
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `$.a.b[0]` style paths (what InputPath and InputPathsMap use). */
function queryPath(value: any, jsonPath: string): any {
  if (jsonPath === '$') return value;
  const parts = jsonPath.replace(/^\$\.?/, '').match(/[^.[\]]+/g) ?? [];
  let v = value;
  for (const p of parts) v = v == null ? undefined : v[/^\d+$/.test(p) ? Number(p) : p];
  return v;
}

/**
 * Applies an InputTransformer (InputPathsMap + InputTemplate) to an event. Outside a string literal a placeholder
 * becomes the value's JSON (strings quoted); inside one, the raw value (escaped). `<aws.events.event>` and
 * `<aws.events.event.json>` are the whole event.
 */
export function transformInput(transformer: { InputPathsMap?: Record<string, string>; InputTemplate: string }, event: any): any {
  const values: Record<string, any> = Object.fromEntries(
    Object.entries(transformer.InputPathsMap ?? {}).map(([k, p]) => [k, queryPath(event, p)]));
  values['aws.events.event'] = event;
  values['aws.events.event.json'] = event;
  const template = transformer.InputTemplate;
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '\\' && inString) {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    if (c === '<') {
      const m = /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i));
      if (m && m[1] in values) {
        const v = values[m[1]];
        if (inString) {
          const raw = typeof v === 'string' ? v : JSON.stringify(v ?? null);
          out += JSON.stringify(raw).slice(1, -1);
        } else {
          out += JSON.stringify(v ?? null);
        }
        i += m[0].length - 1;
        continue;
      }
    }
    out += c;
  }
  try {
    return JSON.parse(out);
  } catch {
    return out;
  }
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * The next fire time strictly after `after` (epoch ms) of a schedule expression, or undefined when it never fires
 * again; throws, naming the expression, for one EventBridge would refuse. For `rate`, `after` is the last fire (or the
 * start).
 */
export function nextScheduleFire(expression: string, after: number): number | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2].replace(/s$/, '');
    // EventBridge: "If the value is equal to 1, then the unit must be singular"; above 1, plural.
    if (value < 1 || (value === 1) !== (rate[2] === unit)) {
      throw new Error(`Invalid ScheduleExpression "${expression}": use rate(1 ${unit}) or rate(N ${unit}s) with N > 1`);
    }
    return after + value * UNIT_MS[unit];
  }
  if (/^cron\(.*\)$/.test(expression)) {
    const parsed = parseCron(expression);
    if (!parsed.ok) throw new Error(`Invalid ScheduleExpression "${expression}": ${parsed.message}`);
    return cronOccurrencesAfter(parsed.cron, 'UTC', new Date(after), 1, undefined, parsed.years)[0]?.getTime();
  }
  throw new Error(`Invalid ScheduleExpression "${expression}": expected rate(...) or cron(...)`);
}

export class LocalEventBus {
  private readonly buses: Set<string>;
  private readonly rules: RuleInfo[];
  private readonly log: BusEvent[] = [];
  private readonly deliveryLog: Delivery[] = [];
  private readonly region: string;
  private readonly account: string;
  private readonly retryDelaysMs: number[];
  private readonly faults: { errorCode: string; detailType?: string; remaining: number }[] = [];
  private readonly scheduleLog: BusEvent[] = [];
  private readonly scheduleTimers = new Map<RuleInfo, any>();
  private schedulesStarted = false;

  constructor(private readonly options: LocalEventBusOptions) {
    this.rules = [...(options.rules ?? [])];
    // A rule's bus exists (addRule adds it too): a stack may import its bus by name instead of creating it.
    this.buses = new Set(['default', ...(options.buses ?? []), ...this.rules.map((rule) => rule.eventBusName)]);
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '123456789012';
    this.retryDelaysMs = options.retryDelaysMs ?? [60_000, 120_000];
    for (const rule of this.rules) this.validateSchedule(rule);
  }

  public addRule(rule: RuleInfo): void {
    this.validateSchedule(rule);
    this.buses.add(rule.eventBusName);
    this.rules.push(rule);
    if (this.schedulesStarted) this.armSchedule(rule, Date.now());
  }

  /** Starts firing the schedule rules (on the global, i.e. virtual, clock), from now. Idempotent. */
  public startSchedules(): void {
    if (this.schedulesStarted) return;
    this.schedulesStarted = true;
    const now = Date.now();
    for (const rule of this.rules) this.armSchedule(rule, now);
  }

  /** Clears the schedule rules' timers (deliveries already started go on). */
  public stopSchedules(): void {
    this.schedulesStarted = false;
    for (const timer of this.scheduleTimers.values()) clearTimeout(timer);
    this.scheduleTimers.clear();
  }

  /** The scheduled events the schedule rules fired, in order. */
  public scheduledEvents(): readonly BusEvent[] {
    return this.scheduleLog;
  }

  /**
   * Makes the next `times` entries put (only those of `detailType`, when given) fail with `errorCode`
   * (e.g. 'ThrottlingException', 'InternalFailure'). Faults are consumed in order.
   */
  public injectFault(errorCode: string, times = 1, detailType?: string): void {
    this.faults.push({ errorCode, detailType, remaining: times });
  }

  public clearFaults(): void {
    this.faults.length = 0;
  }

  /** Every event put on any bus, in order. */
  public events(): readonly BusEvent[] {
    return this.log;
  }

  public deliveries(): readonly Delivery[] {
    return this.deliveryLog;
  }

  /** The PutEvents API: per-entry results; a ValidationException for more than 10 entries. */
  public putEvents(request: { Entries?: PutEventsEntry[] }): { FailedEntryCount: number; Entries: Record<string, string>[] } {
    const entries = request.Entries ?? [];
    if (entries.length < 1 || entries.length > 10) {
      throw new AwsError('ValidationException',
        '1 validation error detected: Value at \'entries\' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1');
    }
    const results = entries.map(entry => this.putEntry(entry));
    return { FailedEntryCount: results.filter(r => 'ErrorCode' in r).length, Entries: results };
  }

  /**
   * The `arn:aws:states:::events:putEvents` Task integration: Parameters.Entries with Detail as an object; returns
   * `{ Entries: [{ EventId }], FailedEntryCount: 0 }`, or fails the Task with `EventBridge.FailedEntry`.
   */
  public putEventsTask(input: { Entries: PutEventsEntry[] }): any {
    let result;
    try {
      result = this.putEvents({ Entries: input.Entries });
    } catch (e: any) {
      throw new TaskError(`EventBridge.${e.type ?? 'EventBridgeException'}`, e.message);
    }
    if (result.FailedEntryCount > 0) {
      throw new TaskError('EventBridge.FailedEntry', JSON.stringify(result));
    }
    return result;
  }

  public endpointHandlers(): Record<string, OperationHandler> {
    return { PutEvents: (input: any) => this.putEvents(input) };
  }

  private putEntry(entry: PutEventsEntry): Record<string, string> {
    const busName = busNameOf(entry.EventBusName);
    if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameters Source, DetailType and Detail are required.' };
    }
    let detail: any;
    const detailText = typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail);
    try {
      detail = JSON.parse(detailText);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (entrySize(entry, detailText) > MAX_ENTRY_BYTES) {
      return { ErrorCode: 'EventsEntryTooLarge', ErrorMessage: 'Entry size exceeds the maximum of 256 KB.' };
    }
    if (!this.buses.has(busName)) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
    }
    const fault = this.faults.find((f) => f.detailType === undefined || f.detailType === entry.DetailType);
    if (fault) {
      if (--fault.remaining <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      return { ErrorCode: fault.errorCode, ErrorMessage: `Injected fault: ${fault.errorCode}` };
    }
    const time = entry.Time === undefined ? new Date()
      : entry.Time instanceof Date ? entry.Time
        : typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : new Date(entry.Time);
    const id = entry.Id ?? randomUUID();
    const envelope = {
      'version': '0',
      id,
      'detail-type': entry.DetailType,
      'source': entry.Source,
      'account': this.account,
      'time': isoSeconds(time),
      'region': this.region,
      'resources': entry.Resources ?? [],
      detail,
    };
    const matched = this.rules.filter((rule) => rule.eventBusName === busName && rule.state === 'ENABLED'
      && rule.eventPattern !== undefined && matchesEventPattern(rule.eventPattern, envelope));
    const event: BusEvent = {
      id,
      eventBusName: busName,
      source: entry.Source,
      detailType: entry.DetailType,
      detail,
      time,
      resources: entry.Resources ?? [],
      envelope,
      matchedRules: matched.map((rule) => rule.name),
    };
    this.log.push(event);
    for (const rule of matched) {
      for (const target of rule.targets) this.schedule(rule, target, event);
    }
    return { EventId: id };
  }

  private validateSchedule(rule: RuleInfo): void {
    if (rule.scheduleExpression === undefined) return;
    if (rule.eventBusName !== 'default') {
      throw new Error(`Rule ${rule.name}: ScheduleExpression is supported only on the default event bus, got bus ${rule.eventBusName}`);
    }
    nextScheduleFire(rule.scheduleExpression, 0);
  }

  private armSchedule(rule: RuleInfo, after: number): void {
    if (rule.scheduleExpression === undefined || rule.state !== 'ENABLED') return;
    const next = nextScheduleFire(rule.scheduleExpression, after);
    if (next === undefined) return;
    this.scheduleTimers.set(rule, setTimeout(() => {
      this.scheduleTimers.delete(rule);
      this.fireSchedule(rule, next);
      if (this.schedulesStarted) this.armSchedule(rule, next);
    }, Math.max(0, next - Date.now())));
  }

  private fireSchedule(rule: RuleInfo, at: number): void {
    const id = randomUUID();
    const time = new Date(at);
    const ruleArn = rule.arn ?? `arn:aws:events:${this.region}:${this.account}:rule/${rule.name}`;
    const event: BusEvent = {
      id,
      eventBusName: 'default',
      source: 'aws.events',
      detailType: 'Scheduled Event',
      detail: {},
      time,
      resources: [ruleArn],
      envelope: {
        'version': '0',
        id,
        'detail-type': 'Scheduled Event',
        'source': 'aws.events',
        'account': this.account,
        'time': isoSeconds(time),
        'region': this.region,
        'resources': [ruleArn],
        'detail': {},
      },
      matchedRules: [rule.name],
    };
    this.scheduleLog.push(event);
    for (const target of rule.targets) this.schedule(rule, target, event);
  }

  private schedule(rule: RuleInfo, target: RuleTarget, event: BusEvent): void {
    const input = target.input !== undefined ? JSON.parse(target.input)
      : target.inputPath !== undefined ? queryPath(event.envelope, target.inputPath)
        : target.inputTransformer ? transformInput(target.inputTransformer, event.envelope)
          : event.envelope;
    const note = this.options.describeTarget?.(target);
    const delivery: Delivery = {
      ruleName: rule.name,
      targetArn: target.arn,
      eventId: event.id,
      status: 'PENDING',
      attempts: 0,
      ...(this.options.recordInputs ? { input: JSON.parse(JSON.stringify(input ?? null)) } : {}),
      ...(note ? { note } : {}),
    };
    this.deliveryLog.push(delivery);
    const attempt = async (): Promise<void> => {
      delivery.attempts++;
      try {
        await this.options.deliver(target, JSON.parse(JSON.stringify(input)), event, rule);
        delivery.status = 'DELIVERED';
        delivery.error = undefined;
      } catch (e: any) {
        delivery.error = `${e?.name ?? 'Error'}: ${e?.message ?? e}`;
        const delay = this.retryDelaysMs[delivery.attempts - 1];
        if (delay === undefined) {
          delivery.status = 'FAILED';
          return;
        }
        setTimeout(() => void track(attempt()), delay);
      }
    };
    const track = (p: Promise<void>) => VirtualClock.current()?.track(p, `deliver:${rule.name}`) ?? p;
    void track(Promise.resolve().then(attempt));
  }
}
