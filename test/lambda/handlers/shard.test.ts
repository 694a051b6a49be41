import {
  BatchGetItemCommand, DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { conditionFailed, mockAwsClients, useFakeClock, useHandlerEnv } from './handler-env';
import { parseStartDetail } from '../../../lambda/domain/schedule-spec';
import { SlotEntry } from '../../../lambda/domain/shards';
import { decodeSlotEntries } from '../../../lambda/domain/slot-codec';
import { handler } from '../../../lambda/handlers/shard';
import { ENV, PLANS_PER_EXECUTION } from '../../../src/contract';

/** A slot item's entries, as the Emit reads them (lambda/domain/slot-codec.ts). */
const entriesOf = (item: Record<string, any>) => decodeSlotEntries(Number(String(item.pk).split('#')[2]), String(item.entries));

const { dynamo, sfn, bus } = mockAwsClients();
useHandlerEnv();
beforeEach(() => Object.assign(process.env, { [ENV.ENGINE]: 'SHARDED', [ENV.SHARDS]: '2', [ENV.SHARD_TABLE_NAME]: 'shards' }));

const NOW = new Date('2026-11-22T10:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;
useFakeClock(NOW);
const iso = (seconds: number) => new Date((NOW_S + seconds) * 1000).toISOString();
const SUPERVISOR = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Supervisor';

beforeEach(() => {
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  dynamo.on(DeleteItemCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [] });
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: NOW });
});

/** The shard's state item, as read, and as an update returning it (ALL_NEW) sees it. */
function shardStateIs(state: Record<string, unknown> | undefined) {
  const item = state ? marshall({ pk: 'shard#0', sk: 'state', ...state }) : undefined;
  dynamo.on(GetItemCommand, { TableName: 'shards' }).resolves({ Item: item });
  dynamo.on(UpdateItemCommand, { TableName: 'shards' }).resolves({ Attributes: item });
}
function partitionHas(pk: string, items: Record<string, unknown>[]) {
  dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: pk } } }).resolves({ Items: items.map((item) => marshall({ pk, ...item }, { removeUndefinedValues: true })) });
}
const spec = (detail: Record<string, unknown>, acceptedAt = NOW) => {
  const parsed = parseStartDetail({ id: 'x', ...detail }, acceptedAt);
  if (!parsed.ok) throw new Error('bad');
  return parsed.spec;
};
const writes = (Command: any, table = 'shards') => dynamo.commandCalls(Command).map((c: any) => c.args[0].input).filter((i: any) => i.TableName === table);
const entriesPut = () => bus.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
const details = (detailType: string) => entriesPut().filter((e) => e.DetailType === detailType).map((e) => JSON.parse(e.Detail!));
const STATE = { epoch: 3, watermark: NOW_S, plannedThrough: NOW_S, sleepUntil: NOW_S, heartbeatAt: NOW_S };
const planEvent = (plans = 0) => ({ op: 'plan' as const, state: { shard: 0, epoch: 3, generation: 0, plans }, supervisorArn: SUPERVISOR });

describe('plan, while Starts join the roster', () => {
  const ROSTER = [{ sk: 'a', runId: 'r1', spec: spec({ every: '60s' }), checkpoint: { sequence: 0, after: NOW.toISOString() } }];
  const recordCalls = () => writes(UpdateItemCommand).filter((u: any) => String(u.UpdateExpression).startsWith('SET plannedThrough'));
  const rosterReads = () => dynamo.commandCalls(QueryCommand).filter((c: any) => c.args[0].input.ExpressionAttributeValues[':pk'].S === 'roster#0');

  test('a Start\'s replan request makes the plan read the roster again before it records', async () => {
    shardStateIs(STATE);
    partitionHas('roster#0', ROSTER);
    dynamo.on(UpdateItemCommand, { TableName: 'shards', ConditionExpression: 'epoch = :epoch AND attribute_not_exists(replan)' })
      .rejectsOnce(conditionFailed({ pk: 'shard#0', sk: 'state', ...STATE, replan: true }))
      .resolves({});
    expect(await handler(planEvent())).toMatchObject({ route: 'window' });
    expect(rosterReads()).toHaveLength(2);
    expect(writes(UpdateItemCommand).map((u: any) => u.UpdateExpression.split(' ')[1])).toEqual(['planningSince', 'plannedThrough', 'planningSince', 'plannedThrough']);
    expect(writes(UpdateItemCommand)[2].UpdateExpression).toContain('REMOVE replan');
  });

  test('after three plans disturbed by Starts, the last is recorded anyway and the shard plans again in a second', async () => {
    shardStateIs(STATE);
    partitionHas('roster#0', ROSTER);
    dynamo.on(UpdateItemCommand, { TableName: 'shards', ConditionExpression: 'epoch = :epoch AND attribute_not_exists(replan)' })
      .rejects(conditionFailed({ pk: 'shard#0', sk: 'state', ...STATE, replan: true }));
    expect(await handler(planEvent())).toMatchObject({ route: 'sleep', sleepUntil: iso(1) });
    const records = recordCalls();
    expect(records.map((u: any) => u.ConditionExpression)).toEqual([
      'epoch = :epoch AND attribute_not_exists(replan)', 'epoch = :epoch AND attribute_not_exists(replan)', 'epoch = :epoch',
    ]);
    expect(unmarshall(records[2].ExpressionAttributeValues)).toMatchObject({ ':sleep': NOW_S + 1 });
  });

  test('a record refused because a newer epoch owns the shard ends the supervisor', async () => {
    shardStateIs(STATE);
    partitionHas('roster#0', ROSTER);
    dynamo.on(UpdateItemCommand, { TableName: 'shards', ConditionExpression: 'epoch = :epoch AND attribute_not_exists(replan)' })
      .rejects(conditionFailed({ pk: 'shard#0', sk: 'state', ...STATE, epoch: 4 }));
    expect(await handler(planEvent())).toMatchObject({ route: 'fenced' });
    expect(rosterReads()).toHaveLength(1);
  });
});

