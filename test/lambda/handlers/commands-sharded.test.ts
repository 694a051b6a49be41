/**
 * Start and Stop on the sharded engine: the same validation and fencing as the per-schedule engine, then the run
 * joins (or leaves) its shard: a roster entry, a late slot entry, a wake, stop markers.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { commandEvent, conditionFailed, mockAwsClients, useFakeClock, useHandlerEnv } from './handler-env';
import { runIdFor as runIdOf } from '../../../lambda/domain/execution-names';
import { shardOf } from '../../../lambda/domain/shards';
import { decodeSlotEntries } from '../../../lambda/domain/slot-codec';
import { handler as start } from '../../../lambda/handlers/start';
import { handler as stop } from '../../../lambda/handlers/stop';
import { ENV } from '../../../src/contract';

/** A slot item's entries, as the Emit reads them (lambda/domain/slot-codec.ts). */
const entriesOf = (item: Record<string, any>) => decodeSlotEntries(Number(String(item.pk).split('#')[2]), String(item.entries));

const { dynamo, sfn, bus } = mockAwsClients();
useHandlerEnv();
const SUPERVISOR = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Supervisor';
beforeEach(() => {
  Object.assign(process.env, { [ENV.ENGINE]: 'SHARDED', [ENV.SHARDS]: '4', [ENV.SHARD_TABLE_NAME]: 'shards', [ENV.SUPERVISOR_ARN]: SUPERVISOR });
  delete process.env[ENV.STATE_MACHINE_ARN];
});

const NOW = new Date('2026-11-22T10:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;
useFakeClock(NOW);
const iso = (seconds: number) => new Date((NOW_S + seconds) * 1000).toISOString();
const SHARD = shardOf('a', 4);

beforeEach(() => {
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  dynamo.on(DeleteItemCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: NOW });
});

const shardStateIs = (state: Record<string, unknown> | undefined) =>
  dynamo.on(GetItemCommand, { TableName: 'shards' }).resolves({ Item: state ? marshall({ pk: `shard#${SHARD}`, sk: 'state', ...state }) : undefined });
const calls = (Command: any, table: string) => dynamo.commandCalls(Command)
  .map((c: any) => c.args[0].input)
  .filter((i: any) => i.TableName === table);
const items = (table: string) => calls(PutItemCommand, table).map((i: any) => unmarshall(i.Item));
const putDetails = (detailType: string) => bus.commandCalls(PutEventsCommand)
  .flatMap((call) => call.args[0].input.Entries ?? [])
  .filter((entry) => entry.DetailType === detailType)
  .map((entry) => JSON.parse(entry.Detail!));
const SLEEPING = { epoch: 7, watermark: NOW_S - 100, plannedThrough: NOW_S + 140, sleepUntil: NOW_S + 600, heartbeatAt: NOW_S - 100 };

