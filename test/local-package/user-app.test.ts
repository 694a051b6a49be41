/**
 * A user's view of the two packages: both tarballs installed into a fresh app with aws-cdk-lib and constructs only,
 * and the app's own test (test/local-package/user-app/, plain JavaScript, `node --test`, no jest or ts-node) run there.
 *
 * The library is packed with `npm pack` from lib/ (jsii compile) and assets/ (bundle), as the release does; the
 * local runtime with `npx projen package:local`. Installing takes the npm registry or its cache (about 30 s with a
 * warm cache). The app's test must pass, and its negative control (a consumer that is not subscribed) must fail.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const ROOT_PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
/**
 * The version of a package this repository has installed from its lockfile: the app gets exactly it (npm ci has just
 * put it in the npm cache, so `--prefer-offline` needs the registry only for what the tarballs add).
 */
const lockedVersion = (name: string): string =>
  JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
const FIXTURE = path.join(__dirname, 'user-app');

jest.setTimeout(10 * 60_000);

function newestMtime(dir: string): number {
  return Math.max(0, ...fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => fs.statSync(path.join(dir, file)).mtimeMs));
}

/** Runs a command, failing with its whole output. */
function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed with status ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** lib/ (jsii) and assets/ (bundles) as the library's tarball needs them: CI compiles first; locally, this does. */
function ensureLibraryBuilt(): void {
  const bundle = path.join(ROOT, 'assets', 'lambda', 'handlers', 'start', 'index.js');
  if (!fs.existsSync(bundle) || fs.statSync(bundle).mtimeMs < newestMtime(path.join(ROOT, 'lambda'))) run('npx', ['projen', 'bundle'], ROOT);
  const lib = path.join(ROOT, 'lib', 'index.js');
  if (!fs.existsSync(lib) || fs.statSync(lib).mtimeMs < newestMtime(path.join(ROOT, 'src'))) run('npx', ['projen', 'compile'], ROOT);
}

let app: string;
let seconds: Record<string, number>;

beforeAll(() => {
  seconds = {};
  const timed = <T>(step: string, fn: () => T): T => {
    const start = Date.now();
    try {
      return fn();
    } finally {
      seconds[step] = (Date.now() - start) / 1000;
    }
  };
  timed('build', ensureLibraryBuilt);
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-dynamic-scheduler-user-app-'));
  const library = timed('pack library', () => {
    const [pack] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', app], ROOT));
    return path.join(app, pack.filename);
  });
  const localPackage = timed('pack local', () => {
    const output = run('npx', ['projen', 'package:local'], ROOT);
    const packed = /Packed (\S+\.tgz)/.exec(output);
    if (!packed) throw new Error(`npx projen package:local did not say what it packed:\n${output}`);
    return path.join(ROOT, packed[1]);
  });
  fs.cpSync(FIXTURE, app, { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }, null, 2));
  timed('npm install', () => run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error',
    library, localPackage,
    `aws-cdk-lib@${lockedVersion('aws-cdk-lib')}`, `constructs@${lockedVersion('constructs')}`], app));
});

afterAll(() => {
  if (app) fs.rmSync(app, { recursive: true, force: true });
  console.log(`user-app test: ${Object.entries(seconds ?? {}).map(([step, s]) => `${step} ${s.toFixed(1)} s`).join(', ')}`);
});

function nodeTest(dir: string): SpawnSyncReturns<string> {
  const start = Date.now();
  const result = spawnSync(process.execPath, ['--test', `${dir}/`], { cwd: app, encoding: 'utf8', timeout: 5 * 60_000 });
  seconds[`node --test ${dir}`] = (Date.now() - start) / 1000;
  return result;
}

test('the app installs the two packages and nothing of the repository', () => {
  const installed = JSON.parse(execFileSync('npm', ['ls', '--json', '--depth=0'], { cwd: app, encoding: 'utf8' })).dependencies;

  expect(Object.keys(installed).sort()).toEqual(['aws-cdk-lib', 'cdk-dynamic-scheduler', 'cdk-dynamic-scheduler-local', 'constructs']);
  expect(fs.realpathSync(path.join(app, 'node_modules', 'cdk-dynamic-scheduler'))).not.toContain(ROOT);
  expect(fs.existsSync(path.join(app, 'node_modules', 'cdk-dynamic-scheduler-local', 'node_modules', 'cdk-dynamic-scheduler'))).toBe(false);
});

