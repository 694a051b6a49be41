/**
 * DynamoDB for the local runtime: dynalite (an in-memory DynamoDB implementation on LevelDB's memory-level),
 * started in-process on 127.0.0.1 at a free port.
 *
 * Handlers reach it through `AWS_ENDPOINT_URL_DYNAMODB` (see aws-endpoint.ts, `awsEnvironment`). Handler modules
 * create their SDK clients at module scope, so a process (a jest test file) starts ONE dynalite, lazily
 * (`sharedDynamoDb()`), unref'd so that it never keeps the process alive, and closed by `closeSharedDynamoDb()`.
 * Each runtime creates its own tables in it (distinct physical names: see TemplateResolver's `suffix`).
 *
 * Every request is tracked as in-flight `'io'` on the installed VirtualClock, if any, and counted per table and
 * operation (reads, writes, conditional-check failures). Responses carry the virtual time in their `Date` header
 * (the SDK retries an error whose Date is more than 5 minutes off its own clock).
 *
 * With fake timers: dynalite's request path only uses `setImmediate` and promises (real), so it runs unchanged
 * under the VirtualClock. Its CreateTable/UpdateTable/DeleteTable flip the table's status with a global
 * `setTimeout(fn, createTableMs)` even for 0 ms; a fake `setTimeout` would leave a new table CREATING (and dynalite
 * answers ResourceNotFoundException for a CREATING table) until virtual time moves. So `createTable` swaps the real
 * `setTimeout` in for the duration of the CreateTable call and then waits (in real time) until the table is ACTIVE.
 *
 * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'` is supported (dynalite lacks it; see below): a failed condition
 * returns the item it was checked against.
 *
 * Differences from DynamoDB (dynalite's, and this wrapper's):
 * - Time to Live is not implemented: expired items are never deleted (TimeToLiveSpecification is ignored).
 * - Point-in-time recovery, SSE, deletion protection, table class, contributor insights, tags, Kinesis streaming,
 *   resource policies and warm throughput are ignored; DynamoDB Streams are not emitted.
 * - TransactWriteItems/TransactGetItems, PartiQL (ExecuteStatement...), import/export and backups are not
 *   implemented by dynalite (the SDK gets an UnknownOperationException).
 * - No throttling and no eventual consistency: every read is strongly consistent (an eventually consistent read is
 *   billed half, as on DynamoDB); GSIs are updated synchronously.
 *
 * Capacity units are counted as on-demand DynamoDB bills them: dynalite computes `ConsumedCapacity` from item sizes
 * (1 WRU per KB written, the larger of the item before and after; 1 RRU per 4 KB read strongly consistent, half
 * eventually consistent; a Query per 4 KB of all the items it reads, and at least one read when it reads none),
 * and every request is made to ask for it
 * (`withConsumedCapacity`). A write refused by its condition is billed too: 1 WRU here (DynamoDB bills the item's
 * size).
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 * - Validation messages can differ in wording; item size limits and expression validation follow dynalite.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { processSingleton } from './process-singleton';
import { VirtualClock } from './virtual-clock';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite');

/**
 * dynalite predates `ReturnValuesOnConditionCheckFailure` (DynamoDB, 2023): a ConditionalCheckFailedException
 * never carries the item. Its actions call `db.checkConditional(data, existingItem)` through the module object, so
 * wrapping that export adds the item to the error, as DynamoDB does, read under the same item lock as the check.
 */
function supportReturnValuesOnConditionCheckFailure(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const db = require('dynalite/db');
  if (db.checkConditional.returnsItem) return;
  const original = db.checkConditional;
  const wrapped = (data: any, existingItem: any) => {
    const error = original(data, existingItem);
    if (error?.body && existingItem && data?.ReturnValuesOnConditionCheckFailure === 'ALL_OLD') {
      error.body.Item = existingItem;
    }
    return error;
  };
  wrapped.returnsItem = true;
  db.checkConditional = wrapped;
  // Its request validation drops the parameters it does not know: teach it this one.
  for (const action of ['putItem', 'updateItem', 'deleteItem']) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const validation = require(`dynalite/validations/${action}`);
    validation.types.ReturnValuesOnConditionCheckFailure = { type: 'String', enum: ['ALL_OLD', 'NONE'] };
  }
}
supportReturnValuesOnConditionCheckFailure();

/**
 * dynalite computes `ConsumedCapacity` only for a request that asks for it (`ReturnConsumedCapacity`): after its type
 * checks, every request asks, so that `observe` can bill capacity units. A client that did not ask gets the field
 * anyway, which the SDK accepts.
 */