describe('plan', () => {
  test('a supervisor of an older epoch is fenced: it ends and writes nothing', async () => {
    shardStateIs({ ...STATE, epoch: 4 });
    expect(await handler(planEvent())).toMatchObject({ route: 'fenced', epoch: 3 });
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  test('writes a slot page per active second, records the plan, and runs a window over those seconds', async () => {
    shardStateIs(STATE);
    partitionHas('roster#0', [{ sk: 'a', runId: 'r1', spec: spec({ every: '60s' }), checkpoint: { sequence: 0, after: NOW.toISOString() } }]);
    const result = await handler(planEvent());

    expect(result).toEqual({
      shard: 0,
      epoch: 3,
      generation: 0,
      plans: 1,
      route: 'window',
      window: { shard: 0, epoch: 3, seconds: [NOW_S + 60, NOW_S + 120, NOW_S + 180, NOW_S + 240], at: iso(60), more: true },
    });
    const pages = writes(PutItemCommand).map((i: any) => unmarshall(i.Item));
    expect(pages.map((p) => [p.pk, p.sk, p.epoch])).toEqual([60, 120, 180, 240].map((s) => [`slot#0#${NOW_S + s}`, 'p#0', 3]));
    expect(entriesOf(pages[0])).toEqual([{ id: 'a', runId: 'r1', sequence: 1, scheduledAt: iso(60), last: false }]);
    expect(pages[0].expiresAt).toBe(NOW_S + 60 + 86_400);
    // Planning is announced first (fenced), then the result.
    const updates = writes(UpdateItemCommand);
    expect(updates.map((u: any) => u.ConditionExpression)).toEqual(['epoch = :epoch', 'epoch = :epoch AND attribute_not_exists(replan)']);
    expect(unmarshall(updates[1].ExpressionAttributeValues)).toMatchObject({ ':through': NOW_S + 241, ':sleep': NOW_S + 240, ':epoch': 3 });
  });

  test('with nothing due in the window, sleeps until a minute before the next occurrence', async () => {
    shardStateIs(STATE);
    partitionHas('roster#0', [{ sk: 'a', runId: 'r1', spec: spec({ every: '1h' }), checkpoint: { sequence: 0, after: NOW.toISOString() } }]);
    expect(await handler(planEvent())).toMatchObject({ route: 'sleep', sleepUntil: iso(3540) });
    expect(writes(PutItemCommand)).toHaveLength(0);
  });

  test('a tombstone in the roster (a series replaced by a one-shot) is skipped, not failed', async () => {
    shardStateIs(STATE);
    partitionHas('roster#0', [{ sk: 'a', command: 'c', tombstone: true }]);
    expect(await handler(planEvent())).toMatchObject({ route: 'sleep', sleepUntil: iso(3600) });
    expect(writes(UpdateItemCommand, 'schedules')).toEqual([]);
    expect(entriesPut()).toEqual([]);
  });

  test('an empty shard sleeps an hour', async () => {
    shardStateIs(STATE);
    expect(await handler(planEvent())).toMatchObject({ route: 'sleep', sleepUntil: iso(3600) });
  });

  test('after its plans quota, starts the next generation and hands over', async () => {
    shardStateIs(STATE);
    expect(await handler(planEvent(PLANS_PER_EXECUTION))).toMatchObject({ route: 'handover' });
    const [start] = sfn.commandCalls(StartExecutionCommand);
    expect(start.args[0].input).toMatchObject({ stateMachineArn: SUPERVISOR, name: 'sh0-e3-g1' });
    expect(JSON.parse(start.args[0].input.input!)).toEqual({ shard: 0, epoch: 3, generation: 1, plans: 0 });
  });

  test('skipped occurrences move the checkpoint, in the roster and on the item, so they use no sequence number', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 300 });
    // Started 11 minutes ago: ticks at -600, -540, ... s; emitted through -300 s (6 ticks), then the shard stalled.
    const started = new Date((NOW_S - 660) * 1000);
    partitionHas('roster#0', [{ sk: 'a', runId: 'r1', spec: spec({ every: '60s' }, started), checkpoint: { sequence: 0, after: started.toISOString() } }]);
    await handler(planEvent());
    const checkpoint = writes(UpdateItemCommand).find((u: any) => u.UpdateExpression === 'SET checkpoint = :checkpoint');
    expect(unmarshall(checkpoint.ExpressionAttributeValues)[':checkpoint']).toEqual({ sequence: 6, after: iso(-11) });
    const item = writes(UpdateItemCommand, 'schedules')[0];
    expect(unmarshall(item.ExpressionAttributeValues)).toMatchObject({ ':ticks': 6, ':after': iso(-11), ':runId': 'r1' });
  });

  describe('one-shots (due entries, by the hour of their second)', () => {
    const HOUR = NOW_S / 3600;
    const oneShot = (id: string, inSeconds: number, acceptedAt = NOW) => ({
      sk: `${NOW_S + inSeconds}#${id}#r-${id}`,
      id,
      runId: `r-${id}`,
      spec: spec({ duration: `${inSeconds + (NOW.getTime() - acceptedAt.getTime()) / 1000}s` }, acceptedAt),
      checkpoint: { sequence: 0, after: acceptedAt.toISOString() },
    });
    const dueQueries = () => dynamo.commandCalls(QueryCommand).map((c: any) => c.args[0].input).filter((i: any) => i.ExpressionAttributeValues[':pk'].S.startsWith('due#'));

    test('those due in the window are read by a range of their hour\'s partition and planned with checkOwner; no roster entry to touch', async () => {
      shardStateIs(STATE);
      partitionHas(`due#0#${HOUR}`, [oneShot('o', 90)]);
      const result = await handler(planEvent());
      expect(result).toMatchObject({ route: 'window', window: { seconds: [NOW_S + 90] } });
      expect(unmarshall(dueQueries()[0].ExpressionAttributeValues)).toEqual({
        ':pk': `due#0#${HOUR}`, ':from': String(NOW_S + 1).padStart(10, '0'), ':through': `${String(NOW_S + 241).padStart(10, '0')}~`,
      });
      const page = writes(PutItemCommand).map((i: any) => unmarshall(i.Item)).find((p) => p.pk === `slot#0#${NOW_S + 90}`)!;
      expect(entriesOf(page)).toEqual([{ id: 'o', runId: 'r-o', sequence: 1, scheduledAt: iso(90), last: true, reason: 'once', checkOwner: true }]);
      expect(writes(UpdateItemCommand).filter((u: any) => u.UpdateExpression === 'SET checkpoint = :checkpoint')).toEqual([]);
    });

    test('with nothing due in the window, the shard sleeps until a minute before the next one-shot (a Limit 1 read)', async () => {
      shardStateIs(STATE);
      partitionHas(`due#0#${HOUR}`, [oneShot('later', 1800)]);
      expect(await handler(planEvent())).toMatchObject({ route: 'sleep', sleepUntil: iso(1740) });
      expect(dueQueries().some((q: any) => q.Limit === 1)).toBe(true);
    });

    test('a plan records its first second, and the next reads due entries from there, not from a stale watermark', async () => {
      shardStateIs({ ...STATE, watermark: NOW_S - 86_400, dueFrom: NOW_S - 30 });
      await handler(planEvent());
      const from = dueQueries().filter((q: any) => q.Limit === undefined).map((q: any) => unmarshall(q.ExpressionAttributeValues)[':from']);
      // NOW is on the hour: the previous hour's partition from dueFrom, then this hour's from its start.
      expect(from).toEqual([String(NOW_S - 30).padStart(10, '0'), String(NOW_S).padStart(10, '0')]);
      const record = writes(UpdateItemCommand).find((u: any) => String(u.UpdateExpression).startsWith('SET plannedThrough'))!;
      expect(unmarshall(record.ExpressionAttributeValues)[':dueFrom']).toBe(NOW_S - 10);
    });

    test('one missed while the shard was down completes (its tick skipped) without a roster delete', async () => {
      shardStateIs({ ...STATE, watermark: NOW_S - 3600 });
      const acceptedAt = new Date((NOW_S - 7200) * 1000);
      partitionHas(`due#0#${HOUR - 1}`, [oneShot('missed', -1800, acceptedAt)]);
      await handler(planEvent());
      const completion = writes(UpdateItemCommand, 'schedules').find((u: any) => unmarshall(u.ExpressionAttributeValues)[':completed'] === 'COMPLETED')!;
      expect(unmarshall(completion.ExpressionAttributeValues)).toMatchObject({ ':runId': 'r-missed', ':ticks': 0 });
      expect(writes(DeleteItemCommand)).toEqual([]);
      expect(dueQueries().map((q: any) => q.ExpressionAttributeValues[':pk'].S)).toEqual(expect.arrayContaining([`due#0#${HOUR - 1}`, `due#0#${HOUR}`]));
    });
  });

  test('a newer epoch\'s page is never overwritten: the older planner is fenced', async () => {
    shardStateIs(STATE);
    partitionHas('roster#0', [{ sk: 'a', runId: 'r1', spec: spec({ every: '60s' }), checkpoint: { sequence: 0, after: NOW.toISOString() } }]);
    dynamo.on(PutItemCommand).rejects(conditionFailed());
    expect(await handler(planEvent())).toMatchObject({ route: 'fenced' });
  });
});

