/**
 * A stand-in for DynamoDB and EventBridge, in a process of its own, for measuring the emitter's CPU (emitter-cpu.ts):
 * it answers at once, from memory, the calls one `emit` of the shard function makes for a shard whose second holds
 * `TICKS` due entries (env), so the emitter's process spends its CPU on the handler, the SDK (serialization, signing,
 * HTTP) and nothing else. Prints its port on stdout.
 */
import * as http from 'http';

const TICKS = Number(process.env.TICKS ?? '1000');
const PAYLOAD = JSON.stringify({ reminder: 'x'.repeat(80) });

function state(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const n = (v: number) => ({ N: String(v) });
  return { pk: { S: 'shard#0' }, sk: { S: 'state' }, epoch: n(3), watermark: n(now - 100), plannedThrough: n(now + 200), sleepUntil: n(now + 200), heartbeatAt: n(now) };
}

function slotPage(second: number): Record<string, unknown> {
  const scheduledAt = new Date(second * 1000).toISOString();
  const entries = Array.from({ length: TICKS }, (_, i) => ({
    id: `schedule:${i}`, runId: `run-${i.toString(16).padStart(16, '0')}`, sequence: 42, scheduledAt, last: false, payloadJson: PAYLOAD,
  }));
  return { pk: { S: `slot#0#${second}` }, sk: { S: 'p#0' }, epoch: { N: '3' }, entries: { S: JSON.stringify(entries) } };
}

function answer(target: string, body: any): unknown {
  switch (target) {
    case 'DynamoDB_20120810.GetItem': return { Item: state() };
    case 'DynamoDB_20120810.UpdateItem': return { Attributes: state() };
    case 'DynamoDB_20120810.Query': {
      const pk: string = body.ExpressionAttributeValues[':pk'].S;
      return pk.startsWith('slot#') ? { Items: [slotPage(Number(pk.split('#')[2]))], Count: 1, ScannedCount: 1 } : { Items: [], Count: 0, ScannedCount: 0 };
    }
    case 'DynamoDB_20120810.BatchGetItem': return { Responses: {}, UnprocessedKeys: {} };
    case 'AWSEvents.PutEvents': return { FailedEntryCount: 0, Entries: body.Entries.map((_: unknown, i: number) => ({ EventId: `e${i}` })) };
    default: return undefined;
  }
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const result = answer(target, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
    const json = JSON.stringify(result ?? { __type: 'UnknownOperationException', message: target });
    res.writeHead(result === undefined ? 400 : 200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