function withConsumedCapacity(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const validations = require('dynalite/validations');
  if (validations.checkTypes.asksCapacity) return;
  const original = validations.checkTypes;
  const wrapped = (data: any, types: any) => {
    const checked = original(data, types);
    if (checked && typeof checked === 'object' && 'ReturnConsumedCapacity' in types && checked.ReturnConsumedCapacity !== 'INDEXES') {
      checked.ReturnConsumedCapacity = 'TOTAL';
    }
    return checked;
  };
  wrapped.asksCapacity = true;
  validations.checkTypes = wrapped;
}
withConsumedCapacity();

/** The capacity units a response reports (`ConsumedCapacity`: one object, or a list for the batch operations). */
export function consumedUnits(response: any): number {
  const consumed = response?.ConsumedCapacity;
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((n: number, c: any) => n + (Number(c?.CapacityUnits) || 0), 0);
}

export const DYNAMODB_WRITE_OPERATIONS = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];
export const DYNAMODB_READ_OPERATIONS = ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems'];

export interface DynamoDbOperation {
  readonly operation: string;
  readonly tableName?: string;
  readonly statusCode: number;
  /** The AWS error type (e.g. 'ConditionalCheckFailedException') for a failed request. */
  readonly errorType?: string;
  /** Items written by a BatchWriteItem (1 for the single-item writes). */
  readonly items: number;
  /** Capacity units billed: read units for a read, write units for a write (see the header). */
  readonly units: number;
}

export interface DynamoDbStats {
  readonly requests: number;
  readonly reads: number;
  /** Write requests that succeeded (BatchWriteItem counts its items). */
  readonly writes: number;
  /** Write requests that failed their condition (DynamoDB bills these as writes too). */
  readonly conditionalCheckFailures: number;
  /** Read request units billed (on-demand): 1 per 4 KB read strongly consistent, half eventually consistent. */
  readonly readUnits: number;
  /** Write request units billed (on-demand): 1 per KB written, and 1 per write refused by its condition. */
  readonly writeUnits: number;
  readonly errors: number;
  readonly byOperation: Record<string, number>;
  /** Capacity units billed per operation (`ConditionalCheckFailed` for refused writes). */
  readonly unitsByOperation: Record<string, number>;
}

type Listener = (op: DynamoDbOperation) => void;

function emptyStats() {
  const counts = { requests: 0, reads: 0, writes: 0, conditionalCheckFailures: 0, readUnits: 0, writeUnits: 0, errors: 0 };
  return { ...counts, byOperation: {} as Record<string, number>, unitsByOperation: {} as Record<string, number> };
}

/** The properties of an AWS::DynamoDB::Table that CreateTable understands (the rest is ignored; see above). */
const CREATE_TABLE_KEYS = ['TableName', 'AttributeDefinitions', 'KeySchema', 'BillingMode', 'ProvisionedThroughput',
  'GlobalSecondaryIndexes', 'LocalSecondaryIndexes', 'StreamSpecification'];
const INDEX_KEYS = ['IndexName', 'KeySchema', 'Projection', 'ProvisionedThroughput'];

/** Properties of an AWS::DynamoDB::Table that the local table does not honour. */
export function unsupportedTableProperties(properties: Record<string, any>): string[] {
  return Object.keys(properties).filter(k => !CREATE_TABLE_KEYS.includes(k));
}

/** The CreateTable request for an AWS::DynamoDB::Table's (resolved) Properties. */
export function createTableInput(properties: Record<string, any>, tableName?: string): Record<string, any> {
  const input: Record<string, any> = {};
  for (const k of CREATE_TABLE_KEYS) if (properties[k] !== undefined) input[k] = properties[k];
  if (tableName) input.TableName = tableName;
  if (!input.TableName) throw new Error('The table needs a TableName');
  input.BillingMode = input.BillingMode ?? (input.ProvisionedThroughput ? 'PROVISIONED' : 'PAY_PER_REQUEST');
  const pick = (index: Record<string, any>) => Object.fromEntries(Object.entries(index).filter(([k]) => INDEX_KEYS.includes(k)));
  if (input.GlobalSecondaryIndexes) input.GlobalSecondaryIndexes = input.GlobalSecondaryIndexes.map(pick);
  if (input.LocalSecondaryIndexes) input.LocalSecondaryIndexes = input.LocalSecondaryIndexes.map(pick);
  if (input.BillingMode === 'PAY_PER_REQUEST') {
    delete input.ProvisionedThroughput;
    input.GlobalSecondaryIndexes?.forEach((i: any) => delete i.ProvisionedThroughput);
  }
  if (input.StreamSpecification && input.StreamSpecification.StreamEnabled === undefined) {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: input.StreamSpecification.StreamViewType };
  }
  return input;
}

