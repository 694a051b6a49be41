import * as fs from 'node:fs';
import * as path from 'node:path';
import { Token } from 'aws-cdk-lib';
import { DETAIL_TYPE, ScheduleValidator, START_FIELDS } from './contract';
import { validateSource } from './private/validate-props';

/** The `source` of commands built by {@link ScheduleEvents} when none is given. */
const DEFAULT_COMMAND_SOURCE = 'cdk-dynamic-scheduler.client';

/**
 * Where a command built by {@link ScheduleEvents} comes from and goes to.
 */
export interface ScheduleCommandOptions {
  /**
   * The `source` of the event. It must be one of the scheduler's `allowedSources` when those are set,
   * and can never be the scheduler's tick source nor start with `aws.`.
   *
   * @default 'cdk-dynamic-scheduler.client'
   */
  readonly source?: string;

  /**
   * The name or ARN of the scheduler's event bus.
   *
   * @default - no `eventBusName` in the entry: PutEvents sends it to the account's default bus
   */
  readonly eventBusName?: string;
}

/**
 * The fields of a `Schedule Start`: give `id` and exactly one of `cron`, `every`, `duration` and `at`.
 *
 * Times are ISO-8601 strings with an offset, exactly as the event carries them (`2026-12-24T18:00:00+01:00`),
 * so the text you pass is the text the scheduler validates; intervals are the event's interval texts
 * (`5m`, `1h30m`, `PT5M`).
 */
export interface ScheduleStartOptions extends ScheduleCommandOptions {
  /**
   * The schedule's id: 1 to 256 characters, no control characters. A Start for an id that is running replaces it.
   */
  readonly id: string;

  /**
   * A cron expression: 5-field Unix (`0 9 * * MON-FRI`), 6-field with leading seconds, or AWS `cron(...)`.
   *
   * @default - not a cron schedule
   */
  readonly cron?: string;

  /**
   * A fixed interval between ticks (`30s`, `5m`, `1h30m`, `2d`, `PT5M`); the first tick is at `startAt`
   * when given, else one interval after the Start is accepted.
   *
   * @default - not an interval schedule
   */
  readonly every?: string;

  /**
   * One tick once this much time has passed after the Start is accepted (`90m`, `PT1H30M`).
   *
   * @default - not a one-time delay
   */
  readonly duration?: string;

  /**
   * One tick at this ISO-8601 instant with an offset (`2026-12-24T18:00:00+01:00`); it must be in the future.
   *
   * @default - not a one-time instant
   */
  readonly at?: string;

  /**
   * The maximum number of ticks, from 1 to 1,000,000,000 (`cron` and `every` only).
   *
   * @default - no limit
   */
  readonly limit?: number;

  /**
   * The IANA time zone a `cron` expression is evaluated in (`Europe/Rome`); daylight-saving changes are handled.
   *
   * @default 'UTC'
   */
  readonly timezone?: string;

  /**
   * No tick before this ISO-8601 instant with an offset.
   *
   * @default - ticks from the Start's acceptance
   */
  readonly startAt?: string;

  /**
   * No tick after this ISO-8601 instant with an offset; it must be in the future and after `startAt`.
   *
   * @default - no end
   */
  readonly endAt?: string;

  /**
   * A JSON object delivered unchanged in every tick, up to 8 KiB as JSON.
   * In Python pass a `dict`, in Java a `Map<String, Object>`, in .NET a `Dictionary<string, object>`.
   * The event contract allows any JSON value; to send an array or a scalar, build the entry yourself.
   *
   * @default - ticks carry no payload
   */
  readonly payload?: { [key: string]: any };
}

/**
 * A PutEvents entry for a `Schedule Start` or `Schedule Stop`, built by {@link ScheduleEvents}.
 *
 * Its fields are the PutEvents entry's `Source`, `DetailType`, `Detail` and `EventBusName`;
 * {@link ScheduleEvents.toPutEventsEntry} returns them with those names.
 */
export interface ScheduleCommandEntry {
  /** The entry's `Source`. */
  readonly source: string;

  /** The entry's `DetailType`: `Schedule Start` or `Schedule Stop`. */
  readonly detailType: string;

  /** The entry's `Detail`: the command as a JSON string. */
  readonly detail: string;

  /**
   * The entry's `EventBusName`.
   *
   * @default - the account's default bus
   */
  readonly eventBusName?: string;
}

