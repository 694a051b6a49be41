/** EventBridge detail types of the scheduler's commands and events. */
export const DETAIL_TYPE = {
  START: 'Schedule Start',
  STOP: 'Schedule Stop',
  TICK: 'Schedule Tick',
  STARTED: 'Schedule Started',
  COMPLETED: 'Schedule Completed',
  STOPPED: 'Schedule Stopped',
  REJECTED: 'Schedule Rejected',
  FAILED: 'Schedule Failed',
} as const;

/**
 * The detail type of the events Step Functions sends to the account's default bus (source `aws.states`) when a
 * Standard execution changes status; the detail has `executionArn`, `stateMachineArn`, `status`, `error`, `cause`
 * and the execution's `input` (a JSON string, left out when input and output exceed 248 KB).
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
 */
export const STATUS_CHANGE_DETAIL_TYPE = 'Step Functions Execution Status Change';

/**
 * EventBridge rejects PutEvents entries whose source starts with this prefix: it is reserved for AWS services.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html
 */
export const RESERVED_SOURCE_PREFIX = 'aws.';

/** The fields a `Schedule Start` detail may have; any other field is rejected. */
export const START_FIELDS = ['id', 'cron', 'every', 'duration', 'at', 'limit', 'timezone', 'startAt', 'endAt', 'payload'] as const;
