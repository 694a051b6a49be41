import {
  isValidExecutionName, LocalStateMachine, StepFunctionsLocal, TaskError, TaskInvocation, taskStates,
} from '../../local/src/step-functions-local';
import { VirtualClock } from '../../local/src/virtual-clock';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const SM_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Local';
const PUT_EVENTS = 'arn:aws:states:::events:putEvents';
const FN_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:worker';
const iso = (ms: number) => new Date(ms).toISOString();

interface Call extends TaskInvocation { readonly at: number }

function machine(definition: any, dispatch?: (t: TaskInvocation) => any, extra: Record<string, any> = {}) {
  const calls: Call[] = [];
  const m = new LocalStateMachine({
    stateMachineArn: SM_ARN,
    definition,
    dispatch: async t => {
      calls.push({ ...t, at: Date.now() });
      return dispatch ? dispatch(t) : { ok: true };
    },
    ...extra,
  });
  return { m, calls };
}

const waitThenTask = {
  StartAt: 'WaitUntil',
  States: {
    WaitUntil: { Type: 'Wait', TimestampPath: '$.at', Next: 'Emit' },
    Emit: {
      Type: 'Task',
      Resource: PUT_EVENTS,
      Parameters: { Entries: [{ 'Detail.$': '$.detail', 'DetailType': 'Schedule Tick', 'Source': 'scheduler', 'EventBusName': 'default' }] },
      ResultPath: null,
      End: true,
    },
  },
};