test('the local package carries the library\'s version, its peer range, and declarations that import the installed library', () => {
  const installed = path.join(app, 'node_modules', 'cdk-dynamic-scheduler-local');
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));

  expect(manifest.version).toBe(ROOT_PACKAGE.version);
  expect(manifest.peerDependencies['cdk-dynamic-scheduler']).toBe(`^${ROOT_PACKAGE.version}`);
  expect(fs.readFileSync(path.join(installed, 'lib', 'library.d.ts'), 'utf8')).toContain('from \'cdk-dynamic-scheduler\'');
  expect(fs.readFileSync(path.join(installed, 'lib', 'index.js'), 'utf8')).toContain('require("cdk-dynamic-scheduler")');
});

test('the user\'s test passes: the consumer subscribed with onTick gets the ticks with their payload, on both engines', () => {
  const result = nodeTest('test');
  const output = `${result.stdout}\n${result.stderr}`;

  if (result.status !== 0) throw new Error(`node --test test/ exited with ${result.status}${result.signal ? ` (${result.signal})` : ''}:\n${output}`);
  expect(output).toMatch(/^# pass 3$/m);
  expect(output).toMatch(/^# fail 0$/m);
  expect(output).toContain('REMINDED per-schedule: tick 1 Hello, Ada, tick 2 Hello, Ada, tick 3 Hello, Ada');
  expect(output).toContain('REMINDED sharded: tick 1 Hello, Ada, tick 2 Hello, Ada, tick 3 Hello, Ada');
});

/**
 * The README's example in TypeScript, written into the app and compiled there (not run: the JavaScript test above runs
 * it). Kept here, not as a .ts fixture, because it imports the installed packages, which this repository's own
 * type-check cannot resolve.
 */
const TYPED_EXAMPLE = `// The README's example, in TypeScript, compiled (not run) against the installed packages' declarations: a user's
// test that calls the API with the wrong types, or a declaration that points outside its package, fails here.
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamicScheduler, SchedulerEngine } from 'cdk-dynamic-scheduler';
import { LocalScheduler } from 'cdk-dynamic-scheduler-local';

export async function remindersSent(): Promise<number> {
  const stack = new Stack(new App(), 'TypedReminders');
  const bus = new events.EventBus(stack, 'Bus');
  const scheduler = new DynamicScheduler(stack, 'Scheduler', { eventBus: bus, engine: SchedulerEngine.sharded({ shards: 2 }) });
  const reminder = new lambda.Function(stack, 'Reminder', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset('reminder'),
  });
  const rule: events.Rule = scheduler.onTick('Reminders', { scheduleIdPrefix: 'reminder:', target: new targets.LambdaFunction(reminder) });

  const local: LocalScheduler = await LocalScheduler.fromStack(stack, { now: new Date('2030-01-01T00:00:00Z') });
  try {
    local.localFunction(reminder).injectFault({ errorType: 'Error', errorMessage: 'once' }, 1);
    const eventId: string = await local.put({
      source: 'com.app', detailType: 'Schedule Start', detail: { id: 'reminder:ada', every: '10m', limit: 3, payload: { user: 'Ada' } },
    });
    await local.advanceBy(60 * 60_000);
    await local.advanceTo(new Date('2030-01-01T02:00:00Z'));
    const calls = local.invocations(reminder);
    const failed: Array<string | undefined> = calls.map((call) => call.error?.errorMessage);
    const item: Record<string, any> | undefined = await local.item('reminder:ada');
    const seen: number = local.events().length + local.ticks('reminder:ada').length + local.deliveries(rule).length;
    const transitions: number = local.stats().stateTransitions;
    return calls.length + failed.length + seen + transitions + (item ? 1 : 0) + eventId.length;
  } finally {
    await local.close();
  }
}
`;

test('the README\'s example compiles in TypeScript (strict) against the installed packages\' declarations', () => {
  const start = Date.now();
  fs.mkdirSync(path.join(app, 'typed'), { recursive: true });
  fs.writeFileSync(path.join(app, 'typed', 'reminders.ts'), TYPED_EXAMPLE);
  // This repository's TypeScript compiler and Node.js types; everything else resolves from the app's node_modules.
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'node16',
    '--moduleResolution', 'node16', '--esModuleInterop', '--skipLibCheck', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules', '@types'),
    path.join('typed', 'reminders.ts')], { cwd: app, encoding: 'utf8', timeout: 5 * 60_000 });
  seconds.tsc = (Date.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`tsc exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
});

test('the negative control fails: a consumer that is not subscribed is reported as not invoked', () => {
  const result = nodeTest('negative');
  const output = `${result.stdout}\n${result.stderr}`;

  expect({ status: result.status, failed: /^# fail 1$/m.test(output), message: output.includes('the reminder should have been invoked 3 times') })
    .toEqual({ status: 1, failed: true, message: true });
});
