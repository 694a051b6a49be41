/**
 * The handler bundles: size of each assets/lambda/handlers/<name>/index.js and the time to load it in a fresh Node process.
 *
 * Load time is measured inside the child with process.hrtime around `require(bundle)`, so Node's own start-up is
 * not counted. The bundles keep `@aws-sdk/*` external (Lambda's Node runtime provides it), so loading a bundle
 * loads the SDK clients it imports from node_modules: a second set of fresh processes times `require` of just those
 * clients, to show how much of the load is the SDK's.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { median } from './stats';
import { localAppContext } from '../local/src/template-resolver';
import { DynamicScheduler } from '../src';

export interface BundleResult {
  readonly name: string;
  readonly file: string;
  /** Whether a function of the synthesized DynamicScheduler runs this bundle (the targets apply to those). */
  readonly lambdaHandler: boolean;
  readonly bytes: number;
  readonly kib: number;
  readonly runs: number;
  readonly loadMsMedian: number;
  readonly loadMsSamples: number[];
  readonly sdkPackages: string[];
  /** Median time to require only the `@aws-sdk/*` packages the bundle imports, in a fresh process. */
  readonly sdkLoadMsMedian: number;
}

function timeRequireInChild(modules: string[], cwd: string): number {
  const script = `const t = process.hrtime.bigint(); for (const m of ${JSON.stringify(modules)}) require(m);`
    + ' process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));';
  const child = spawnSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  if (child.status !== 0) throw new Error(`Loading ${modules.join(', ')} failed: ${child.stderr}`);
  return Number(child.stdout.trim());
}

/** Names of the asset directories the DynamicScheduler's Lambda functions use. */
export function handlerBundleNames(): Set<string> {
  const app = new App({ context: localAppContext });
  const stack = new Stack(app, 'HandlerAssets');
  new DynamicScheduler(stack, 'Scheduler');
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  return new Set(Object.values(functions).map((fn: any) => path.basename(String(fn.Metadata?.['aws:asset:path'] ?? ''))));
}

export function measureBundles(root: string, runs: number): BundleResult[] {
  const handlers = handlerBundleNames();
  const dir = path.join(root, 'assets', 'lambda', 'handlers');
  const names = fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'index.js'))).sort();
  if (names.length === 0) throw new Error(`No bundles in ${dir}; run "npx projen bundle"`);
  const bundles = names.map((name) => {
    const file = path.join(dir, name, 'index.js');
    const text = fs.readFileSync(file, 'utf8');
    const sdkPackages = [...new Set([...text.matchAll(/require\(["'](@aws-sdk\/[^"']+)["']\)/g)].map((m) => m[1]))].sort();
    return { name, file, sdkPackages, loadMsSamples: [] as number[], sdkSamples: [] as number[] };
  });
  // Round-robin over the bundles, so that a burst of load on the machine does not fall on one bundle only.
  for (let i = 0; i < runs; i++) {
    for (const b of bundles) {
      b.loadMsSamples.push(timeRequireInChild([b.file], path.dirname(b.file)));
      if (b.sdkPackages.length > 0) b.sdkSamples.push(timeRequireInChild(b.sdkPackages, path.dirname(b.file)));
    }
  }
  return bundles.map((b) => {
    const bytes = fs.statSync(b.file).size;
    return {
      name: b.name,
      file: path.relative(root, b.file),
      lambdaHandler: handlers.has(b.name),
      bytes,
      kib: bytes / 1024,
      runs,
      loadMsMedian: median(b.loadMsSamples),
      loadMsSamples: b.loadMsSamples,
      sdkPackages: b.sdkPackages,
      sdkLoadMsMedian: b.sdkSamples.length ? median(b.sdkSamples) : 0,
    };
  });
}