describe('LocalStateMachine', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = VirtualClock.install({ now: T0 });
  });
  afterEach(() => {
    clock.uninstall();
  });

  test('Wait (TimestampPath) waits in virtual time; the Task gets its effective input; ResultPath null keeps the input', async () => {
    const { m, calls } = machine(waitThenTask);
    const input = JSON.stringify({ at: iso(T0 + 90 * 60_000), detail: { id: 'a' } });
    const { executionArn, startDate } = m.startExecution({ name: 'exec-1', input });
    expect(executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:Local:exec-1');
    expect(startDate.getTime()).toBe(T0);
    await clock.advanceBy(89 * 60_000);
    expect(calls).toEqual([]);
    expect(m.describeExecution({ executionArn }).status).toBe('RUNNING');
    await clock.advanceBy(60_000);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      at: T0 + 90 * 60_000,
      stateName: 'Emit',
      resource: PUT_EVENTS,
      executionName: 'exec-1',
      input: { Entries: [{ Detail: { id: 'a' }, DetailType: 'Schedule Tick', Source: 'scheduler', EventBusName: 'default' }] },
    });
    const d = m.describeExecution({ executionArn });
    expect(d).toMatchObject({ status: 'SUCCEEDED', name: 'exec-1', input });
    expect(JSON.parse(d.output)).toEqual(JSON.parse(input));
    expect(d.stopDate.getTime()).toBe(T0 + 90 * 60_000);
    // Wait 2 + Task 5 + execution 2
    expect(m.stats()).toMatchObject({ executionsStarted: 1, stateTransitions: 2, maxHistoryEventsPerExecution: 9, succeeded: 1 });
  });

  test.each([
    ['TimestampPath', waitThenTask, { at: '2030-01-01T00:00:10.900Z' }],
    ['Timestamp', { ...waitThenTask, States: { ...waitThenTask.States, WaitUntil: { Type: 'Wait', Timestamp: '2030-01-01T00:00:10.900Z', Next: 'Emit' } } }, {}],
  ])('Wait (%s) truncates the timestamp to whole seconds, as Step Functions does: 00:00:10.900 ends at 00:00:10.000', async (_field, definition, input) => {
    const { m, calls } = machine(definition);
    m.startExecution({ name: 'truncated', input: JSON.stringify({ ...input, detail: { id: 'a' } }) });
    await clock.advanceTo(T0 + 9_999);
    expect(calls).toEqual([]);
    await clock.advanceTo(T0 + 10_000);
    expect(calls.map((c) => c.at)).toEqual([T0 + 10_000]);
  });

  test('failExecution ends a running execution as an uncatchable error would: FAILED, nothing of it runs any more', async () => {
    const ended: string[] = [];
    const { m, calls } = machine(waitThenTask, undefined, { onExecutionEnd: (e: any) => ended.push(`${e.status} ${e.error}`) });
    const { executionArn } = m.startExecution({ name: 'doomed', input: JSON.stringify({ at: iso(T0 + 60_000), detail: {} }) });
    expect(m.failExecution(executionArn, 'States.Runtime', 'boom')).toBe(true);
    await clock.advanceBy(120_000);
    expect(calls).toEqual([]);
    expect(m.describeExecution({ executionArn })).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: 'boom' });
    expect(ended).toEqual(['FAILED States.Runtime']);
    expect(m.failExecution(executionArn)).toBe(false);
  });

  test('a Wait timestamp in the past continues at once', async () => {
    const { m, calls } = machine(waitThenTask);
    m.startExecution({ input: JSON.stringify({ at: iso(T0 - 1000), detail: {} }) });
    await clock.settle();
    expect(calls).toHaveLength(1);
    expect(calls[0].at).toBe(T0);
  });

  test('execution names: the rules, idempotent restart, ExecutionAlreadyExists, reuse after 90 days', async () => {
    expect(isValidExecutionName('a'.repeat(80))).toBe(true);
    expect(isValidExecutionName('a'.repeat(81))).toBe(false);
    expect(isValidExecutionName('')).toBe(false);
    expect(isValidExecutionName('sched_1-tick')).toBe(true);
    expect(isValidExecutionName('a.b')).toBe(false);
    expect(isValidExecutionName('a.b', 'aws')).toBe(true);
    expect(isValidExecutionName('a b', 'aws')).toBe(false);
    expect(isValidExecutionName('a:b', 'aws')).toBe(false);

    const { m } = machine(waitThenTask);
    expect(() => m.startExecution({ name: 'bad name' })).toThrow(expect.objectContaining({ type: 'InvalidName' }));
    expect(() => m.startExecution({ name: 'x', input: '{' })).toThrow(expect.objectContaining({ type: 'InvalidExecutionInput' }));
    const input = JSON.stringify({ at: iso(T0 + 1000), detail: {} });
    const first = m.startExecution({ name: 'same', input });
    expect(m.startExecution({ name: 'same', input })).toEqual(first); // running, same input: idempotent
    expect(m.stats().executionsStarted).toBe(1);
    expect(() => m.startExecution({ name: 'same', input: '{"other":1}' }))
      .toThrow(expect.objectContaining({ type: 'ExecutionAlreadyExists', statusCode: 400 }));
    await clock.advanceBy(1000);
    expect(m.describeExecution(first).status).toBe('SUCCEEDED');
    expect(() => m.startExecution({ name: 'same', input })).toThrow(expect.objectContaining({ type: 'ExecutionAlreadyExists' }));
    await clock.advanceBy(90 * 24 * 3600 * 1000);
    const again = m.startExecution({ name: 'same', input: JSON.stringify({ at: iso(T0), detail: {} }) });
    expect(again.executionArn).toBe(first.executionArn);
    expect(m.stats().executionsStarted).toBe(2);
  });

  test('StopExecution aborts a waiting execution; unknown executions do not exist; stopping twice is a no-op', async () => {
    const { m, calls } = machine(waitThenTask);
    const { executionArn } = m.startExecution({ name: 'to-stop', input: JSON.stringify({ at: iso(T0 + 3600_000), detail: {} }) });
    await clock.advanceBy(1000);
    const { stopDate } = m.stopExecution({ executionArn, error: 'Replaced', cause: 'by a new start' });
    expect(stopDate.getTime()).toBe(T0 + 1000);
    expect(m.describeExecution({ executionArn })).toMatchObject({ status: 'ABORTED', error: 'Replaced', cause: 'by a new start' });
    await clock.advanceBy(2 * 3600_000);
    expect(calls).toEqual([]);
    expect(m.describeExecution({ executionArn }).status).toBe('ABORTED');
    expect(m.stopExecution({ executionArn }).stopDate).toEqual(stopDate);
    expect(() => m.stopExecution({ executionArn: `${executionArn}x` })).toThrow(expect.objectContaining({ type: 'ExecutionDoesNotExist' }));
    expect(() => m.describeExecution({ executionArn: `${executionArn}x` })).toThrow(expect.objectContaining({ type: 'ExecutionDoesNotExist' }));
    expect(m.stats()).toMatchObject({ aborted: 1, running: 0 });
  });

  test('Map: ItemSelector with $$.Map.Item, Tasks nested in the ItemProcessor are dispatched by state name', async () => {
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.ticks',
          MaxConcurrency: 10,
          ItemSelector: { 'at.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index', 'id.$': '$.id' },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'WaitTick',
            States: {
              WaitTick: { Type: 'Wait', TimestampPath: '$.at', Next: 'EmitTick' },
              EmitTick: {
                Type: 'Task',
                Resource: PUT_EVENTS,
                Parameters: { Entries: [{ Detail: { 'id.$': '$.id', 'n.$': '$.index' }, DetailType: 'Schedule Tick', Source: 's' }] },
                ResultPath: null,
                End: true,
              },
            },
          },
          ResultPath: null,
          End: true,
        },
      },
    };
    expect([...taskStates(definition).keys()]).toEqual(['EmitTick']);
    const { m, calls } = machine(definition);
    const ticks = [T0 + 60_000, T0 + 180_000, T0 + 120_000].map(iso);
    const { executionArn } = m.startExecution({ input: JSON.stringify({ id: 'sched', ticks }) });
    await clock.advanceBy(10 * 60_000);
    expect(calls.map(c => [c.stateName, c.at - T0, c.input.Entries[0].Detail])).toEqual([
      ['EmitTick', 60_000, { id: 'sched', n: 0 }],
      ['EmitTick', 120_000, { id: 'sched', n: 2 }],
      ['EmitTick', 180_000, { id: 'sched', n: 1 }],
    ]);
    expect(m.describeExecution({ executionArn }).status).toBe('SUCCEEDED');
    // transitions: Map 1 + 3 x (Wait + Task) = 7; history: 2 + Map 4 + 3 x (iteration 2 + Wait 2 + Task 5) = 33
    expect(m.stats()).toMatchObject({ stateTransitions: 7, maxHistoryEventsPerExecution: 33 });
  });

  test('States.JsonMerge, OutputPath, ResultSelector, and a Lambda Task with a function ARN resource', async () => {
    const definition = {
      StartAt: 'Merge',
      States: {
        Merge: {
          Type: 'Pass',
          Parameters: { 'merged.$': 'States.JsonMerge($.a, $.b, false)', 'keep.$': '$.keep' },
          Next: 'Plan',
        },
        Plan: {
          Type: 'Task',
          Resource: FN_ARN,
          ResultSelector: { 'action.$': '$.action' },
          ResultPath: '$.plan',
          OutputPath: '$.plan',
          End: true,
        },
      },
    };
    const { m, calls } = machine(definition, () => ({ action: 'emit', ignored: true }));
    const { executionArn } = m.startExecution({ input: JSON.stringify({ a: { x: 1, y: 1 }, b: { y: 2, z: { d: 1 } }, keep: 'k' }) });
    await clock.settle();
    expect(calls[0].input).toEqual({ merged: { x: 1, y: 2, z: { d: 1 } }, keep: 'k' });
    expect(calls[0].resource).toBe(FN_ARN);
    expect(JSON.parse(m.describeExecution({ executionArn }).output)).toEqual({ action: 'emit' });
  });

  test('States.JsonMerge of ItemSelector fields does not leak between Map iterations (the scheduler\'s tick shape)', async () => {
    const definition = {
      StartAt: 'EmitTicks',
      States: {
        EmitTicks: {
          Type: 'Map',
          ItemsPath: '$.plan.ticks',
          MaxConcurrency: 1,
          ItemSelector: { 'tick.$': '$$.Map.Item.Value', 'common.$': '$.common' },
          ItemProcessor: {
            StartAt: 'EmitTick',
            States: {
              EmitTick: {
                Type: 'Task',
                Resource: PUT_EVENTS,
                Parameters: { Entries: [{ 'Detail.$': 'States.JsonMerge($.common, $.tick, false)', 'DetailType': 'Schedule Tick', 'Source': 's' }] },
                ResultPath: null,
                OutputPath: '$.tick.sequence',
                End: true,
              },
            },
          },
          ResultPath: null,
          End: true,
        },
      },
    };
    const { m, calls } = machine(definition);
    const input = { common: { id: 'x' }, plan: { ticks: [{ sequence: 1, extra: 'only-first' }, { sequence: 2 }] } };
    const { executionArn } = m.startExecution({ input: JSON.stringify(input) });
    await clock.settle();
    expect(calls.map(c => c.input.Entries[0].Detail)).toEqual([{ id: 'x', sequence: 1, extra: 'only-first' }, { id: 'x', sequence: 2 }]);
    expect(JSON.parse(m.describeExecution({ executionArn }).output)).toEqual(input);
  });

  test('deep States.JsonMerge is rejected (as on AWS)', async () => {
    const { m } = machine({
      StartAt: 'Merge',
      States: { Merge: { Type: 'Pass', Parameters: { 'm.$': 'States.JsonMerge($.a, $.b, true)' }, End: true } },
    });
    const { executionArn } = m.startExecution({ input: '{"a":{},"b":{}}' });
    await clock.settle();
    expect(m.describeExecution({ executionArn })).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  test('Retry: BackoffRate and MaxDelaySeconds in virtual time, retries count as transitions', async () => {
    const definition = {
      StartAt: 'Flaky',
      States: {
        Flaky: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { 'FunctionName': FN_ARN, 'Payload.$': '$' },
          Retry: [{ ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 10, BackoffRate: 2, MaxDelaySeconds: 15, MaxAttempts: 3 }],
          End: true,
        },
      },
    };
    let n = 0;
    const { m, calls } = machine(definition, () => {
      if (++n < 3) throw new TaskError('Lambda.TooManyRequestsException', 'Rate exceeded');
      return { Payload: { ok: true }, StatusCode: 200 };
    });
    const { executionArn } = m.startExecution({ input: '{"k":1}' });
    await clock.advanceBy(60_000);
    expect(calls.map(c => c.at - T0)).toEqual([0, 10_000, 25_000]); // 10 s, then min(20 s, 15 s)
    expect(calls[0].input).toEqual({ FunctionName: FN_ARN, Payload: { k: 1 } });
    expect(m.describeExecution({ executionArn }).status).toBe('SUCCEEDED');
    // transitions: 1 entered + 2 retries; history: 2 + Task 5 + 2 retries x 3
    expect(m.stats()).toMatchObject({ stateTransitions: 3, maxHistoryEventsPerExecution: 13 });
  });

  test('Retry: JitterStrategy FULL waits a random time up to the interval', async () => {
    const definition = {
      StartAt: 'Flaky',
      States: {
        Flaky: {
          Type: 'Task',
          Resource: FN_ARN,
          Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 100, BackoffRate: 1, MaxAttempts: 5, JitterStrategy: 'FULL' }],
          End: true,
        },
      },
    };
    let n = 0;
    const { m, calls } = machine(definition, () => {
      if (++n < 5) throw new TaskError('Custom', 'again');
      return {};
    });
    m.startExecution();
    await clock.advanceBy(1000_000);
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i].at);
    expect(gaps).toHaveLength(4);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(0);
    for (const g of gaps) expect(g).toBeLessThanOrEqual(100_000);
    expect(new Set(gaps).size).toBeGreaterThan(1);
  });

  test('Catch: the error output goes to ResultPath and the execution continues; uncaught errors fail it', async () => {
    const definition = {
      StartAt: 'Boom',
      States: {
        Boom: {
          Type: 'Task',
          Resource: FN_ARN,
          Catch: [{ ErrorEquals: ['Handled'], ResultPath: '$.error', Next: 'Recovered' }],
          End: true,
        },
        Recovered: { Type: 'Pass', End: true },
      },
    };
    const { m } = machine(definition, (t: TaskInvocation) => {
      throw new TaskError(t.input.kind, `cause of ${t.input.kind}`);
    });
    const caught = m.startExecution({ input: '{"kind":"Handled"}' });
    const failed = m.startExecution({ input: '{"kind":"Unhandled"}' });
    await clock.settle();
    expect(JSON.parse(m.describeExecution(caught).output)).toEqual({
      kind: 'Handled', error: { Error: 'Handled', Cause: 'cause of Handled' },
    });
    expect(m.describeExecution(failed)).toMatchObject({ status: 'FAILED', error: 'Unhandled', cause: 'cause of Unhandled' });
  });

  test('a Task with TimeoutSeconds fails with States.Timeout when its dispatch hangs', async () => {
    const definition = {
      StartAt: 'Hang',
      States: {
        Hang: {
          Type: 'Task',
          Resource: FN_ARN,
          TimeoutSeconds: 5,
          Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'TimedOut' }],
          End: true,
        },
        TimedOut: { Type: 'Succeed' },
      },
    };
    const { m } = machine(definition, () => new Promise(() => undefined));
    const { executionArn } = m.startExecution();
    await clock.advanceBy(4000);
    expect(m.describeExecution({ executionArn }).status).toBe('RUNNING');
    await clock.advanceBy(1000);
    expect(m.describeExecution({ executionArn }).status).toBe('SUCCEEDED');
    expect(clock.inFlight()).toEqual([]);
  });

  test('a Task without TimeoutSeconds does not time out after the library default of 60 s', async () => {
    const definition = { StartAt: 'Slow', States: { Slow: { Type: 'Task', Resource: FN_ARN, End: true } } };
    const { m } = machine(definition, () => new Promise(resolve => setTimeout(() => resolve({ late: true }), 3600_000)));
    const { executionArn } = m.startExecution();
    await clock.advanceBy(3600_000);
    expect(m.describeExecution({ executionArn })).toMatchObject({ status: 'SUCCEEDED', output: '{"late":true}' });
  });

  test('the history-event quota fails a runaway execution with States.Runtime', async () => {
    const definition = {
      StartAt: 'Loop',
      States: {
        Loop: { Type: 'Wait', Seconds: 1, Next: 'Again' },
        Again: { Type: 'Choice', Choices: [{ Variable: '$.stop', BooleanEquals: true, Next: 'Done' }], Default: 'Loop' },
        Done: { Type: 'Succeed' },
      },
    };
    const { m } = machine(definition, undefined, { maxHistoryEvents: 200 });
    const { executionArn } = m.startExecution({ input: '{"stop":false}' });
    await clock.advanceBy(3600_000);
    expect(m.describeExecution({ executionArn })).toMatchObject({
      status: 'FAILED', error: 'States.Runtime', cause: 'The execution reached the maximum number of history events (200).',
    });
    expect(m.execution(executionArn)!.historyEvents).toBe(200);
    expect(m.stats().maxHistoryEventsPerExecution).toBe(200);
  });

  test('a state output over 256 KiB fails with States.DataLimitExceeded', async () => {
    const { m } = machine({ StartAt: 'Big', States: { Big: { Type: 'Task', Resource: FN_ARN, End: true } } },
      () => ({ blob: 'x'.repeat(300_000) }));
    const { executionArn } = m.startExecution();
    await clock.settle();
    expect(m.describeExecution({ executionArn })).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  test('execution TimeoutSeconds times the execution out', async () => {
    const { m } = machine({ TimeoutSeconds: 10, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } });
    const { executionArn } = m.startExecution();
    await clock.advanceBy(10_000);
    expect(m.describeExecution({ executionArn })).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
  });

  test('the context object: execution id, name, start time, state machine id, $$.State.EnteredTime', async () => {
    const { m, calls } = machine({
      StartAt: 'Ctx',
      States: {
        Ctx: {
          Type: 'Pass',
          Parameters: {
            'id.$': '$$.Execution.Id',
            'name.$': '$$.Execution.Name',
            'start.$': '$$.Execution.StartTime',
            'sm.$': '$$.StateMachine.Id',
            'entered.$': '$$.State.EnteredTime',
          },
          Next: 'Later',
        },
        Later: { Type: 'Wait', Seconds: 30, Next: 'Mark' },
        Mark: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:updateItem',
          Parameters: { ExpressionAttributeValues: { ':now': { 'S.$': '$$.State.EnteredTime' } } },
          ResultPath: null,
          End: true,
        },
      },
    });
    const { executionArn } = m.startExecution({ name: 'ctx' });
    await clock.advanceBy(60_000);
    expect(JSON.parse(m.describeExecution({ executionArn }).output)).toEqual({
      id: executionArn, name: 'ctx', start: iso(T0), sm: SM_ARN, entered: iso(T0),
    });
    expect(calls[0].input).toEqual({ ExpressionAttributeValues: { ':now': { S: iso(T0 + 30_000) } } });
  });
});

describe('StepFunctionsLocal (registry)', () => {
  test('routes the endpoint operations by ARN', async () => {
    const clock = VirtualClock.install({ now: T0 });
    try {
      const registry = new StepFunctionsLocal();
      const { m } = machine({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
      registry.add(m);
      const api = registry.endpointHandlers();
      const started = await api.StartExecution({ stateMachineArn: SM_ARN, name: 'r1', input: '{"a":1}' });
      await clock.settle();
      expect(await api.DescribeExecution({ executionArn: started.executionArn })).toMatchObject({ status: 'SUCCEEDED', output: '{"a":1}' });
      expect(() => api.StartExecution({ stateMachineArn: `${SM_ARN}x` })).toThrow(expect.objectContaining({ type: 'StateMachineDoesNotExist' }));
      expect(() => api.StopExecution({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:Nope:x' }))
        .toThrow(expect.objectContaining({ type: 'ExecutionDoesNotExist' }));
      expect(registry.stats()).toMatchObject({ executionsStarted: 1, succeeded: 1 });
    } finally {
      clock.uninstall();
    }
  });
});