/**
 * Builds `Schedule Start` and `Schedule Stop` events ready for EventBridge PutEvents.
 *
 * Commands are validated with the same rules and messages as the scheduler's start and stop handlers: an invalid
 * command throws an error listing every problem (`Invalid Schedule Start: duration "5" has no unit; write e.g. "5m"
 * or "PT5M"`) instead of coming back later as a `Schedule Rejected` event.
 *
 * Use it in CDK code (integration tests, custom resources) and in scripts and services that can load this
 * package. The checks that depend on the clock (`at` and `endAt` in the future) use this machine's clock. Being a
 * jsii library, it needs Node.js at run time in every language: in a Python or Java Lambda function, send the
 * JSON described in the README's event contract instead.
 *
 * @example
 * // TypeScript, AWS SDK v3
 * const entry = ScheduleEvents.start({ id: 'report:daily', cron: '0 9 * * MON-FRI', timezone: 'Europe/Rome', eventBusName: 'app-bus' });
 * await eventBridge.send(new PutEventsCommand({ Entries: [ScheduleEvents.toPutEventsEntry(entry)] }));
 *
 * // Python, boto3
 * // entry = ScheduleEvents.start(id="report:daily", cron="0 9 * * MON-FRI", event_bus_name="app-bus")
 * // boto3.client("events").put_events(Entries=[ScheduleEvents.to_put_events_entry(entry)])
 */
export class ScheduleEvents {
  /**
   * A `Schedule Start`: starts the schedule `options.id`, or replaces it if it is running.
   *
   * @param options the schedule and where to send it
   * @throws Error listing every problem when the start handler would reject the command
   */
  public static start(options: ScheduleStartOptions): ScheduleCommandEntry {
    const { source, eventBusName, ...fields } = options as ScheduleStartOptions & { [key: string]: unknown };
    // The fields given, in the event contract's order; any other key is kept so that it is rejected like the
    // handler would reject it, never dropped silently.
    const detail: { [key: string]: unknown } = {};
    for (const field of [...START_FIELDS, ...Object.keys(fields)]) {
      if (fields[field] !== undefined && !(field in detail)) detail[field] = fields[field];
    }
    const error = validator().startError(detail, new Date());
    if (error) throw new Error(error);
    return commandEntry(DETAIL_TYPE.START, detail, options);
  }

  /**
   * A `Schedule Stop`: stops the schedule `id`. Stopping an unknown or finished id is a harmless no-op.
   *
   * @param id the schedule's id
   * @param options where to send it
   * @throws Error when the stop handler would reject the command
   */
  public static stop(id: string, options: ScheduleCommandOptions = {}): ScheduleCommandEntry {
    const detail = { id };
    const error = validator().stopError(detail);
    if (error) throw new Error(error);
    return commandEntry(DETAIL_TYPE.STOP, detail, options);
  }

  /**
   * The entry with PutEvents' field names (`Source`, `DetailType`, `Detail` and, when set, `EventBusName`),
   * for `PutEventsCommand` (AWS SDK for JavaScript v3), boto3's `put_events(Entries=[...])`, or
   * `integ.assertions.awsApiCall('EventBridge', 'putEvents', ...)`.
   *
   * @param entry an entry from `start()` or `stop()`
   */
  public static toPutEventsEntry(entry: ScheduleCommandEntry): { [key: string]: string } {
    return {
      Source: entry.source,
      DetailType: entry.detailType,
      Detail: entry.detail,
      ...(entry.eventBusName !== undefined ? { EventBusName: entry.eventBusName } : {}),
    };
  }

  private constructor() {}
}

function commandEntry(detailType: string, detail: object, options: ScheduleCommandOptions): ScheduleCommandEntry {
  const source = options.source ?? DEFAULT_COMMAND_SOURCE;
  validateSource('source', source);
  if (options.eventBusName !== undefined && !Token.isUnresolved(options.eventBusName) && options.eventBusName.length === 0) {
    throw new Error('eventBusName cannot be empty; omit it to send to the default bus');
  }
  return {
    source,
    detailType,
    detail: JSON.stringify(detail),
    ...(options.eventBusName !== undefined ? { eventBusName: options.eventBusName } : {}),
  };
}

let loaded: ScheduleValidator | undefined;

/**
 * The handlers' validation, pre-bundled with the package (assets/lambda/handlers/validate, built from lambda/handlers/validate.ts):
 * the package has no runtime dependencies, and src/ never imports lambda/.
 */
function validator(): ScheduleValidator {
  if (!loaded) {
    const bundle = path.join(__dirname, '..', 'assets', 'lambda', 'handlers', 'validate', 'index.js');
    if (!fs.existsSync(bundle)) {
      throw new Error(`The validation bundle is missing at ${bundle}; run "npx projen bundle" (or "npx projen build") first`);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(bundle) as ScheduleValidator;
  }
  return loaded;
}
