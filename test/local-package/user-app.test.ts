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

test('the negative control fails: a consumer that is not subscribed is reported as not invoked', () => {
  const result = nodeTest('negative');
  const output = `${result.stdout}\n${result.stderr}`;

  expect({ status: result.status, failed: /^# fail 1$/m.test(output), message: output.includes('the reminder should have been invoked 3 times') })
    .toEqual({ status: 1, failed: true, message: true });
});
