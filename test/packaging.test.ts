/**
 * What `npm publish` would ship, checked on a real `npm pack` of the working tree.
 *
 * The package is built from lib/ and .jsii (jsii) and assets/ (the bundles). `npm test` bundles first and CI
 * compiles first; when lib/ or .jsii is missing or older than src/ (a fresh clone, an edited source), this test
 * runs the same jsii compile itself, so a plain `npm test` after `npm install` still checks the real package.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const PACKAGE_JSON = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

jest.setTimeout(300_000);

/** The bundles the build makes: the outfiles of the `bundle` task's subtasks in .projen/tasks.json. */
function bundleOutfiles(): string[] {
  const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
  return (tasks.bundle.steps as Array<{ spawn?: string }>).map(({ spawn }) => {
    const args: string[] = tasks[spawn!].steps.flatMap((step: { execArgs?: string[] }) => step.execArgs ?? []);
    return args.find((arg) => arg.startsWith('--outfile='))!.slice('--outfile='.length);
  });
}

function newestMtime(dir: string): number {
  return Math.max(0, ...fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => fs.statSync(path.join(dir, file)).mtimeMs));
}

/** Builds lib/, .jsii and assets/ when missing or stale, the way the release build does. */
function ensureBuilt(): void {
  const run = (command: string, ...args: string[]) => execFileSync(command, args, { cwd: ROOT, stdio: 'pipe' });
  const bundles = bundleOutfiles().map((file) => path.join(ROOT, file));
  const newestHandlerSource = Math.max(newestMtime(path.join(ROOT, 'lambda')), newestMtime(path.join(ROOT, 'src', 'contract')));
  if (bundles.some((file) => !fs.existsSync(file) || fs.statSync(file).mtimeMs < newestHandlerSource)) {
    run('npx', 'projen', 'bundle');
  }
  const jsii = path.join(ROOT, '.jsii');
  if (!fs.existsSync(jsii) || !fs.existsSync(path.join(ROOT, 'lib', 'index.js')) || fs.statSync(jsii).mtimeMs < newestMtime(path.join(ROOT, 'src'))) {
    try {
      run('npx', 'projen', 'compile');
    } catch (error) {
      const output = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`lib/ and .jsii are missing or older than src/, and compiling them failed; run "npx projen compile" and fix the errors:\n${output.stdout ?? ''}${output.stderr ?? ''}`);
    }
  }
  if (!fs.existsSync(path.join(ROOT, 'API.md'))) {
    throw new Error('API.md is missing; run "npx projen compile && npx projen docgen" and commit it');
  }
}

let workDir: string;
let files: string[];
let unpacked: string;

