import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { handlerModule, LambdaError, LocalFunction } from '../../local/src/lambda-local';
import { VirtualClock } from '../../local/src/virtual-clock';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');

function writeModule(source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-local-'));
  fs.writeFileSync(path.join(dir, 'index.js'), source);
  return dir;
}

const dir = writeModule(`
  let loads = (globalThis.__localLambdaLoads = (globalThis.__localLambdaLoads || 0) + 1);
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  exports.handler = async (event, context) => {
    switch (event.kind) {
      case 'env':
        await sleep(event.delay || 0);
        return { table: process.env.TABLE_NAME, fn: process.env.AWS_LAMBDA_FUNCTION_NAME, region: process.env.AWS_REGION,
          fromProcess: process.env.FROM_PROCESS, now: Date.now(), remaining: context.getRemainingTimeInMillis() };
      case 'fail': { const e = new Error('boom'); e.name = 'CustomError'; throw e; }
      case 'hang': await sleep(3600000); return 'late';
      case 'log': console.log(JSON.stringify({ level: 'INFO', message: 'hello' })); return;
      case 'loads': return loads;
    }
  };
  exports.callbackStyle = (event, context, callback) => setTimeout(() => callback(event.err ? new Error(event.err) : null, { cb: true }), 10);
`);

describe('LocalFunction', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = VirtualClock.install({ now: T0 });
    process.env.FROM_PROCESS = 'p';
  });
  afterEach(() => clock.uninstall());

  const fn = (name: string, table: string, extra: Record<string, any> = {}) => new LocalFunction({
    name,
    arn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    modulePath: handlerModule(dir).file,
    environment: { TABLE_NAME: table },
    timeoutSeconds: 30,
    ...extra,
  });

  test('handlerModule maps a CloudFormation Handler to a file and export', () => {
    expect(handlerModule('/a/b', 'index.handler')).toEqual({ file: '/a/b/index.js', exportName: 'handler' });
    expect(handlerModule('/a/b', 'lib/main.run')).toEqual({ file: '/a/b/lib/main.js', exportName: 'run' });
  });

  test('each invocation sees its own function environment, also after awaits, and virtual time', async () => {
    const a = fn('fn-a', 'table-a');
    const b = fn('fn-b', 'table-b');
    const pa = a.invoke({ kind: 'env', delay: 2000 });
    const pb = b.invoke({ kind: 'env', delay: 1000 });
    await clock.advanceBy(5000);
    expect(await pa).toEqual({ table: 'table-a', fn: 'fn-a', region: 'us-east-1', fromProcess: 'p', now: T0 + 2000, remaining: 28_000 });
    expect(await pb).toMatchObject({ table: 'table-b', fn: 'fn-b', now: T0 + 1000 });
    expect(process.env.TABLE_NAME).toBeUndefined();
    expect(a.invocations).toBe(1);
  });

  test('errors become LambdaErrors with errorType, errorMessage and trace', async () => {
    const err = await fn('fn-e', 't').invoke({ kind: 'fail' }).catch(e => e);
    expect(err).toBeInstanceOf(LambdaError);
    expect(err.payload()).toMatchObject({ errorType: 'CustomError', errorMessage: 'boom' });
    expect(err.trace[0]).toContain('CustomError: boom');
  });

  test('the function timeout fails the invocation with Sandbox.Timedout in virtual time', async () => {
    const p = fn('fn-t', 't').invoke({ kind: 'hang' }).catch(e => e);
    await clock.advanceBy(30_000);
    const err = await p;
    expect(err).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(err.errorMessage).toMatch(/Task timed out after 30.00 seconds/);
    expect(clock.nowMs()).toBe(T0 + 30_000);
  });

  test('callback-style handlers', async () => {
    const f = fn('fn-cb', 't', { exportName: 'callbackStyle' });
    const ok = f.invoke({});
    const ko = f.invoke({ err: 'nope' }).catch(e => e);
    await clock.advanceBy(100);
    expect(await ok).toEqual({ cb: true });
    expect(await ko).toMatchObject({ errorType: 'Error', errorMessage: 'nope' });
  });

  test('console output is captured per function; undefined results become null', async () => {
    const f = fn('fn-log', 't');
    const out = await clock.track(f.invoke({ kind: 'log' }));
    expect(out).toBeNull();
    expect(f.logs().map(l => l.text)).toEqual(['{"level":"INFO","message":"hello"}']);
  });

  test('modules are cached per registry; isolate loads a private copy', async () => {
    const first = await clock.track(fn('fn-1', 't').invoke({ kind: 'loads' }));
    expect(await clock.track(fn('fn-2', 't').invoke({ kind: 'loads' }))).toBe(first);
    expect(await clock.track(fn('fn-3', 't', { isolate: true }).invoke({ kind: 'loads' }))).toBe(first + 1);
  });

  test('a missing export is Runtime.HandlerNotFound', async () => {
    await expect(fn('fn-x', 't', { exportName: 'nope' }).invoke({})).rejects.toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
  });
});