describe('Start on the sharded engine', () => {
  test('claims the run (fenced by event time) with its shard and no execution, so a Stop can count its ticks', async () => {
    shardStateIs(SLEEPING);
    await start(commandEvent('Schedule Start', { id: 'a', every: '30m' }, { id: 'e1' }));
    const [claim] = items('schedules');
    expect(calls(PutItemCommand, 'schedules')[0].ConditionExpression).toBe('attribute_not_exists(id) OR lastCommand < :command');
    expect(claim).toMatchObject({ id: 'a', status: 'RUNNING', shard: SHARD, ticks: 0, batchAfter: NOW.toISOString(), nextAt: iso(1800) });
    expect(claim.executionArn).toBeUndefined();
    expect(claim.batchSize).toBeGreaterThanOrEqual(1_000_000);
  });

  test('joins its shard\'s roster with a checkpoint at the accept time and the payload inline', async () => {
    shardStateIs(SLEEPING);
    await start(commandEvent('Schedule Start', { id: 'a', every: '30m', payload: { to: 'x' } }, { id: 'e1' }));
    const roster = items('shards').find((i) => i.pk === `roster#${SHARD}`)!;
    expect(roster).toMatchObject({ sk: 'a', checkpoint: { sequence: 0, after: NOW.toISOString() }, payloadJson: '{"to":"x"}' });
    expect(roster.spec).toMatchObject({ kind: 'every', everyMs: 1_800_000 });
    expect(calls(PutItemCommand, 'shards')[0].ConditionExpression).toBe('attribute_not_exists(sk) OR command < :command');
  });

  test('a payload over 512 bytes stays in the item: the roster entry only says so', async () => {
    shardStateIs(SLEEPING);
    await start(commandEvent('Schedule Start', { id: 'a', every: '30m', payload: 'y'.repeat(600) }));
    const roster = items('shards').find((i) => i.pk === `roster#${SHARD}`)!;
    expect(roster).toMatchObject({ payloadInItem: true });
    expect(roster.payloadJson).toBeUndefined();
  });

  test('a shard sleeping past the first tick is woken: a new epoch, and its supervisor', async () => {
    shardStateIs(SLEEPING);
    await start(commandEvent('Schedule Start', { id: 'a', duration: '5m' }));
    const bump = calls(UpdateItemCommand, 'shards')[0];
    expect(bump.ConditionExpression).toBe('epoch = :seen');
    expect(unmarshall(bump.ExpressionAttributeValues)).toMatchObject({ ':epoch': 8, ':seen': 7 });
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toMatchObject({ stateMachineArn: SUPERVISOR, name: `sh${SHARD}-e8-g0` });
  });

  test('a first tick after the shard\'s next plan wakes nothing: that plan will see the roster entry', async () => {
    shardStateIs(SLEEPING);
    await start(commandEvent('Schedule Start', { id: 'a', duration: '30m' }));
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('a shard with no state yet is woken', async () => {
    shardStateIs(undefined);
    await start(commandEvent('Schedule Start', { id: 'a', duration: '30m' }));
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.name).toBe(`sh${SHARD}-e1-g0`);
  });

  test('a one-shot due after every plan\'s horizon (an hour and a minute) neither reads the shard state nor wakes it', async () => {
    shardStateIs(undefined);
    await start(commandEvent('Schedule Start', { id: 'a', duration: '62m' }));
    expect(calls(GetItemCommand, 'shards')).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    // At the horizon itself, it still looks (and wakes a shard with no state).
    dynamo.resetHistory();
    await start(commandEvent('Schedule Start', { id: 'b', duration: '61m' }));
    expect(calls(GetItemCommand, 'shards')).toHaveLength(1);
  });

  test('a one-shot\'s claim carries completesAt, its tick\'s second, and its TTL: its completion is derived, not written', async () => {
    shardStateIs(SLEEPING);
    await start(commandEvent('Schedule Start', { id: 'a', duration: '5m' }));
    const [claim] = items('schedules');
    expect(claim).toMatchObject({ status: 'RUNNING', completesAt: iso(300), nextAt: iso(300) });
    expect(claim.expiresAt).toBe(NOW_S + 300 + Number(process.env[ENV.RETENTION_SECONDS]));
    // A series' claim has neither.
    dynamo.resetHistory();
    await start(commandEvent('Schedule Start', { id: 'b', every: '5m' }));
    expect(items('schedules')[0].completesAt).toBeUndefined();
    expect(items('schedules')[0].expiresAt).toBeUndefined();
  });

  test('a waker that loses the race to a newer epoch starts no supervisor: the winner\'s plan reads the roster after it', async () => {
    shardStateIs(undefined);
    dynamo.on(UpdateItemCommand, { TableName: 'shards' }).rejects(conditionFailed());
    await start(commandEvent('Schedule Start', { id: 'a', duration: '30m' }));
    expect(calls(UpdateItemCommand, 'shards')).toHaveLength(1);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  describe('while a plan runs (planningSince set)', () => {
    const PLANNING = { ...SLEEPING, planningSince: NOW_S - 2 };
    const replanRequests = () => calls(UpdateItemCommand, 'shards').filter((u: any) => u.UpdateExpression === 'SET replan = :true');

    test('a first tick before the plan\'s latest next plan asks it to replan (one conditional write), and wakes nothing', async () => {
      shardStateIs(PLANNING);
      await start(commandEvent('Schedule Start', { id: 'a', duration: '2m' }));
      const [request] = replanRequests();
      expect(request.ConditionExpression).toBe('epoch = :epoch AND planningSince >= :since');
      expect(unmarshall(request.ExpressionAttributeValues)).toEqual({ ':true': true, ':epoch': 7, ':since': NOW_S - 60 });
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    test('a first tick more than an hour after the plan began needs nothing: a later plan reads the roster in time', async () => {
      shardStateIs(PLANNING);
      await start(commandEvent('Schedule Start', { id: 'a', duration: '90m' }));
      expect(replanRequests()).toHaveLength(0);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    test('a plan that recorded meanwhile: the Start decides on what it recorded (here, sleeping past the tick: wake)', async () => {
      dynamo.on(GetItemCommand, { TableName: 'shards' })
        .resolvesOnce({ Item: marshall({ pk: `shard#${SHARD}`, sk: 'state', ...PLANNING }) })
        .resolves({ Item: marshall({ pk: `shard#${SHARD}`, sk: 'state', ...SLEEPING }) });
      dynamo.on(UpdateItemCommand, { TableName: 'shards', UpdateExpression: 'SET replan = :true' }).rejects(conditionFailed());
      await start(commandEvent('Schedule Start', { id: 'a', duration: '5m' }));
      expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual([`sh${SHARD}-e8-g0`]);
    });

    test('a plan that crashed (its mark over a minute old) does not count: the Start decides as if none ran', async () => {
      shardStateIs({ ...SLEEPING, planningSince: NOW_S - 61 });
      await start(commandEvent('Schedule Start', { id: 'a', duration: '5m' }));
      expect(replanRequests()).toHaveLength(0);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    });
  });

  test('a first tick in a second already planned also gets a late slot entry', async () => {
    shardStateIs(SLEEPING);
    await start(commandEvent('Schedule Start', { id: 'a', duration: '90s' }));
    const late = items('shards').find((i) => String(i.pk).startsWith('slot#'))!;
    expect(late.pk).toBe(`slot#${SHARD}#${NOW_S + 90}`);
    expect(late.sk).toMatch(/^x#a#/);
    // A one-shot's late entry, like its due entry, goes out only if the item still names its run.
    expect(entriesOf(late)).toEqual([{ id: 'a', runId: expect.any(String), sequence: 1, scheduledAt: iso(90), last: true, reason: 'once', checkOwner: true }]);
  });

  test('a one-shot joins its shard as a due entry keyed by its second, in the partition of its hour: no roster entry', async () => {
    shardStateIs(SLEEPING);
    await start(commandEvent('Schedule Start', { id: 'a', duration: '90m', payload: { to: 'x' } }, { id: 'e1' }));
    const second = NOW_S + 5400;
    const due = items('shards').filter((i) => String(i.pk).startsWith('due#'));
    expect(due).toEqual([expect.objectContaining({
      pk: `due#${SHARD}#${Math.floor(second / 3600)}`,
      sk: `${second}#a#${due[0].runId}`,
      checkpoint: { sequence: 0, after: NOW.toISOString() },
      payloadJson: '{"to":"x"}',
      expiresAt: second + 3 * 86_400,
    })]);
    expect(due[0].spec).toMatchObject({ kind: 'duration' });
    expect(items('shards').filter((i) => String(i.pk).startsWith('roster#'))).toEqual([]);
    expect(calls(PutItemCommand, 'shards')[0].ConditionExpression).toBe('attribute_not_exists(sk)');
    // Due long after the shard's next plan: nothing to wake.
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(putDetails('Schedule Started')).toHaveLength(1);
  });

  test('a redelivered one-shot Start finds its due entry: no second Started, and the shard plans again', async () => {
    shardStateIs(SLEEPING);
    const claimed = {
      id: 'a',
      status: 'RUNNING',
      runId: runIdOf('a', 'e1'),
      shard: SHARD,
      lastCommand: `${NOW.toISOString()}#e1`,
      spec: { kind: 'duration', expression: '90m', anchor: iso(5400), timezone: 'UTC' },
      batchAfter: NOW.toISOString(),
      startedAt: iso(-61),
    };
    dynamo.on(PutItemCommand, { TableName: 'schedules' }).rejects(conditionFailed(claimed));
    dynamo.on(PutItemCommand, { TableName: 'shards' }).rejects(conditionFailed({}));
    const event = commandEvent('Schedule Start', { id: 'a', duration: '90m' }, { id: 'e1' });
    await start(event);
    expect(putDetails('Schedule Started')).toEqual([]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  describe('Schedule Started is never lost to a crash (at least once)', () => {
    const claimedBefore = () => ({
      id: 'a',
      status: 'RUNNING',
      runId: runIdOf('a', 'e1'),
      shard: SHARD,
      lastCommand: `${NOW.toISOString()}#e1`,
      spec: { kind: 'every', expression: '30m', everyMs: 1_800_000, anchor: iso(1800), timezone: 'UTC' },
      batchAfter: NOW.toISOString(),
      // Claimed by the first attempt 61 s ago: Lambda retries a failed attempt after a minute at the earliest.
      startedAt: iso(-61),
    });

    test('the attempt that claims the run announces it before the run joins its shard', async () => {
      shardStateIs(SLEEPING);
      dynamo.on(PutItemCommand, { TableName: 'shards' }).rejects(new Error('InternalServerError'));
      await expect(start(commandEvent('Schedule Start', { id: 'a', every: '30m' }, { id: 'e1' }))).rejects.toThrow('InternalServerError');
      expect(putDetails('Schedule Started')).toEqual([expect.objectContaining({ id: 'a', runId: runIdOf('a', 'e1') })]);
    });

    test('a redelivery that puts the run on its shard (the first attempt stopped before) announces it', async () => {
      shardStateIs(SLEEPING);
      dynamo.on(PutItemCommand, { TableName: 'schedules' }).rejects(conditionFailed(claimedBefore()));
      await start(commandEvent('Schedule Start', { id: 'a', every: '30m' }, { id: 'e1' }));
      expect(items('shards').filter((i) => i.pk === `roster#${SHARD}`)).toHaveLength(1);
      expect(putDetails('Schedule Started')).toEqual([expect.objectContaining({ id: 'a', runId: runIdOf('a', 'e1'), nextAt: iso(1800) })]);
    });

    test('a copy delivered while the claiming attempt may still run (claimed under 30 s ago) leaves everything to it', async () => {
      shardStateIs(SLEEPING);
      dynamo.on(PutItemCommand, { TableName: 'schedules' }).rejects(conditionFailed({ ...claimedBefore(), startedAt: iso(-1) }));
      await start(commandEvent('Schedule Start', { id: 'a', every: '30m' }, { id: 'e1' }));
      // Nothing on the shard: if the claiming attempt fails, Lambda's retry (a minute later) puts the run there and
      // announces it, as the test above shows.
      expect(calls(PutItemCommand, 'shards')).toEqual([]);
      expect(putDetails('Schedule Started')).toEqual([]);
    });

    test('a redelivery announces the run as claimed: nextAt of the claim, not of the redelivery\'s own parse', async () => {
      shardStateIs(SLEEPING);
      dynamo.on(PutItemCommand, { TableName: 'schedules' }).rejects(conditionFailed({ ...claimedBefore(), nextAt: iso(1800 - 61) }));
      await start(commandEvent('Schedule Start', { id: 'a', every: '30m' }, { id: 'e1' }));
      expect(putDetails('Schedule Started')).toEqual([expect.objectContaining({ nextAt: iso(1800 - 61) })]);
    });

    test('a redelivery that finds the run on its shard sends nothing', async () => {
      shardStateIs(SLEEPING);
      dynamo.on(PutItemCommand, { TableName: 'schedules' }).rejects(conditionFailed(claimedBefore()));
      dynamo.on(PutItemCommand, { TableName: 'shards' }).rejects(conditionFailed({ command: `${NOW.toISOString()}#e1` }));
      await start(commandEvent('Schedule Start', { id: 'a', every: '30m' }, { id: 'e1' }));
      expect(putDetails('Schedule Started')).toEqual([]);
    });
  });

  test('a one-shot replacing a series removes the series\' roster entry; replacing a one-shot leaves its due entry to the emit\'s check', async () => {
    shardStateIs(SLEEPING);
    const previous = { id: 'a', status: 'RUNNING', runId: 'old', shard: SHARD, lastCommand: 'x' };
    dynamo.on(PutItemCommand, { TableName: 'schedules' }).resolves({ Attributes: marshall({ ...previous, spec: { kind: 'every', expression: '30m', everyMs: 1_800_000, anchor: iso(1800), timezone: 'UTC' } }) });
    await start(commandEvent('Schedule Start', { id: 'a', duration: '90m' }));
    // A tombstone with the new command takes the series' place, so a slower attempt of an older Start cannot put it back.
    const tombstone = calls(PutItemCommand, 'shards').find((i: any) => unmarshall(i.Item).pk === `roster#${SHARD}`)!;
    expect(unmarshall(tombstone.Item)).toEqual({ pk: `roster#${SHARD}`, sk: 'a', command: expect.stringMatching(/^2026-11-22T10:00:00.000Z#/), tombstone: true, expiresAt: NOW_S + 86_400 });
    expect(tombstone.ConditionExpression).toBe('attribute_not_exists(sk) OR command < :command');
    expect(calls(DeleteItemCommand, 'shards')).toEqual([]);
    dynamo.resetHistory();
    dynamo.on(PutItemCommand, { TableName: 'schedules' }).resolves({ Attributes: marshall({ ...previous, spec: { kind: 'duration', expression: '1h', anchor: iso(3600), timezone: 'UTC' } }) });
    await start(commandEvent('Schedule Start', { id: 'a', duration: '90m' }));
    expect(calls(DeleteItemCommand, 'shards')).toEqual([]);
    expect(items('shards').filter((i) => String(i.pk).startsWith('roster#'))).toEqual([]);
    expect(items('shards').filter((i) => String(i.pk).startsWith('stops#'))).toHaveLength(1);
  });

  describe('while a window runs (nextEmit set)', () => {
    const WINDOW = { ...SLEEPING, plannedThrough: NOW_S + 240, sleepUntil: NOW_S + 200, nextEmit: NOW_S + 20 };
    const windowAfterAdd = (nextEmit: number | undefined) => dynamo.on(UpdateItemCommand, { TableName: 'shards', UpdateExpression: 'ADD extras :second' })
      .resolves({ Attributes: marshall({ ...WINDOW, nextEmit, extras: new Set([NOW_S + 90]) }, { removeUndefinedValues: true }) });

    test('a first tick after the window\'s next second is added to extras for the window to visit: no wake', async () => {
      shardStateIs(WINDOW);
      windowAfterAdd(NOW_S + 20);
      await start(commandEvent('Schedule Start', { id: 'a', duration: '90s' }));
      const add = calls(UpdateItemCommand, 'shards').find((u: any) => u.UpdateExpression === 'ADD extras :second');
      expect(add.ConditionExpression).toBe('epoch = :epoch AND attribute_exists(nextEmit)');
      expect(unmarshall(add.ExpressionAttributeValues)).toEqual({ ':second': new Set([NOW_S + 90]), ':epoch': 7 });
      expect(items('shards').some((i) => i.pk === `slot#${SHARD}#${NOW_S + 90}`)).toBe(true);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    test('a first tick at or before the window\'s next second (it may be emitting it now) wakes the shard', async () => {
      shardStateIs(WINDOW);
      windowAfterAdd(NOW_S + 95);
      await start(commandEvent('Schedule Start', { id: 'a', duration: '90s' }));
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    });

    test('a first tick in the window\'s next second, while its Wait has more than a second to go, is read by that Emit: no wake', async () => {
      shardStateIs({ ...WINDOW, nextEmit: NOW_S + 90 });
      windowAfterAdd(NOW_S + 90);
      await start(commandEvent('Schedule Start', { id: 'a', duration: '90s' }));
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    test('a first tick in the window\'s next second, with less than a second to go when the entry is in, wakes the shard', async () => {
      shardStateIs({ ...WINDOW, nextEmit: NOW_S + 90 });
      dynamo.on(UpdateItemCommand, { TableName: 'shards', UpdateExpression: 'ADD extras :second' }).callsFake(() => {
        jest.setSystemTime(new Date((NOW_S + 89.5) * 1000));
        return { Attributes: marshall({ ...WINDOW, nextEmit: NOW_S + 90, extras: new Set([NOW_S + 90]) }) };
      });
      await start(commandEvent('Schedule Start', { id: 'a', duration: '90s' }));
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    });

    test('a run with several ticks before the planned second gets a late entry for each, and the window visits them all', async () => {
      shardStateIs(WINDOW);
      windowAfterAdd(NOW_S + 20);
      await start(commandEvent('Schedule Start', { id: 'a', every: '60s' }));
      const late = items('shards').filter((i) => String(i.pk).startsWith('slot#'));
      expect(late.map((i) => [i.pk, entriesOf(i)[0].sequence])).toEqual([60, 120, 180, 240].map((s, n) => [`slot#${SHARD}#${NOW_S + s}`, n + 1]));
      const add = calls(UpdateItemCommand, 'shards').find((u: any) => u.UpdateExpression === 'ADD extras :second');
      expect(unmarshall(add.ExpressionAttributeValues)[':second']).toEqual(new Set([60, 120, 180, 240].map((s) => NOW_S + s)));
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    test('a window that ended meanwhile (the add finds no nextEmit) wakes the shard', async () => {
      shardStateIs(WINDOW);
      dynamo.on(UpdateItemCommand, { TableName: 'shards', UpdateExpression: 'ADD extras :second' }).rejects(conditionFailed());
      await start(commandEvent('Schedule Start', { id: 'a', duration: '90s' }));
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    });
  });

  test('replacing a running run writes a stop marker for the old run, and Started names it', async () => {
    shardStateIs(SLEEPING);
    dynamo.on(PutItemCommand, { TableName: 'schedules' }).resolves({ Attributes: marshall({ id: 'a', status: 'RUNNING', runId: 'old', shard: SHARD, lastCommand: 'x' }) });
    await start(commandEvent('Schedule Start', { id: 'a', every: '30m' }));
    const marker = items('shards').find((i) => i.pk === `stops#${SHARD}`)!;
    expect(marker).toMatchObject({ sk: `${NOW.toISOString()}#a#old`, id: 'a', runId: 'old', processedAt: NOW.toISOString(), expiresAt: NOW_S + 900 });
    expect(putDetails('Schedule Started')[0]).toMatchObject({ id: 'a', replacedRunId: 'old' });
  });

  test('emits Schedule Started with the same detail as the per-schedule engine, unless turned off', async () => {
    shardStateIs(SLEEPING);
    await start(commandEvent('Schedule Start', { id: 'a', cron: '0 * * * *', limit: 3 }));
    expect(putDetails('Schedule Started')).toEqual([{
      id: 'a', runId: expect.any(String), kind: 'cron', expression: '0 * * * *', timezone: 'UTC', nextAt: iso(3600), limit: 3,
    }]);
    bus.resetHistory();
    process.env[ENV.STARTED_AND_COMPLETED] = 'false';
    await start(commandEvent('Schedule Start', { id: 'a', cron: '0 * * * *' }));
    expect(putDetails('Schedule Started')).toEqual([]);
  });

  test('an older Start than the last command changes nothing on the shard', async () => {
    dynamo.on(PutItemCommand, { TableName: 'schedules' }).rejects(conditionFailed({ id: 'a', status: 'RUNNING', runId: 'new', lastCommand: '2099-01-01T00:00:00.000Z#z' }));
    await start(commandEvent('Schedule Start', { id: 'a', every: '30m' }));
    expect(calls(PutItemCommand, 'shards')).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  test('invalid input is rejected exactly as on the per-schedule engine, and nothing is written', async () => {
    await start(commandEvent('Schedule Start', { id: 'a', every: '5M' }));
    expect(putDetails('Schedule Rejected')[0].errors.map((e: any) => e.field)).toEqual(['every']);
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe('a Start after a one-shot\'s tick second', () => {
  const done = {
    id: 'a',
    status: 'RUNNING',
    runId: 'old-run',
    shard: SHARD,
    lastCommand: '2026-11-22T09:00:00.000Z#start',
    spec: { kind: 'duration', expression: '1h', anchor: iso(-2), timezone: 'UTC' },
    completesAt: iso(-2),
  };

  test('replaces no run (Started names none) but fences the old run with a marker at now, which lets its tick out', async () => {
    shardStateIs(SLEEPING);
    dynamo.on(PutItemCommand, { TableName: 'schedules' }).resolves({ Attributes: marshall(done) });
    await start(commandEvent('Schedule Start', { id: 'a', duration: '30m' }));
    expect(putDetails('Schedule Started')[0].replacedRunId).toBeUndefined();
    expect(items('shards').filter((i) => String(i.pk).startsWith('stops#'))).toEqual([
      expect.objectContaining({ id: 'a', runId: 'old-run', processedAt: NOW.toISOString() }),
    ]);
  });

  test('a redelivered copy of the one-shot\'s own Start, arriving after its tick second, does nothing', async () => {
    const event = commandEvent('Schedule Start', { id: 'a', duration: '1h' }, { id: 'e1', time: '2026-11-22T09:00:00Z' });
    const claimed = { ...done, runId: runIdOf('a', 'e1'), lastCommand: '2026-11-22T09:00:00.000Z#e1', startedAt: iso(-3602), batchAfter: iso(-3602) };
    dynamo.on(PutItemCommand, { TableName: 'schedules' }).rejects(conditionFailed(claimed));
    await start(event);
    expect(items('shards')).toEqual([]);
    expect(putDetails('Schedule Started')).toEqual([]);
  });
});

describe('a first tick that falls due while the Start puts the run on its shard', () => {
  // 10 ms before the minute: the shard may emit 10:01:00 before the entry is written (the write below takes 30 ms).
  const BEFORE = new Date('2026-11-22T10:00:59.990Z');
  const DUE = '2026-11-22T10:01:00.000Z';
  const S = Date.parse(DUE) / 1000;
  const WINDOW = { epoch: 7, watermark: S - 1, plannedThrough: S + 200, sleepUntil: S + 200, heartbeatAt: S - 1, nextEmit: S };
  beforeEach(() => dynamo.on(UpdateItemCommand, { TableName: 'shards' }).resolves({ Attributes: marshall({ pk: 'shard', sk: 'state', ...WINDOW }) }));
  const itemNames = (runId: string) => dynamo.on(GetItemCommand, { TableName: 'schedules' }).resolves({ Item: marshall({ id: 'a', runId, status: 'RUNNING' }) });
  const writesTake30ms = () => dynamo.on(PutItemCommand, { TableName: 'shards' }).callsFake(() => {
    jest.setSystemTime(new Date(BEFORE.getTime() + 30));
    return {};
  });

  test.each([
    ['a series (cron)', { cron: '* * * * *' }, []],
    ['a one-shot (at), with its Schedule Completed', { at: DUE }, [{ reason: 'once', ticks: 1 }]],
  ])('%s: the Start sends it itself, if the item still names the run', async (_kind, spec, completed) => {
    jest.setSystemTime(BEFORE);
    shardStateIs(WINDOW);
    writesTake30ms();
    itemNames(runIdOf('a', 'e1'));
    await start(commandEvent('Schedule Start', { id: 'a', ...spec }, { id: 'e1', time: '2026-11-22T10:00:59Z' }));
    expect(putDetails('Schedule Tick')).toEqual([{ id: 'a', runId: runIdOf('a', 'e1'), sequence: 1, scheduledAt: DUE, last: 'at' in spec }]);
    expect(putDetails('Schedule Completed')).toEqual(completed.map((c) => ({ id: 'a', runId: runIdOf('a', 'e1'), ...c })));
  });

  test('not when the Start took so long that the tick is more than 10 s late: such an occurrence is skipped', async () => {
    jest.setSystemTime(BEFORE);
    shardStateIs(WINDOW);
    dynamo.on(PutItemCommand, { TableName: 'shards' }).callsFake(() => {
      jest.setSystemTime(new Date(BEFORE.getTime() + 11_000));
      return {};
    });
    itemNames(runIdOf('a', 'e1'));
    await start(commandEvent('Schedule Start', { id: 'a', cron: '* * * * *' }, { id: 'e1', time: '2026-11-22T10:00:59Z' }));
    expect(putDetails('Schedule Tick')).toEqual([]);
  });

  test('not when the item names another run by then (a newer Start or a Stop)', async () => {
    jest.setSystemTime(BEFORE);
    shardStateIs(WINDOW);
    writesTake30ms();
    itemNames('a-newer-run');
    await start(commandEvent('Schedule Start', { id: 'a', cron: '* * * * *' }, { id: 'e1', time: '2026-11-22T10:00:59Z' }));
    expect(putDetails('Schedule Tick')).toEqual([]);
  });

  test('not when it is still ahead once the run is on its shard: the shard emits it', async () => {
    jest.setSystemTime(BEFORE);
    shardStateIs(WINDOW);
    itemNames(runIdOf('a', 'e1'));
    await start(commandEvent('Schedule Start', { id: 'a', cron: '* * * * *' }, { id: 'e1', time: '2026-11-22T10:00:59Z' }));
    expect(putDetails('Schedule Tick')).toEqual([]);
    expect(calls(GetItemCommand, 'schedules')).toHaveLength(0);
  });
});

describe('Stop on the sharded engine', () => {
  const running = {
    id: 'a',
    status: 'RUNNING',
    runId: 'r1',
    shard: SHARD,
    lastCommand: '2026-11-22T09:00:00.000Z#start',
    ticks: 0,
    batchAfter: '2026-11-22T09:00:00.000Z',
    batchSize: 1_000_000_000,
    spec: { kind: 'every', expression: '10m', everyMs: 600_000, anchor: '2026-11-22T09:10:00.000Z', timezone: 'UTC' },
  };

  const itemIs = (item: Record<string, unknown>) => dynamo.on(GetItemCommand, { TableName: 'schedules' }).resolves({ Item: marshall(item) });

  test('marks the run stopped, fences its ticks out with a stop marker, leaves the roster, and reports the ticks due by now', async () => {
    itemIs(running);
    dynamo.on(UpdateItemCommand, { TableName: 'schedules' }).resolves({ Attributes: marshall(running) });
    await stop(commandEvent('Schedule Stop', { id: 'a' }));
    expect(items('shards')).toEqual([expect.objectContaining({ pk: `stops#${SHARD}`, sk: `${NOW.toISOString()}#a#r1`, processedAt: NOW.toISOString() })]);
    expect(calls(DeleteItemCommand, 'shards')[0]).toMatchObject({ Key: marshall({ pk: `roster#${SHARD}`, sk: 'a' }), ConditionExpression: 'runId = :runId' });
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
    // 09:10, 09:20, ..., 10:00
    expect(putDetails('Schedule Stopped')).toEqual([{ id: 'a', runId: 'r1', ticks: 6 }]);
  });

  test('a stopped one-shot keeps its due entry (the emit checks the item) and gets a stop marker', async () => {
    const oneShot = { ...running, spec: { kind: 'duration', expression: '2h', anchor: iso(3600), timezone: 'UTC' }, batchSize: 1, completesAt: iso(3600) };
    itemIs(oneShot);
    dynamo.on(UpdateItemCommand, { TableName: 'schedules' }).resolves({ Attributes: marshall(oneShot) });
    await stop(commandEvent('Schedule Stop', { id: 'a' }));
    // The marker is written before the item says STOPPED (an Emit reading a one-shot's item eventually consistent
    // relies on it), and again after (the same key): idempotent.
    const marker = expect.objectContaining({ pk: `stops#${SHARD}`, sk: `${NOW.toISOString()}#a#r1` });
    expect(items('shards')).toEqual([marker, marker]);
    const order = dynamo.calls().map((c: any) => `${c.args[0].constructor.name}:${c.args[0].input.TableName}`);
    expect(order.indexOf('PutItemCommand:shards')).toBeLessThan(order.indexOf('UpdateItemCommand:schedules'));
    expect(calls(DeleteItemCommand, 'shards')).toEqual([]);
    expect(putDetails('Schedule Stopped')).toEqual([{ id: 'a', runId: 'r1', ticks: 0 }]);
  });

  test('a Stop of a one-shot that fails to apply removes the marker it wrote first, and fails (Lambda retries it)', async () => {
    const oneShot = { ...running, spec: { kind: 'duration', expression: '2h', anchor: iso(3600), timezone: 'UTC' }, batchSize: 1, completesAt: iso(3600) };
    itemIs(oneShot);
    dynamo.on(UpdateItemCommand, { TableName: 'schedules' }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(stop(commandEvent('Schedule Stop', { id: 'a' }))).rejects.toThrow('Rate exceeded');
    expect(items('shards')).toEqual([expect.objectContaining({ pk: `stops#${SHARD}`, sk: `${NOW.toISOString()}#a#r1` })]);
    expect(calls(DeleteItemCommand, 'shards')).toEqual([expect.objectContaining({ Key: marshall({ pk: `stops#${SHARD}`, sk: `${NOW.toISOString()}#a#r1` }) })]);
  });

  test('a Stop after a one-shot\'s tick second writes no marker: the run is complete (its completion is derived)', async () => {
    const done = { ...running, spec: { kind: 'duration', expression: '1h', anchor: iso(-60), timezone: 'UTC' }, batchSize: 1, completesAt: iso(-60) };
    itemIs(done);
    dynamo.on(UpdateItemCommand, { TableName: 'schedules' }).rejects(conditionFailed(done));
    await stop(commandEvent('Schedule Stop', { id: 'a' }));
    expect(items('shards')).toEqual([]);
    expect(putDetails('Schedule Stopped')).toEqual([]);
  });

  test('a redelivered Stop writes the same marker again and does not report twice', async () => {
    const stopped = { ...running, status: 'STOPPED', reason: 'stopped', finishedAt: iso(-5), lastCommand: '2026-11-22T10:00:00.000Z#stop-1', stopReported: true };
    itemIs(stopped);
    dynamo.on(UpdateItemCommand, { TableName: 'schedules' }).rejects(conditionFailed(stopped));
    await stop(commandEvent('Schedule Stop', { id: 'a' }, { id: 'stop-1', time: '2026-11-22T10:00:00Z' }));
    expect(items('shards')).toEqual([expect.objectContaining({ sk: `${iso(-5)}#a#r1` })]);
    expect(putDetails('Schedule Stopped')).toEqual([]);
  });
});
