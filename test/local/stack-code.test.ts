/**
 * Where `fromStack` finds the code of a stack's functions, and how it says that code is missing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { assertCodePresent, functionCodes } from '../../local/src/stack-code';
import { DynamicScheduler } from '../../src';

const ROOT = path.join(__dirname, '..', '..');

function stackWithFunctions(): Stack {
  const stack = new Stack(new App(), 'Codes');
  new DynamicScheduler(stack, 'Scheduler');
  new lambda.Function(stack, 'FromAsset', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(__dirname, 'fixtures', 'reminder')),
  });
  new lambda.Function(stack, 'Inline', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => 1;'),
  });
  return stack;
}

test('an asset function runs from its source directory (not the staged copy); an inline function has no asset', () => {
  const codes = functionCodes(stackWithFunctions());

  expect(codes.find((code) => code.constructPath === 'Codes/FromAsset/Resource')?.dir).toBe(path.join(__dirname, 'fixtures', 'reminder'));
  expect(codes.some((code) => code.constructPath.startsWith('Codes/Inline/'))).toBe(false);
});

test('the scheduler\'s functions run from the library\'s handler bundles', () => {
  const codes = functionCodes(stackWithFunctions()).filter((code) => code.constructPath.startsWith('Codes/Scheduler/'));

  expect(codes.map((code) => path.relative(ROOT, code.dir)).sort()).toEqual(
    ['failed', 'plan', 'start', 'stop'].map((name) => path.join('assets', 'lambda', 'handlers', name)));
});

test('every code directory of a built stack holds its handler module', () => {
  const stack = stackWithFunctions();

  expect(() => assertCodePresent(functionCodes(stack), Template.fromStack(stack).toJSON(), ['Codes/Scheduler'])).not.toThrow();
});

test('a scheduler function whose bundle is missing is reported as the library\'s missing handler bundles', () => {
  const stack = stackWithFunctions();
  const template = Template.fromStack(stack).toJSON();
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-bundle-'));
  const codes = functionCodes(stack).map((code) => (code.constructPath.startsWith('Codes/Scheduler/StartFunction/') ? { ...code, dir: empty } : code));

  try {
    expect(() => assertCodePresent(codes, template, ['Codes/Scheduler'])).toThrow(
      `The handler bundle of Codes/Scheduler/StartFunction/Resource is missing: no ${path.join(empty, 'index.js')}. cdk-dynamic-scheduler ships its handlers pre-built in assets/; reinstall the package (or, in its repository, run "npx projen bundle")`);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
