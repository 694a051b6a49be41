import { field } from './field-name';
import type { ScheduleSpec } from './schedule-spec';

/** Ticks computed per plan step: one Lambda invocation and one DynamoDB write per batch. */
export const BATCH_SIZE = 100;

/**
 * Ticks one execution emits before it hands over to a new execution.
 * Each tick costs about 9 history events (Map iteration, Wait, Task); 1,800 ticks stay near 16,500,
 * well under Step Functions' 25,000-event history quota.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const TICKS_PER_EXECUTION = 1_800;

/**
 * Age after which an execution hands over to a new one. Standard executions end after one year.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const MAX_EXECUTION_AGE_MS = 300 * 24 * 3600 * 1000;

/**
 * The `Error` of a scheduler execution that ended in one of its own Fail states after its failure path, which marks
 * the item FAILED and emits `Schedule Failed` (REPORTED) or could not emit it (UNREPORTED).
 */
export const MACHINE_ERROR = {
  REPORTED: 'ScheduleFailed',
  UNREPORTED: 'ScheduleFailedUnreported',
} as const;

/** Values of the `action` the plan step returns; the state machine routes on them. */
export const PLAN_ACTION = {
  /** Emit `plan.ticks`, then plan again. */
  EMIT: 'emit',
  /** Nothing due before the execution's deadline: wait until `plan.wakeAt`, then plan again. */
  SLEEP: 'sleep',
  /** No more occurrences: emit `plan.completed` and succeed. */
  COMPLETE: 'complete',
  /** This run was stopped, replaced, or handed over to a new execution: succeed quietly. */
  END: 'end',
  /** A hand-over's first state: plan (which re-checks that the run is still this execution's) before any tick. */
  CHECK: 'check',
} as const;

/** One of {@link PLAN_ACTION}'s values. */
export type PlanAction = typeof PLAN_ACTION[keyof typeof PLAN_ACTION];

/**
 * The state a scheduler execution carries from step to step (its JSONPath `$`).
 * The construct's state machine reads `started`, `common`, `plan.action`, `plan.ticks`,
 * `plan.wakeAt` and `plan.completed`; the plan step reads and returns the whole object.
 */
export interface MachineState {
  readonly id: string;
  readonly runId: string;
  /** 0 for a run's first execution, +1 for each hand-over to a new execution. */
  readonly generation: number;
  readonly spec: ScheduleSpec;
  /** Fields every tick carries unchanged: merged into each tick's detail with States.JsonMerge. */
  readonly common: TickCommon;
  readonly cursor: Cursor;
  /** Detail of `Schedule Started`; present only in a run's first execution input. */
  readonly started?: Record<string, unknown>;
  readonly plan: Plan;
}

/** The fields every tick of a run carries unchanged. */
export interface TickCommon {
  readonly id: string;
  readonly runId: string;
  readonly payload?: unknown;
}

/** Where the run stands once the ticks of the last plan have been emitted. */
export interface Cursor {
  /** Ticks emitted so far in this run. */
  readonly sequence: number;
  /** Occurrences at or before this instant are done (emitted or skipped). ISO UTC. */
  readonly after: string;
  /** Ticks emitted by the current execution (drives the hand-over before the history quota). */
  readonly executionTicks: number;
}

/** One tick to emit: merged with {@link TickCommon} into the `Schedule Tick` detail. */
export interface TickItem {
  readonly sequence: number;
  readonly scheduledAt: string;
  /** Ticks left after this one (limited schedules only). */
  readonly remaining?: number;
  readonly last: boolean;
}

/** Why a run completed: its limit was reached, its window or occurrences ended, or its one occurrence fired. */
export type CompletionReason = 'limit' | 'end' | 'once';

/** What the plan step decided: the state machine routes on `action`. */
export interface Plan {
  readonly action: PlanAction;
  readonly ticks?: TickItem[];
  readonly wakeAt?: string;
  readonly completed?: { id: string; runId: string; ticks: number; reason: CompletionReason };
}

/**
 * The JSONPath of each machine-state field the state machine reads. The builder uses these names, so a field
 * renamed in {@link MachineState} or {@link Plan} breaks the type-check here instead of a running execution.
 */
export const MACHINE_PATH = {
  started: '$.' + field<MachineState>('started'),
  common: '$.' + field<MachineState>('common'),
  id: '$.' + field<MachineState>('id'),
  runId: '$.' + field<MachineState>('runId'),
  planAction: '$.plan.' + field<Plan>('action'),
  planTicks: '$.plan.' + field<Plan>('ticks'),
  planWakeAt: '$.plan.' + field<Plan>('wakeAt'),
  planCompleted: '$.plan.' + field<Plan>('completed'),
  /** Inside the tick Map's item processor, whose input is `{ tick, common }`. */
  tickScheduledAt: '$.tick.' + field<TickItem>('scheduledAt'),
  tickSequence: '$.tick.' + field<TickItem>('sequence'),
} as const;