describe('emit', () => {
  const window = (seconds: number[]) => ({ op: 'emit' as const, window: { shard: 0, epoch: 3, seconds: seconds.map((s) => NOW_S + s), at: iso(seconds[0]), more: true } });
  const tick = (id: string, extra: Partial<SlotEntry> = {}): SlotEntry => ({ id, runId: `run-${id}`, sequence: 1, scheduledAt: iso(0), last: false, ...extra });
  const slotHas = (second: number, entries: SlotEntry[], epoch = 3) => partitionHas(`slot#0#${NOW_S + second}`, [{ sk: 'p#0', epoch, entries: JSON.stringify(entries) }]);

  test('emits every tick of the second, 10 entries per PutEvents call, then advances the watermark and moves to the next second', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, Array.from({ length: 25 }, (_, i) => tick(`s${String(i).padStart(2, '0')}`, { payloadJson: '{"n":1}' })));
    const result = await handler(window([0, 30]));

    expect(bus.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([10, 10, 5]);
    expect(details('Schedule Tick')[0]).toEqual({ id: 's00', runId: 'run-s00', payload: { n: 1 }, sequence: 1, scheduledAt: iso(0), last: false });
    expect(entriesPut()[0]).toMatchObject({ EventBusName: 'app-bus', Source: 'com.test' });
    const watermark = writes(UpdateItemCommand).find((u: any) => u.UpdateExpression.startsWith('SET watermark'));
    expect(unmarshall(watermark.ExpressionAttributeValues)).toMatchObject({ ':second': NOW_S, ':epoch': 3 });
    expect(result).toEqual({ shard: 0, epoch: 3, seconds: [NOW_S + 30], at: iso(30), more: true });
  });

  test('the last second of a window ends it', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, [tick('a')]);
    expect(await handler(window([0]))).toMatchObject({ seconds: [], more: false });
  });

  test('drops ticks of a run stopped before their scheduledAt, and duplicates; keeps earlier ticks of a stopped run', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, [tick('a'), tick('a'), tick('b'), tick('c')]);
    partitionHas('stops#0', [
      { sk: `${iso(-5)}#b#run-b`, id: 'b', runId: 'run-b', processedAt: iso(-5) },
      { sk: `${iso(0)}#c#old`, id: 'c', runId: 'old', processedAt: iso(0) },
      { sk: `${iso(1)}#c#run-c`, id: 'c', runId: 'run-c', processedAt: new Date((NOW_S + 0.5) * 1000).toISOString() },
    ]);
    await handler(window([0]));
    expect(details('Schedule Tick').map((d) => d.id)).toEqual(['a', 'c']);
  });

  test('uses only the newest plan\'s pages of a second, and late entries', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    partitionHas(`slot#0#${NOW_S}`, [
      { sk: 'p#0', epoch: 3, entries: JSON.stringify([tick('new')]) },
      { sk: 'p#1', epoch: 2, entries: JSON.stringify([tick('stale')]) },
      { sk: 'x#late#run-late', entries: JSON.stringify([tick('late')]) },
    ]);
    await handler(window([0]));
    expect(details('Schedule Tick').map((d) => d.id).sort()).toEqual(['late', 'new']);
  });

  test('reads payloads too large to travel inline from the schedules table, and drops a tick whose item moved on', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, [tick('big', { payloadInItem: true }), tick('gone', { payloadInItem: true })]);
    dynamo.on(BatchGetItemCommand).resolves({
      Responses: {
        schedules: [
          marshall({ id: 'big', runId: 'run-big', payloadJson: JSON.stringify({ blob: 'y'.repeat(600) }) }),
          marshall({ id: 'gone', runId: 'another-run', payloadJson: '1' }),
        ],
      },
    });
    await handler(window([0]));
    expect(details('Schedule Tick')).toEqual([{ id: 'big', runId: 'run-big', payload: { blob: 'y'.repeat(600) }, sequence: 1, scheduledAt: iso(0), last: false }]);
  });

  test('a one-shot\'s tick goes out only while its item names its run, running (a Stop or a new Start leaves its due entry)', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    const once = { checkOwner: true, last: true, reason: 'once' as const };
    slotHas(0, [tick('keep', once), tick('stopped', once), tick('replaced', once), tick('stoppedAfter', once), tick('series')]);
    dynamo.on(BatchGetItemCommand).resolves({
      Responses: {
        schedules: [
          marshall({ id: 'keep', runId: 'run-keep', status: 'RUNNING' }),
          marshall({ id: 'stopped', runId: 'run-stopped', status: 'STOPPED', finishedAt: iso(-60) }),
          // Stopped half a second after its scheduledAt: the Stop drops later ticks only (as a stop marker does).
          marshall({ id: 'stoppedAfter', runId: 'run-stoppedAfter', status: 'STOPPED', finishedAt: new Date((NOW_S + 0.5) * 1000).toISOString() }),
          marshall({ id: 'replaced', runId: 'a-newer-run', status: 'RUNNING' }),
        ],
      },
    });
    // The stopped run's completion is refused by its condition (its item is not RUNNING).
    dynamo.on(UpdateItemCommand, { TableName: 'schedules', ExpressionAttributeValues: { ':runId': { S: 'run-stoppedAfter' } } }).rejects(conditionFailed());
    await handler(window([0]));
    // Only the one-shots' items are read, eventually consistent; the series' tick needs no read. The item naming
    // another run is read again, strongly consistent (it may be a Start claimed a moment ago).
    const reads = dynamo.commandCalls(BatchGetItemCommand).map((c: any) => c.args[0].input.RequestItems.schedules)
      .map((r: any) => ({ consistent: r.ConsistentRead, ids: r.Keys.map((k: any) => unmarshall(k).id).sort() }));
    expect(reads).toEqual([
      { consistent: false, ids: ['keep', 'replaced', 'stopped', 'stoppedAfter'] },
      { consistent: true, ids: ['replaced'] },
    ]);
    expect(details('Schedule Tick').map((d) => d.id)).toEqual(['keep', 'stoppedAfter', 'series']);
    expect(details('Schedule Completed')).toEqual([{ id: 'keep', runId: 'run-keep', ticks: 1, reason: 'once' }]);
    // Its due entry stays (TTL deletes it): no roster entry to delete.
    expect(writes(DeleteItemCommand)).toEqual([]);
  });

  test('a one-shot whose item has completesAt is not written at completion: its Schedule Completed goes out with the tick', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    const once = { checkOwner: true, last: true, reason: 'once' as const };
    slotHas(0, [tick('derived', once), tick('written', once)]);
    dynamo.on(BatchGetItemCommand).resolves({
      Responses: {
        schedules: [
          marshall({ id: 'derived', runId: 'run-derived', status: 'RUNNING', completesAt: iso(0) }),
          // An item claimed before completions were derived: written as before.
          marshall({ id: 'written', runId: 'run-written', status: 'RUNNING' }),
        ],
      },
    });
    await handler(window([0]));
    expect(details('Schedule Tick').map((d) => d.id)).toEqual(['derived', 'written']);
    expect(details('Schedule Completed').sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual([
      { id: 'derived', runId: 'run-derived', ticks: 1, reason: 'once' },
      { id: 'written', runId: 'run-written', ticks: 1, reason: 'once' },
    ]);
    const completions = dynamo.commandCalls(UpdateItemCommand).map((c: any) => c.args[0].input)
      .filter((input: any) => input.TableName === 'schedules').map((input: any) => unmarshall(input.Key).id);
    expect(completions).toEqual(['written']);
  });

  test('a one-shot replaced by a Start processed at or after its tick\'s second was complete: its tick and Completed go out', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    const once = { checkOwner: true, last: true, reason: 'once' as const };
    slotHas(0, [tick('late', once), tick('early', once)]);
    partitionHas('stops#0', [
      // Replaced half a second after its scheduledAt (the shard emits within the second after it).
      { sk: `${iso(0)}#late#run-late`, id: 'late', runId: 'run-late', processedAt: new Date((NOW_S + 0.5) * 1000).toISOString() },
      // Replaced before it: dropped.
      { sk: `${iso(-5)}#early#run-early`, id: 'early', runId: 'run-early', processedAt: iso(-5) },
    ]);
    dynamo.on(BatchGetItemCommand).resolves({
      Responses: {
        schedules: [
          marshall({ id: 'late', runId: 'the-new-run', status: 'RUNNING', completesAt: iso(60) }),
          marshall({ id: 'early', runId: 'the-new-run', status: 'RUNNING', completesAt: iso(60) }),
        ],
      },
    });
    await handler(window([0]));
    expect(details('Schedule Tick').map((d) => [d.id, d.runId])).toEqual([['late', 'run-late']]);
    expect(details('Schedule Completed')).toEqual([{ id: 'late', runId: 'run-late', ticks: 1, reason: 'once' }]);
    // Nothing is written to the item, which is the new run's.
    expect(dynamo.commandCalls(UpdateItemCommand).filter((c: any) => c.args[0].input.TableName === 'schedules')).toEqual([]);
  });

  test('a one-shot failed in an earlier attempt at this second stays dropped, though its failure wrote a marker after its tick', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, [tick('failed', { checkOwner: true, last: true, reason: 'once' })]);
    partitionHas('stops#0', [{ sk: `${iso(0)}#failed#run-failed`, id: 'failed', runId: 'run-failed', processedAt: new Date((NOW_S + 0.2) * 1000).toISOString() }]);
    dynamo.on(BatchGetItemCommand).resolves({ Responses: { schedules: [marshall({ id: 'failed', runId: 'run-failed', status: 'FAILED', completesAt: iso(0) })] } });
    await handler(window([0]));
    expect(details('Schedule Tick')).toEqual([]);
    expect(details('Schedule Completed')).toEqual([]);
  });

  test('two runs of one id due in the same second (a one-shot replaced by another for the same time): only the item\'s run goes out', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    const once = { checkOwner: true, last: true, reason: 'once' as const };
    slotHas(0, [tick('x', { ...once, runId: 'new', payloadJson: '"new"' }), tick('x', { ...once, runId: 'old', payloadJson: '"old"' })]);
    dynamo.on(BatchGetItemCommand).resolves({ Responses: { schedules: [marshall({ id: 'x', runId: 'new', status: 'RUNNING' })] } });
    await handler(window([0]));
    expect(details('Schedule Tick')).toEqual([expect.objectContaining({ id: 'x', runId: 'new', payload: 'new' })]);
    // The item is read once for both.
    expect(dynamo.commandCalls(BatchGetItemCommand)[0].args[0].input.RequestItems!.schedules.Keys).toHaveLength(1);
  });

  test('a last tick completes its run: the item (if still this run) is COMPLETED, Schedule Completed follows the tick, the roster entry goes', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, [tick('a', { sequence: 3, remaining: 0, last: true, reason: 'limit' })]);
    await handler(window([0]));
    const completion = writes(UpdateItemCommand, 'schedules')[0];
    expect(completion.ConditionExpression).toBe('runId = :runId AND #status = :running');
    expect(unmarshall(completion.ExpressionAttributeValues)).toMatchObject({ ':completed': 'COMPLETED', ':ticks': 3, ':reason': 'limit', ':runId': 'run-a' });
    expect(entriesPut().map((e) => e.DetailType)).toEqual(['Schedule Tick', 'Schedule Completed']);
    expect(details('Schedule Completed')).toEqual([{ id: 'a', runId: 'run-a', ticks: 3, reason: 'limit' }]);
    expect(writes(DeleteItemCommand)[0]).toMatchObject({ Key: marshall({ pk: 'roster#0', sk: 'a' }), ConditionExpression: 'runId = :runId' });
  });

  test('with Started and Completed turned off, a last tick completes its run silently', async () => {
    process.env[ENV.STARTED_AND_COMPLETED] = 'false';
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, [tick('a', { last: true, reason: 'once' })]);
    await handler(window([0]));
    expect(entriesPut().map((e) => e.DetailType)).toEqual(['Schedule Tick']);
    expect(writes(UpdateItemCommand, 'schedules')).toHaveLength(1);
  });

  test('a window of an older epoch emits nothing and ends', async () => {
    shardStateIs({ ...STATE, epoch: 4 });
    slotHas(0, [tick('a')]);
    expect(await handler(window([0, 30]))).toMatchObject({ more: false, seconds: [] });
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  test('a second already emitted (a retried step) is not emitted again', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S });
    slotHas(0, [tick('a')]);
    expect(await handler(window([0, 30]))).toMatchObject({ seconds: [NOW_S + 30], more: true });
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  test('resends only the failed entries; if they keep failing it throws and the watermark stays (at least once)', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, [tick('a'), tick('b')]);
    bus.on(PutEventsCommand).callsFake((input) => {
      const entries = input.Entries.map((e: any) => (JSON.parse(e.Detail).id === 'b' ? { ErrorCode: 'ThrottlingException' } : { EventId: '1' }));
      return { FailedEntryCount: entries.filter((e: any) => e.ErrorCode).length, Entries: entries };
    });
    const run = handler(window([0]));
    const outcome = expect(run).rejects.toThrow('PutEvents still failed for 1 of 2 entries');
    await jest.runAllTimersAsync();
    await outcome;
    const sent = bus.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.Detail!).id));
    expect(sent).toEqual([['a', 'b'], ['b'], ['b'], ['b']]);
    expect(writes(UpdateItemCommand).filter((u: any) => u.UpdateExpression.startsWith('SET watermark'))).toHaveLength(0);
  });
  test('before sending, the second is marked as emitting (raised, never lowered); a mark refused by a newer epoch sends nothing', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, [tick('a')]);
    await handler(window([0]));
    const [mark] = writes(UpdateItemCommand);
    expect(mark).toMatchObject({ UpdateExpression: 'SET emitting = :second', ConditionExpression: 'epoch = :epoch AND (attribute_not_exists(emitting) OR emitting < :second)' });
    expect(unmarshall(mark.ExpressionAttributeValues)).toEqual({ ':second': NOW_S, ':epoch': 3 });
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(1);

    bus.resetHistory();
    dynamo.on(UpdateItemCommand, { UpdateExpression: 'SET emitting = :second' }).rejects(conditionFailed({ pk: 'shard#0', sk: 'state', ...STATE, epoch: 4 }));
    expect(await handler(window([0]))).toMatchObject({ more: false });
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  test('a retried step whose mark is already at its second sends it again (at least once)', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, [tick('a')]);
    dynamo.on(UpdateItemCommand, { UpdateExpression: 'SET emitting = :second' }).rejects(conditionFailed({ pk: 'shard#0', sk: 'state', ...STATE, watermark: NOW_S - 1, emitting: NOW_S }));
    await handler(window([0]));
    expect(details('Schedule Tick').map((d) => d.id)).toEqual(['a']);
  });

  test('a tick PutEvents refuses for good fails its run alone, at once: FAILED, Schedule Failed, a stop marker for its later ticks; the second goes on', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, [tick('a'), tick('b', { last: true, reason: 'once' }), tick('c')]);
    bus.on(PutEventsCommand).callsFake((input) => {
      const entries = input.Entries.map((e: any) => (JSON.parse(e.Detail).id === 'b' && e.DetailType === 'Schedule Tick'
        ? { ErrorCode: 'NotAuthorizedForDetailTypeException', ErrorMessage: 'not allowed' } : { EventId: '1' }));
      return { FailedEntryCount: entries.filter((e: any) => e.ErrorCode).length, Entries: entries };
    });
    expect(await handler(window([0]))).toMatchObject({ more: false });

    // Sent once, not resent: the code is not retryable.
    expect(bus.commandCalls(PutEventsCommand)[0].args[0].input.Entries!.map((e) => JSON.parse(e.Detail!).id)).toEqual(['a', 'b', 'c']);
    const failed = writes(UpdateItemCommand, 'schedules').find((u: any) => unmarshall(u.ExpressionAttributeValues)[':failed'] === 'FAILED');
    expect(unmarshall(failed.ExpressionAttributeValues)).toMatchObject({ ':runId': 'run-b', ':reason': 'EventBridge.FailedEntry' });
    expect(details('Schedule Failed')).toEqual([{
      id: 'b', runId: 'run-b', error: 'EventBridge.FailedEntry', failure: { Error: 'EventBridge.FailedEntry', Cause: 'NotAuthorizedForDetailTypeException: not allowed' },
    }]);
    expect(details('Schedule Completed')).toEqual([]);
    const marker = writes(PutItemCommand).map((i: any) => unmarshall(i.Item)).find((i) => i.pk === 'stops#0');
    expect(marker).toMatchObject({ id: 'b', runId: 'run-b', processedAt: NOW.toISOString() });
    expect(writes(DeleteItemCommand)[0]).toMatchObject({ Key: marshall({ pk: 'roster#0', sk: 'b' }) });
    expect(writes(UpdateItemCommand).filter((u: any) => u.UpdateExpression.startsWith('SET watermark'))).toHaveLength(1);
  });

  test('a tick that cannot be built (its payload no longer parses) fails its run with ShardEmitFailed; the others go out', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1 });
    slotHas(0, [tick('a', { payloadJson: '{"ok":1}' }), tick('rotten', { payloadJson: '{"cut' })]);
    await handler(window([0]));
    expect(details('Schedule Tick').map((d) => d.id)).toEqual(['a']);
    expect(details('Schedule Failed')).toEqual([{
      id: 'rotten', runId: 'run-rotten', error: 'ShardEmitFailed', failure: { Error: 'ShardEmitFailed', Cause: expect.stringContaining('tick 1 could not be built') },
    }]);
    expect(writes(UpdateItemCommand).filter((u: any) => u.UpdateExpression.startsWith('SET watermark'))).toHaveLength(1);
  });
});

