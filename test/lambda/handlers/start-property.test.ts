/**
 * Property: whatever detail a Start carries, the start handler either accepts it with a valid plan (the
 * StartExecution input has a batch of ticks or a sleep) or rejects it with errors naming fields; it never throws
 * and never drops a command silently. Over 1,000 random details: anything at all, random objects, and structured
 * details that are valid or nearly so.
 */
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import * as fc from 'fast-check';
import { commandEvent, mockAwsClients, useHandlerEnv } from './handler-env';
import { handler } from '../../../lambda/handlers/start';

const { dynamo, sfn, bus } = mockAwsClients();
useHandlerEnv();

const NOW = new Date('2026-11-22T10:00:00.000Z');
const DAY = 24 * 3600 * 1000;

beforeEach(() => {
  jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
});
afterEach(() => jest.useRealTimers());

function resetMocks(): void {
  dynamo.reset();
  sfn.reset();
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  // The re-read after StartExecution sees the item the claim wrote.
  dynamo.on(GetItemCommand).callsFake(async () => ({ Item: dynamo.commandCalls(PutItemCommand)[0]?.args[0].input.Item }));
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: NOW });
  sfn.on(StopExecutionCommand).resolves({ stopDate: NOW });
}

const putEntries = () => bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
const isIso = (text: unknown) => typeof text === 'string' && new Date(text).toISOString() === text;

let runs = 0;
/** Runs the handler on one detail and checks the outcome is exactly one of: accepted with a valid plan, rejected. */
async function checkOutcome(detail: unknown): Promise<void> {
  runs += 1;
  resetMocks();
  await expect(handler(commandEvent('Schedule Start', detail, { id: `evt-${runs}` }))).resolves.toBeUndefined();

  const rejected = putEntries().filter((e) => e.DetailType === 'Schedule Rejected').map((e) => JSON.parse(e.Detail!));
  const starts = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
  const claims = dynamo.commandCalls(PutItemCommand);
  // Never silent, never both.
  expect(rejected.length + starts.length).toBe(1);

  if (rejected.length === 1) {
    const [rejection] = rejected;
    expect(rejection.command).toBe('Schedule Start');
    expect(rejection.eventId).toBe(`evt-${runs}`);
    expect(Array.isArray(rejection.errors)).toBe(true);
    expect(rejection.errors.length).toBeGreaterThan(0);
    for (const error of rejection.errors) {
      expect(typeof error.field).toBe('string');
      expect(error.field.length).toBeGreaterThan(0);
      expect(typeof error.message).toBe('string');
      expect(error.message.length).toBeGreaterThan(0);
    }
    expect(claims).toHaveLength(0);
    return;
  }

  // Accepted: one claim, one execution named without the user's id, and a plan the state machine can run.
  expect(claims).toHaveLength(1);
  const [start] = starts;
  expect(start.name).toMatch(/^[0-9a-f]{32}-[0-9a-f]{20}-0$/);
  const input = JSON.parse(start.input!);
  expect(input.id).toBe((detail as any).id);
  expect(input.generation).toBe(0);
  expect(input.started).toMatchObject({ id: input.id, runId: input.runId, kind: input.spec.kind });
  const { plan } = input;
  if (plan.action === 'emit') {
    expect(plan.ticks.length).toBeGreaterThan(0);
    expect(plan.ticks.length).toBeLessThanOrEqual(100);
    if (input.spec.limit !== undefined) expect(plan.ticks.length).toBeLessThanOrEqual(input.spec.limit);
    plan.ticks.forEach((tick: any, i: number) => {
      expect(tick.sequence).toBe(i + 1);
      expect(isIso(tick.scheduledAt)).toBe(true);
      expect(Date.parse(tick.scheduledAt)).toBeGreaterThan(NOW.getTime());
      if (i > 0) expect(Date.parse(tick.scheduledAt)).toBeGreaterThan(Date.parse(plan.ticks[i - 1].scheduledAt));
      expect(typeof tick.last).toBe('boolean');
    });
    expect(input.started.nextAt).toBe(plan.ticks[0].scheduledAt);
  } else {
    expect(plan.action).toBe('sleep');
    expect(isIso(plan.wakeAt)).toBe(true);
    expect(Date.parse(plan.wakeAt)).toBeGreaterThan(NOW.getTime());
    // The next occurrence is beyond this execution's lifetime, and Schedule Started still says when it is.
    expect(Date.parse(input.started.nextAt)).toBeGreaterThan(Date.parse(plan.wakeAt));
  }
}

