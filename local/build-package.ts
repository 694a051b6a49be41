/**
 * Builds the `cdk-dynamic-scheduler-local` package (`npx projen package:local`, spawned by `npx projen package`):
 *
 * 1. JavaScript: esbuild bundles local/src/index.ts into local/lib/index.js (CommonJS, Node 20). npm packages stay
 *    `require`s (they are the package's dependencies); the one relative import of the library, `../../src` in
 *    local/src/library.ts, becomes `require("cdk-dynamic-scheduler")`, the installed peer dependency. The other
 *    relative imports (the scheduler's own cron rules in lambda/domain, which schedule rules fire by) are bundled.
 * 2. Types: tsc emits the declarations of local/src into local/build/types; those of local/src are copied to
 *    local/lib with the same one import rewritten. The build fails if a declaration still refers outside local/src.
 * 3. Pack: local/package.json with the root package.json's version (and the library's peer range set to it),
 *    local/README.md, the LICENSE and local/lib are staged in local/build/package and packed into dist/js/ with
 *    `npm pack`, beside the library's tarball. local/package.json itself is not modified.
 *
 * local/lib and local/build are gitignored; nothing here is published from the repository's tree.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
// The build script is not part of the package (local/package.json): esbuild is the repository's devDependency.
// eslint-disable-next-line import/no-extraneous-dependencies
import * as esbuild from 'esbuild';

const ROOT = path.join(__dirname, '..');
const LOCAL = __dirname;
const LIB = path.join(LOCAL, 'lib');
const BUILD = path.join(LOCAL, 'build');
const LIBRARY_SOURCE = path.join(ROOT, 'src', 'index.ts');
const LIBRARY_PACKAGE = 'cdk-dynamic-scheduler';
/** How local/src/library.ts imports the library (the only import the build rewrites). */
const LIBRARY_IMPORT = '../../src';

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Step 1: local/lib/index.js. */
async function bundle(): Promise<void> {
  await esbuild.build({
    entryPoints: [path.join(LOCAL, 'src', 'index.ts')],
    outfile: path.join(LIB, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    tsconfig: path.join(ROOT, 'tsconfig.dev.json'),
    logLevel: 'warning',
    plugins: [{
      name: 'installed-library',
      setup(build) {
        build.onResolve({ filter: /^\.\.?\// }, (args) => {
          const resolved = path.resolve(args.resolveDir, args.path);
          if (resolved !== path.dirname(LIBRARY_SOURCE) && resolved !== LIBRARY_SOURCE.replace(/\.ts$/, '')) return undefined;
          if (path.relative(path.join(LOCAL, 'src'), args.importer) !== 'library.ts') {
            throw new Error(`Only local/src/library.ts may import the library; ${args.importer} imports ${args.path}`);
          }
          return { path: LIBRARY_PACKAGE, external: true };
        });
      },
    }],
  });
  const output = fs.readFileSync(path.join(LIB, 'index.js'), 'utf8');
  if (!output.includes(`require("${LIBRARY_PACKAGE}")`)) {
    throw new Error(`local/lib/index.js does not require "${LIBRARY_PACKAGE}": did local/src/library.ts stop importing ${LIBRARY_IMPORT}?`);
  }
  for (const forbidden of ['/src/dynamic-scheduler', 'aws-cdk-lib/core/lib']) {
    if (output.includes(forbidden)) throw new Error(`local/lib/index.js bundled ${forbidden}: the library and aws-cdk-lib must stay external`);
  }
}

/** Step 2: local/lib/*.d.ts. */
function declarations(): void {
  const types = path.join(BUILD, 'types');
  fs.rmSync(types, { recursive: true, force: true });
  execFileSync('npx', ['tsc', '-p', path.join(LOCAL, 'tsconfig.package.json'), '--outDir', types], { cwd: ROOT, stdio: 'inherit' });
  const emitted = path.join(types, 'local', 'src');
  for (const file of fs.readdirSync(emitted).filter((f) => f.endsWith('.d.ts'))) {
    let text = fs.readFileSync(path.join(emitted, file), 'utf8');
    if (file === 'library.d.ts') {
      const rewritten = text.split(`'${LIBRARY_IMPORT}'`).join(`'${LIBRARY_PACKAGE}'`);
      if (rewritten === text) throw new Error(`local/src/library.ts's declarations do not import '${LIBRARY_IMPORT}'`);
      text = rewritten;
    }
    const outside = /from '(\.\.\/[^']*)'/.exec(text);
    if (outside) {
      throw new Error(`The declarations of local/src/${file} import ${outside[1]}, outside the package; export what users need through local/src/library.ts`);
    }
    fs.writeFileSync(path.join(LIB, file), text);
  }
}

/** Step 3: dist/js/cdk-dynamic-scheduler-local-<version>.tgz. */
function pack(): string {
  const version: string = readJson(path.join(ROOT, 'package.json')).version;
  const manifest = readJson(path.join(LOCAL, 'package.json'));
  delete manifest['//'];
  manifest.version = version;
  manifest.peerDependencies[LIBRARY_PACKAGE] = `^${version}`;
  const staging = path.join(BUILD, 'package');
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(path.join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.copyFileSync(path.join(LOCAL, 'README.md'), path.join(staging, 'README.md'));
  fs.copyFileSync(path.join(ROOT, 'LICENSE'), path.join(staging, 'LICENSE'));
  fs.cpSync(LIB, path.join(staging, 'lib'), { recursive: true });
  const destination = path.join(ROOT, 'dist', 'js');
  fs.mkdirSync(destination, { recursive: true });
  const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], { cwd: staging, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(output);
  return path.join(destination, filename);
}

async function main(): Promise<void> {
  fs.rmSync(LIB, { recursive: true, force: true });
  await bundle();
  declarations();
  const tarball = pack();
  console.log(`Packed ${path.relative(ROOT, tarball)}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