describe('keep', () => {
  const keep = (extra = {}) => handler({ op: 'keep', supervisorArn: SUPERVISOR, ...extra });

  test('wakes a shard that has no state yet: epoch 1, and its supervisor', async () => {
    dynamo.on(GetItemCommand, { TableName: 'shards' }).resolves({});
    expect(await keep()).toEqual({ woken: [0, 1] });
    const bumps = writes(UpdateItemCommand);
    expect(bumps.map((u: any) => u.ConditionExpression)).toEqual(['attribute_not_exists(epoch)', 'attribute_not_exists(epoch)']);
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name).sort()).toEqual(['sh0-e1-g0', 'sh1-e1-g0']);
  });

  test('leaves alone a shard heard from recently, or sleeping until later', async () => {
    shardStateIs({ ...STATE, heartbeatAt: NOW_S - 3000, sleepUntil: NOW_S + 600 });
    expect(await keep()).toEqual({ woken: [] });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('wakes a shard silent for more than 90 s past its heartbeat and its planned wake, in a new epoch', async () => {
    shardStateIs({ ...STATE, heartbeatAt: NOW_S - 200, sleepUntil: NOW_S - 91 });
    expect(await keep()).toEqual({ woken: [0, 1] });
    expect(unmarshall(writes(UpdateItemCommand)[0].ExpressionAttributeValues)).toMatchObject({ ':epoch': 4, ':seen': 3 });
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.name).toBe('sh0-e4-g0');
  });

  test('wakes the shard whose current supervisor failed, at once', async () => {
    shardStateIs({ ...STATE, heartbeatAt: NOW_S, sleepUntil: NOW_S + 600 });
    expect(await keep({ failedExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Supervisor:sh0-e3-g2' })).toEqual({ woken: [0] });
  });

  test('a failure of an older epoch\'s supervisor wakes nothing', async () => {
    shardStateIs({ ...STATE, heartbeatAt: NOW_S, sleepUntil: NOW_S + 600 });
    expect(await keep({ failedExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Supervisor:sh0-e2-g0' })).toEqual({ woken: [] });
  });
});

describe('a poisoned schedule', () => {
  test('whose roster entry cannot be planned is marked FAILED and reported, leaves the roster, and the rest of the shard is planned', async () => {
    shardStateIs(STATE);
    partitionHas('roster#0', [
      { sk: 'bad', runId: 'r0', spec: spec({ every: '60s' }), checkpoint: { sequence: 0, after: 'not a date' } },
      { sk: 'good', runId: 'r1', spec: spec({ every: '60s' }), checkpoint: { sequence: 0, after: NOW.toISOString() } },
    ]);
    expect(await handler(planEvent())).toMatchObject({ route: 'window' });
    const failed = writes(UpdateItemCommand, 'schedules')[0];
    expect(failed.ConditionExpression).toBe('runId = :runId AND #status = :running');
    expect(unmarshall(failed.ExpressionAttributeValues)).toMatchObject({ ':failed': 'FAILED', ':runId': 'r0', ':reason': 'ShardPlanFailed' });
    expect(details('Schedule Failed')).toEqual([{
      id: 'bad', runId: 'r0', error: 'ShardPlanFailed', failure: { Error: 'ShardPlanFailed', Cause: expect.stringContaining('unreadable roster entry') },
    }]);
    expect(writes(DeleteItemCommand)[0]).toMatchObject({ Key: marshall({ pk: 'roster#0', sk: 'bad' }) });
    const pages = writes(PutItemCommand).map((i: any) => entriesOf(unmarshall(i.Item)));
    expect(pages.flat().map((e: SlotEntry) => e.id)).toEqual(['good', 'good', 'good', 'good']);
  });
});

describe('late seconds added by Starts while a window runs', () => {
  const tick = (id: string): SlotEntry => ({ id, runId: `run-${id}`, sequence: 1, scheduledAt: iso(0), last: false });
  const emitEvent = { op: 'emit' as const, window: { shard: 0, epoch: 3, seconds: [NOW_S, NOW_S + 30], at: iso(0), more: true } };

  test('the window visits them: the next second is the earliest of its own and the late ones, and is recorded as nextEmit', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1, nextEmit: NOW_S, extras: new Set([NOW_S + 10, NOW_S + 50]) });
    partitionHas(`slot#0#${NOW_S}`, [{ sk: 'p#0', epoch: 3, entries: JSON.stringify([tick('a')]) }]);
    expect(await handler(emitEvent)).toEqual({ shard: 0, epoch: 3, seconds: [NOW_S + 10, NOW_S + 30], at: iso(10), more: true });
    const updates = writes(UpdateItemCommand);
    expect(updates[0].UpdateExpression).toBe('SET emitting = :second');
    expect(updates[1].UpdateExpression).toBe('SET watermark = :second, heartbeatAt = :now DELETE extras :done');
    expect(updates[2]).toMatchObject({ UpdateExpression: 'SET nextEmit = :next', ConditionExpression: 'epoch = :epoch AND size(extras) = :count' });
    expect(unmarshall(updates[2].ExpressionAttributeValues)).toMatchObject({ ':next': NOW_S + 10, ':count': 2 });
  });

  test('a Start that adds one while the next second is being chosen is seen: the choice is made again', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1, nextEmit: NOW_S });
    partitionHas(`slot#0#${NOW_S}`, [{ sk: 'p#0', epoch: 3, entries: JSON.stringify([tick('a')]) }]);
    dynamo.on(UpdateItemCommand, { UpdateExpression: 'SET nextEmit = :next' }).rejectsOnce(conditionFailed()).resolves({});
    dynamo.on(GetItemCommand, { TableName: 'shards' })
      .resolvesOnce({ Item: marshall({ pk: 'shard#0', sk: 'state', ...STATE, watermark: NOW_S - 1, nextEmit: NOW_S }) })
      .resolves({ Item: marshall({ pk: 'shard#0', sk: 'state', ...STATE, watermark: NOW_S, nextEmit: NOW_S, extras: new Set([NOW_S + 5]) }) });
    expect(await handler(emitEvent)).toMatchObject({ seconds: [NOW_S + 5, NOW_S + 30], at: iso(5) });
  });

  test('the last second of a window clears nextEmit, so a later Start wakes the shard or waits for the next plan', async () => {
    shardStateIs({ ...STATE, watermark: NOW_S - 1, nextEmit: NOW_S });
    partitionHas(`slot#0#${NOW_S}`, [{ sk: 'p#0', epoch: 3, entries: JSON.stringify([tick('a')]) }]);
    expect(await handler({ ...emitEvent, window: { ...emitEvent.window, seconds: [NOW_S] } })).toMatchObject({ more: false });
    expect(writes(UpdateItemCommand)[2]).toMatchObject({ UpdateExpression: 'REMOVE nextEmit', ConditionExpression: 'epoch = :epoch AND attribute_not_exists(extras)' });
  });

  test('a plan that runs a window records its first second as nextEmit, and starts extras afresh', async () => {
    shardStateIs(STATE);
    partitionHas('roster#0', [{ sk: 'a', runId: 'r1', spec: spec({ every: '60s' }), checkpoint: { sequence: 0, after: NOW.toISOString() } }]);
    await handler(planEvent());
    const recorded = writes(UpdateItemCommand)[1];
    expect(recorded.UpdateExpression).toBe('SET plannedThrough = :through, sleepUntil = :sleep, heartbeatAt = :now, dueFrom = :dueFrom, nextEmit = :next REMOVE planningSince, extras, replan');
    expect(unmarshall(recorded.ExpressionAttributeValues)).toMatchObject({ ':next': NOW_S + 60 });
  });
});
