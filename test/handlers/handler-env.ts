import { ENV } from '../../src/private/contract';

/** The environment the construct gives the handlers, for handler unit tests. */
export const TEST_ENV = {
  [ENV.TABLE_NAME]: 'schedules',
  [ENV.EVENT_BUS_NAME]: 'app-bus',
  [ENV.TICK_SOURCE]: 'com.test',
  [ENV.RETENTION_SECONDS]: '86400',
  [ENV.STATE_MACHINE_ARN]: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Scheduler',
};

export function useHandlerEnv(): void {
  const saved = { ...process.env };
  beforeEach(() => Object.assign(process.env, TEST_ENV));
  afterEach(() => {
    process.env = { ...saved };
  });
}

let counter = 0;
/** An EventBridge event as a rule target receives it. */
export function commandEvent(detailType: string, detail: unknown, overrides: Partial<{ id: string; time: string; source: string }> = {}) {
  counter += 1;
  return {
    'version': '0',
    'id': overrides.id ?? `event-${counter}`,
    'detail-type': detailType,
    'source': overrides.source ?? 'my.app',
    'account': '123456789012',
    'time': overrides.time ?? '2026-11-22T10:00:00Z',
    'region': 'eu-west-1',
    'resources': [],
    detail,
  } as any;
}
