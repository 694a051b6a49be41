/**
 * The local runtime's package manifest (local/package.json): what `npx projen package:local` packs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const ROOT_PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const LOCAL_PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'local', 'package.json'), 'utf8'));

/** The npm packages local/src loads at run time: its imports and requires of anything but Node's own modules. */
function packagesImportedByLocalSource(): string[] {
  const dir = path.join(ROOT, 'local', 'src');
  const names = new Set<string>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const [, specifier] of text.matchAll(/(?:^import (?!type )[^;]*? from |require(?:\.resolve)?\()'([^'.][^']*)'/gm)) {
      if (specifier.startsWith('node:')) continue;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      if (!['async_hooks', 'crypto', 'fs', 'http', 'module', 'net', 'os', 'path', 'url', 'util', 'events', 'stream'].includes(name)) names.add(name);
    }
  }
  return [...names].sort();
}

test('every package local/src imports at run time is a dependency or a peer dependency', () => {
  const declared = [...Object.keys(LOCAL_PACKAGE.dependencies), ...Object.keys(LOCAL_PACKAGE.peerDependencies)];

  expect(packagesImportedByLocalSource().filter((name) => !declared.includes(name))).toEqual([]);
});

test('dependency ranges are the root package.json\'s, so the package runs what the repository tests', () => {
  const rootRanges = { ...ROOT_PACKAGE.devDependencies, ...ROOT_PACKAGE.peerDependencies };
  const differing = Object.entries({ ...LOCAL_PACKAGE.dependencies, ...LOCAL_PACKAGE.peerDependencies })
    .filter(([name]) => name !== ROOT_PACKAGE.name)
    .filter(([name, range]) => rootRanges[name] !== range)
    .map(([name, range]) => `${name}: local ${range}, root ${rootRanges[name]}`);

  expect(differing).toEqual([]);
});

test('the library, aws-cdk-lib and constructs are peer dependencies, never bundled or installed twice', () => {
  expect(Object.keys(LOCAL_PACKAGE.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'cdk-dynamic-scheduler', 'constructs']);
  for (const peer of Object.keys(LOCAL_PACKAGE.peerDependencies)) expect(LOCAL_PACKAGE.dependencies[peer]).toBeUndefined();
});

test('the handler bundles\' AWS SDK clients are dependencies: Lambda provides them on AWS, the package must here', () => {
  expect(Object.keys(LOCAL_PACKAGE.dependencies)).toEqual(expect.arrayContaining([
    '@aws-sdk/client-dynamodb', '@aws-sdk/client-eventbridge', '@aws-sdk/client-sfn', '@aws-sdk/util-dynamodb',
  ]));
});

test('only local/src/library.ts imports the library', () => {
  const dir = path.join(ROOT, 'local', 'src');
  const importers = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))
    .filter((file) => /from '\.\.\/\.\.\/src(\/[^']*)?'/.test(fs.readFileSync(path.join(dir, file), 'utf8')));

  expect(importers).toEqual(['library.ts']);
});