beforeAll(() => {
  ensureBuilt();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-dynamic-scheduler-pack-'));
  const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', workDir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [pack] = JSON.parse(output);
  files = (pack.files as Array<{ path: string }>).map((f) => f.path).sort();

  // Install the tarball the way npm would, next to its peer dependencies only: nothing else resolves.
  const nodeModules = path.join(workDir, 'node_modules');
  unpacked = path.join(nodeModules, PACKAGE_JSON.name);
  fs.mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', ['-xzf', path.join(workDir, pack.filename), '-C', unpacked, '--strip-components=1']);
  for (const peer of Object.keys(PACKAGE_JSON.peerDependencies)) {
    fs.symlinkSync(path.join(ROOT, 'node_modules', peer), path.join(nodeModules, peer), 'dir');
  }
});

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe('the packed file list', () => {
  test('has the compiled library, the jsii assembly, the API reference, the README and the license', () => {
    expect(files).toEqual(expect.arrayContaining(['.jsii', 'API.md', 'README.md', 'LICENSE', 'package.json', 'lib/index.js', 'lib/index.d.ts']));
    for (const source of fs.readdirSync(path.join(ROOT, 'src')).filter((f) => f.endsWith('.ts'))) {
      expect(files).toContain(`lib/${source.replace(/\.ts$/, '.js')}`);
    }
  });

  test('has every bundle the build makes: the handlers, the validation and the CLI', () => {
    const outfiles = bundleOutfiles();

    expect(outfiles).toEqual(expect.arrayContaining([
      ...['start', 'stop', 'plan', 'validate'].map((name) => `assets/lambda/handlers/${name}/index.js`),
      'assets/cli/preview/index.js',
    ]));
    expect(files).toEqual(expect.arrayContaining(outfiles));
  });

  test('has no sources, tests, local runtime, snapshots or build configuration', () => {
    const unwanted = files.filter((file) =>
      /^(src|lambda|test|projenrc|coverage|test-reports|dist|cdk\.out|\.ci|\.bench|\.projen|\.github)\//.test(file)
      || (file.endsWith('.ts') && !file.endsWith('.d.ts'))
      || /(^|\/)tsconfig[^/]*\.json$/.test(file)
      || /\.snapshot\//.test(file)
      || /local-scheduler|dynalite|aws-local-stepfunctions|\.test\./.test(file));

    expect(unwanted).toEqual([]);
  });

  test('every packed file is in lib/ or assets/, or is one of the package\'s documents', () => {
    const elsewhere = files.filter((file) => !/^(lib|assets)\//.test(file) && !['.jsii', 'API.md', 'README.md', 'LICENSE', 'package.json'].includes(file));
    expect(elsewhere).toEqual([]);
  });
});

describe('package.json', () => {
  test('has no runtime dependencies: users install aws-cdk-lib and constructs only', () => {
    expect(PACKAGE_JSON.dependencies ?? {}).toEqual({});
    expect(PACKAGE_JSON.bundledDependencies ?? PACKAGE_JSON.bundleDependencies ?? []).toEqual([]);
    expect(Object.keys(PACKAGE_JSON.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  });

  test('the bin is the packed CLI bundle', () => {
    expect(PACKAGE_JSON.bin).toEqual({ 'cdk-dynamic-scheduler': 'assets/cli/preview/index.js' });
    expect(files).toContain(PACKAGE_JSON.bin['cdk-dynamic-scheduler']);
  });

  test('publishing targets exist for Python, Java, .NET and Go', () => {
    expect(Object.keys(PACKAGE_JSON.jsii.targets).sort()).toEqual(['dotnet', 'go', 'java', 'python']);
  });
});

describe('an installed copy of the package, with only its peer dependencies', () => {
  function runInstalled(script: string) {
    return spawnSync(process.execPath, ['-e', script], { cwd: workDir, encoding: 'utf8' });
  }

  test('synthesizes a scheduler from its own handler bundles', () => {
    const result = runInstalled(`
      const { App, Stack } = require('aws-cdk-lib');
      const { Template } = require('aws-cdk-lib/assertions');
      const { DynamicScheduler } = require('${PACKAGE_JSON.name}');
      const stack = new Stack(new App(), 'Packed');
      new DynamicScheduler(stack, 'Scheduler');
      const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
      process.stdout.write(String(Object.keys(functions).filter((id) => id.startsWith('Scheduler')).length));
    `);

    expect(result.stderr).not.toMatch(/Error/);
    // start, stop, plan and failed (the handler of executions no Catch saw fail)
    expect(result.stdout).toBe('4');
  });

  test('builds and validates commands with the packed validation bundle', () => {
    const result = runInstalled(`
      const { ScheduleEvents } = require('${PACKAGE_JSON.name}');
      process.stdout.write(ScheduleEvents.start({ id: 'x', every: '5m' }).detail + '\\n');
      try { ScheduleEvents.start({ id: 'x', every: '5' }); } catch (e) { process.stdout.write(e.message); }
    `);

    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('{"id":"x","every":"5m"}\nInvalid Schedule Start: every "5" has no unit; write e.g. "5m" or "PT5M"');
  });

  test('runs its bin', () => {
    const result = spawnSync(process.execPath, [path.join(unpacked, PACKAGE_JSON.bin['cdk-dynamic-scheduler']), 'preview', '--every', '5m', '--count', '1', '--now', '2026-01-01T00:00:00Z'], { cwd: workDir, encoding: 'utf8' });

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('2026-01-01T00:05:00.000Z');
  });
});