const iso = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
/** Mostly valid values, sometimes invalid ones: near-valid details. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: invalid });
const instant = mostly(
  fc.oneof(
    fc.integer({ min: -30, max: 800 }).map((days) => iso(days * DAY)),
    fc.integer({ min: -3600, max: 7 * 24 * 3600 }).map((s) => iso(s * 1000).replace('.000Z', '+00:00')),
    fc.constant('2027-06-01T10:00:00+02:00'),
  ),
  fc.constantFrom('2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-12-01T09:00:00', 'tomorrow', '', '2027-01-01', iso(-400 * DAY)),
);
const cron = mostly(
  fc.oneof(
    fc.constantFrom('* * * * *', '*/15 * * * *', '0 9 * * MON-FRI', '0 0 29 2 *', '0 */5 * * * *', '30 0 0 1 1 *',
      'cron(0 12 ? * 2-6 *)', 'cron(0 12 ? * 2#1 2027)', 'cron(0 18 L * ? *)', '0 2 * * *'),
    fc.tuple(fc.constantFrom('*', '0', '*/7', '1-5', '59'), fc.constantFrom('*', '3', '12', '1,13'),
      fc.constantFrom('*', '1', '15', '31', 'L'), fc.constantFrom('*', '2', '12', 'JAN'), fc.constantFrom('*', 'MON', '0', '1-5'))
      .map((fields) => fields.join(' ')),
  ),
  fc.constantFrom('0 0 31 2 *', 'cron(0 12 * * 2 *)', 'cron(0 12 ? * * 2020)', '61 * * * *', '* * *', '', '@daily', '0 9 * * 8', '60 24 32 13 8'),
);
const interval = mostly(
  fc.oneof(
    fc.constantFrom('1s', '30s', '5m', '1h30m', '2d', 'PT5M', 'P1D', '400d', '90m'),
    fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('s', 'm', 'h', 'd')).map(([n, unit]) => `${n}${unit}`),
  ),
  fc.constantFrom('PT0.5S', '5', '5M', '0s', '-5m', '5y', 'PT', 'P', '1w', ' 5m', '1h 30m', '500ms', '0m'),
);
const id = mostly(
  fc.stringMatching(/^[a-z0-9:_.-]{1,40}$/),
  fc.oneof(fc.constantFrom('', 'x'.repeat(257), 'tab\there', 'line\nbreak', '🦄'.repeat(200)), fc.integer(), fc.constant(null), fc.array(fc.string())),
);
const limit = mostly(fc.integer({ min: 1, max: 300 }), fc.constantFrom(0, -1, 1.5, 1e12, '3', null));
const timezone = mostly(fc.constantFrom('UTC', 'Europe/Rome', 'America/New_York', 'Australia/Lord_Howe'), fc.constantFrom('Mars/Olympus', '', 5, 'utc+1'));
const payload = mostly(fc.jsonValue({ maxDepth: 3 }), fc.constant({ blob: 'b'.repeat(8_300) }));

const ABSENT = Symbol('absent');
/** An optional field: present one time in four. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary });

/** Structured details: one timing field most of the time, optional bounds, sometimes a stray field. */
const nearValid = fc.tuple(
  fc.record({
    id,
    limit: sometimes(limit),
    timezone: sometimes(timezone),
    startAt: sometimes(instant),
    endAt: sometimes(instant),
    payload: sometimes(payload),
  }),
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.oneof(
        cron.map((c) => ({ cron: c })),
        interval.map((e) => ({ every: e })),
        interval.map((d) => ({ duration: d })),
        instant.map((a) => ({ at: a })),
      ),
    },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.record({ cron, every: interval }) },
  ),
  fc.integer({ min: 0, max: 19 }),
).map(([fields, timing, dice]) => ({
  ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ABSENT)),
  ...timing,
  ...(dice === 0 ? { colour: 'red' } : {}),
}));

describe('start handler: any detail is accepted with a valid plan or rejected with errors, never thrown or dropped', () => {
  test('anything at all (300 runs)', async () => {
    await fc.assert(fc.asyncProperty(fc.anything(), checkOutcome), { numRuns: 300 });
  });

  test('random JSON objects (300 runs)', async () => {
    await fc.assert(fc.asyncProperty(fc.object(), checkOutcome), { numRuns: 300 });
  });

  test('structured, near-valid details (600 runs), of which a good share is accepted', async () => {
    const before = runs;
    let accepted = 0;
    await fc.assert(fc.asyncProperty(nearValid, async (detail) => {
      await checkOutcome(detail);
      if (sfn.commandCalls(StartExecutionCommand).length > 0) accepted += 1;
    }), { numRuns: 600 });
    expect(runs - before).toBeGreaterThanOrEqual(600);
    // The generator is not just noise: both outcomes are exercised.
    expect(accepted).toBeGreaterThan(60);
    expect(accepted).toBeLessThan(runs - before);
  });

  afterAll(() => {
    expect(runs).toBeGreaterThanOrEqual(1_200);
  });
});
