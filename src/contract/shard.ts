/**
 * The sharded engine's wire contract: the engine names the construct passes to the handlers, the shard table's
 * keys, the shard function's operations, the supervisor's routes, and the states its state machines carry.
 * It imports nothing from outside this folder, like the rest of it.
 */
import { field } from './field-name';

/** Values of {@link ENV.ENGINE}: which engine the handlers serve. */
export const ENGINE_NAME = {
  PER_SCHEDULE: 'PER_SCHEDULE',
  SHARDED: 'SHARDED',
} as const;

/** The most shards a scheduler may have (a shard is one supervisor execution and a few items). */
export const MAX_SHARDS = 256;

/** Shards when `SchedulerEngine.sharded()` is given no `shards`. */
export const DEFAULT_SHARDS = 4;

/** Partition and sort key names of the shard table (both strings). */
export const SHARD_KEY = { PARTITION: 'pk', SORT: 'sk' } as const;

/** What the shard function is asked to do (`op` of its event). */
export const SHARD_OP = {
  /** Supervisor: plan the next window of a shard, or sleep, hand over, or learn it is fenced. */
  PLAN: 'plan',
  /** Window: emit every tick of one second. */
  EMIT: 'emit',
  /** Keeper rule: wake shards that are missing or silent. */
  KEEP: 'keep',
} as const;

/** Values of {@link SupervisorState.route}; the supervisor routes on them. */
export const SHARD_ROUTE = {
  /** Run the Express window over `window.seconds`, then plan again. */
  WINDOW: 'window',
  /** Nothing due soon: wait until `sleepUntil`, then plan again. */
  SLEEP: 'sleep',
  /** The next generation was started (history quota): this execution ends. */
  HANDOVER: 'handover',
  /** A newer epoch owns the shard: this execution ends. */
  FENCED: 'fenced',
} as const;

/** Seconds one plan covers, and so one Express window at most (its timeout leaves 40 s of margin). */
export const WINDOW_SECONDS = 240;

/**
 * The Express window's timeout: under Express's 5-minute maximum, above a 240-s window plus the plan's lag.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const WINDOW_TIMEOUT_SECONDS = 280;

/** A sleeping shard plans again this long before its next occurrence. */
export const PLAN_LEAD_SECONDS = 60;

/** The longest a shard sleeps without planning. */
export const MAX_SLEEP_SECONDS = 3_600;

/**
 * Plans one supervisor execution makes before it hands over to the next generation. A window cycle records about
 * 13 history events (Plan 5, Route 2, RunWindow 6) and a sleep cycle about 9: 1,500 cycles stay under 20,000,
 * well within Step Functions' 25,000-event history quota.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const PLANS_PER_EXECUTION = 1_500;

/**
 * A plan marks the shard state when it begins (`planningSince`) and clears the mark when it records; a mark older
 * than this is a plan that crashed, and Starts no longer count on it.
 */
export const PLANNING_STALE_SECONDS = 60;

/** A shard that should be active and has not written a heartbeat for this long is woken by the keeper. */
export const SHARD_STALE_SECONDS = 90;

/** Payloads up to this many bytes (JSON, UTF-8) travel inline in roster and slot entries; larger ones stay in the item. */
export const INLINE_PAYLOAD_BYTES = 512;

/** Stop markers live this long (DynamoDB TTL; readers also ignore older ones, since TTL deletes lazily). */
export const STOP_MARKER_TTL_SECONDS = 900;

/** Slot pages and late entries live this long (DynamoDB TTL). */
export const SLOT_TTL_SECONDS = 86_400;

/**
 * How far back a plan reads one-shots' due entries (before its window: those missed while the shard was down, which
 * it completes as skipped). A one-shot missed by an outage longer than this is not completed by its shard.
 */
export const DUE_LOOKBACK_SECONDS = 2 * 86_400;

/** Due entries (one-shots) are deleted by TTL this long after their second: the lookback, and a day to spare. */
export const DUE_TTL_SECONDS = DUE_LOOKBACK_SECONDS + 86_400;

/** The state a supervisor execution carries (its JSONPath `$`), and its input. */
export interface SupervisorState {
  readonly shard: number;
  readonly epoch: number;
  /** 0 for the first execution of an epoch, +1 for each hand-over. */
  readonly generation: number;
  /** Plans this execution made (drives the hand-over). */
  readonly plans: number;
  readonly route?: string;
  /** route `window`: the window execution's input. */
  readonly window?: WindowState;
  /** route `sleep`: when to plan again, a whole second (ISO). */
  readonly sleepUntil?: string;
}

/** The state an Express window carries: the seconds still to emit, the next one as a Wait timestamp. */
export interface WindowState {
  readonly shard: number;
  readonly epoch: number;
  /** Epoch seconds still to emit, ascending; `seconds[0]` is `at`. */
  readonly seconds: number[];
  /** The next second to emit, ISO (a whole second). */
  readonly at: string;
  /** Whether another second is to be emitted. */
  readonly more: boolean;
}

/**
 * The JSONPath of each field the sharded state machines read. The builder uses these names, so a field renamed in
 * {@link SupervisorState} or {@link WindowState} breaks the type-check here instead of a running execution.
 */
export const SHARD_PATH = {
  route: '$.' + field<SupervisorState>('route'),
  window: '$.' + field<SupervisorState>('window'),
  sleepUntil: '$.' + field<SupervisorState>('sleepUntil'),
  shard: '$.' + field<SupervisorState>('shard'),
  epoch: '$.' + field<SupervisorState>('epoch'),
  generation: '$.' + field<SupervisorState>('generation'),
  plans: '$.' + field<SupervisorState>('plans'),
  windowSeconds: '$.' + field<WindowState>('seconds'),
  windowAt: '$.' + field<WindowState>('at'),
  windowMore: '$.' + field<WindowState>('more'),
} as const;