export class DynamoDbLocal {
  /** Starts a dynalite server on 127.0.0.1 at a free port. Prefer `sharedDynamoDb()`. */
  public static async start(): Promise<DynamoDbLocal> {
    const server: http.Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    server.unref();
    return new DynamoDbLocal(server);
  }

  public readonly endpoint: string;
  public readonly port: number;
  private readonly listeners = new Set<Listener>();
  private totals = emptyStats();
  private readonly perTable = new Map<string, ReturnType<typeof emptyStats>>();
  private closed = false;

  private constructor(private readonly server: http.Server) {
    this.port = (server.address() as AddressInfo).port;
    this.endpoint = `http://127.0.0.1:${this.port}`;
    server.on('connection', socket => socket.unref());
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.observe(req, res));
  }

  /** Calls `listener` after every request (the table, operation, status and error type). */
  public onOperation(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Request counts, for all tables or one. */
  public stats(tableName?: string): DynamoDbStats {
    const s = tableName ? this.perTable.get(tableName) ?? emptyStats() : this.totals;
    return { ...s, byOperation: { ...s.byOperation }, unitsByOperation: { ...s.unitsByOperation } };
  }

  /** Low-level call (AWS JSON 1.0) to dynalite; throws an Error named after the AWS error type. */
  public async call(operation: string, input: Record<string, any>): Promise<any> {
    const body = JSON.stringify(input);
    const { statusCode, text } = await new Promise<{ statusCode: number; text: string }>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: this.port,
        method: 'POST',
        path: '/',
        agent: false,
        headers: {
          'Content-Type': 'application/x-amz-json-1.0',
          'Content-Length': Buffer.byteLength(body),
          'X-Amz-Target': `DynamoDB_20120810.${operation}`,
          'X-Amz-Date': '20200101T000000Z',
          'Authorization': 'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, '
            + 'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=local',
        },
      }, res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    const parsed = text ? JSON.parse(text) : {};
    if (statusCode >= 300) {
      const type = String(parsed.__type ?? 'UnknownError').split('#').pop()!;
      const error = new Error(`${type}: ${parsed.message ?? parsed.Message ?? text}`);
      error.name = type;
      throw error;
    }
    return parsed;
  }

  /**
   * Creates a table from an AWS::DynamoDB::Table's resolved Properties (see `createTableInput`) and waits until it
   * is ACTIVE. Works with or without fake timers installed. Returns the properties that were ignored.
   */
  public async createTable(properties: Record<string, any>, tableName?: string): Promise<{ tableName: string; ignored: string[] }> {
    const input = createTableInput(properties, tableName);
    const g = globalThis as any;
    const fakeSetTimeout = g.setTimeout;
    const realSetTimeout = fakeSetTimeout.clock?._setTimeout;
    if (realSetTimeout) g.setTimeout = realSetTimeout;
    try {
      await this.call('CreateTable', input);
    } finally {
      if (realSetTimeout) g.setTimeout = fakeSetTimeout;
    }
    for (let i = 0; ; i++) {
      const { Table } = await this.call('DescribeTable', { TableName: input.TableName });
      if (Table.TableStatus === 'ACTIVE') break;
      if (i > 10_000) throw new Error(`Table ${input.TableName} did not become ACTIVE`);
      await new Promise(resolve => setImmediate(resolve));
    }
    return { tableName: input.TableName, ignored: unsupportedTableProperties(properties) };
  }

  /** Deletes a table (if it exists). */
  public async deleteTable(tableName: string): Promise<void> {
    const g = globalThis as any;
    const fakeSetTimeout = g.setTimeout;
    const realSetTimeout = fakeSetTimeout.clock?._setTimeout;
    if (realSetTimeout) g.setTimeout = realSetTimeout;
    try {
      await this.call('DeleteTable', { TableName: tableName });
    } catch (e: any) {
      if (e.name !== 'ResourceNotFoundException') throw e;
    } finally {
      if (realSetTimeout) g.setTimeout = fakeSetTimeout;
    }
    this.perTable.delete(tableName);
  }

  /** The item with the given key (default: `{ id }` on the partition key 'id'), as plain JS, or undefined. */
  public async getItem(tableName: string, key: string | Record<string, any>, keyName = 'id'): Promise<Record<string, any> | undefined> {
    const plainKey = typeof key === 'string' ? { [keyName]: key } : key;
    const { Item } = await this.call('GetItem', { TableName: tableName, Key: marshallKey(plainKey), ConsistentRead: true });
    return Item ? unmarshall(Item) : undefined;
  }

  /** Every item of a table, as plain JS (a full Scan). */
  public async scan(tableName: string): Promise<Record<string, any>[]> {
    const items: Record<string, any>[] = [];
    let start: any;
    do {
      const page = await this.call('Scan', { TableName: tableName, ...(start ? { ExclusiveStartKey: start } : {}) });
      items.push(...(page.Items ?? []).map((i: any) => unmarshall(i)));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  public async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.server.closeAllConnections?.();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  private observe(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.split('.').pop() ?? '';
    const end = VirtualClock.current()?.begin(`dynamodb:${operation}`, 'io');
    // The SDK compares a response's Date with its own clock and, when they differ by more than 5 minutes, corrects
    // its clock offset and RETRIES the failed request (even a ConditionalCheckFailedException). Node would send the
    // real time; DynamoDB's clock is the virtual one here.
    res.sendDate = false;
    res.setHeader('Date', new Date().toUTCString());
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    const originalEnd = res.end.bind(res) as (...args: any[]) => http.ServerResponse;
    let responseBody = '';
    (res as any).end = (...args: any[]) => {
      if (typeof args[0] === 'string' || Buffer.isBuffer(args[0])) responseBody = args[0].toString();
      return originalEnd(...args);
    };
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      end?.();
      let tableName: string | undefined;
      let items = 1;
      let consistentRead = false;
      try {
        const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        tableName = input.TableName;
        consistentRead = input.ConsistentRead === true;
        if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
          const tables = Object.keys(input.RequestItems ?? {});
          tableName = tables.length === 1 ? tables[0] : undefined;
          items = Object.values(input.RequestItems ?? {}).reduce<number>(
            (n, v: any) => n + (Array.isArray(v) ? v.length : (v.Keys?.length ?? 0)), 0);
        }
      } catch { /* not JSON */ }
      let errorType: string | undefined;
      let units = 0;
      if (res.statusCode < 300) {
        try {
          units = consumedUnits(JSON.parse(responseBody || '{}'));
        } catch { /* not JSON */ }
        // A Query or Scan that reads nothing is still billed its minimum read: 1 RRU strongly consistent, 0.5
        // eventually consistent (dynalite rounds 0 bytes to 0 units).
        if ((operation === 'Query' || operation === 'Scan') && units === 0) units = consistentRead ? 1 : 0.5;
      }
      if (res.statusCode >= 300) {
        try {
          errorType = String(JSON.parse(responseBody).__type ?? '').split('#').pop();
        } catch {
          errorType = 'UnknownError';
        }
      }
      const op: DynamoDbOperation = { operation, tableName, statusCode: res.statusCode, errorType, items, units };
      this.count(this.totals, op);
      if (tableName) {
        let t = this.perTable.get(tableName);
        if (!t) this.perTable.set(tableName, t = emptyStats());
        this.count(t, op);
      }
      for (const l of this.listeners) l(op);
    };
    res.on('finish', finish);
    res.on('close', finish);
  }

  private count(s: ReturnType<typeof emptyStats>, op: DynamoDbOperation): void {
    s.requests++;
    s.byOperation[op.operation] = (s.byOperation[op.operation] ?? 0) + 1;
    if (op.statusCode >= 300) {
      s.errors++;
      if (op.errorType === 'ConditionalCheckFailedException') {
        s.conditionalCheckFailures++;
        s.writeUnits++;
        s.unitsByOperation.ConditionalCheckFailed = (s.unitsByOperation.ConditionalCheckFailed ?? 0) + 1;
      }
      return;
    }
    s.unitsByOperation[op.operation] = (s.unitsByOperation[op.operation] ?? 0) + op.units;
    if (DYNAMODB_WRITE_OPERATIONS.includes(op.operation)) {
      s.writes += op.items;
      s.writeUnits += op.units;
    }
    if (DYNAMODB_READ_OPERATIONS.includes(op.operation)) {
      s.reads++;
      s.readUnits += op.units;
    }
  }
}

function marshallKey(key: Record<string, any>): Record<string, any> {
  return Object.fromEntries(Object.entries(key).map(([k, v]) => [k,
    typeof v === 'number' ? { N: String(v) } : Buffer.isBuffer(v) ? { B: v.toString('base64') } : { S: String(v) }]));
}

const shared = processSingleton(() => DynamoDbLocal.start());

/** The process-wide dynalite (started on first use). */
export function sharedDynamoDb(): Promise<DynamoDbLocal> {
  return shared.get();
}

/** Closes the process-wide dynalite, if started (call it in `afterAll`). */
export async function closeSharedDynamoDb(): Promise<void> {
  await shared.close();
}
