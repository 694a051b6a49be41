import { awscdk, javascript, JsonFile } from 'projen';

/**
 * Minimum aws-cdk-lib: the newest release that @aws-cdk/integ-runner can still read
 * (cloud assembly schemas up to 2.257.0) and for which @aws-cdk/integ-tests-alpha is published.
 */
const CDK_VERSION = '2.245.0';

/** Lambda handlers bundled at build time into assets/lambda/<name>/index.js (shipped in the npm package). */
const HANDLERS = ['start', 'stop', 'plan'];

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-dynamic-scheduler',
  description: 'Event-driven dynamic scheduler for AWS CDK: start, stop and receive cron, interval and one-shot schedules as EventBridge events, run by Step Functions at near-floor cost.',
  author: 'cdk-dynamic-scheduler maintainers',
  authorAddress: 'maintainers@cdk-dynamic-scheduler.dev',
  repositoryUrl: 'https://github.com/cdk-dynamic-scheduler/cdk-dynamic-scheduler.git',
  keywords: ['cdk', 'awscdk', 'scheduler', 'cron', 'eventbridge', 'step-functions', 'dynamodb'],
  cdkVersion: CDK_VERSION,
  defaultReleaseBranch: 'main',
  jsiiVersion: '~6.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  stability: 'experimental',

  // The type-check config for lambda/ and test/ lives at the top level.
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['lambda/**/*.ts'],
    compilerOptions: {},
  },

  // Handlers are bundled by us (below), never by the consumer's synth.
  lambdaAutoDiscover: false,

  publishToPypi: {
    distName: 'cdk-dynamic-scheduler',
    module: 'cdk_dynamic_scheduler',
  },
  publishToMaven: {
    javaPackage: 'dev.cdkdynamicscheduler',
    mavenGroupId: 'dev.cdk-dynamic-scheduler',
    mavenArtifactId: 'cdk-dynamic-scheduler',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkDynamicScheduler',
    packageId: 'CdkDynamicScheduler',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-dynamic-scheduler/cdk-dynamic-scheduler-go',
  },

  devDeps: [
    // handler runtime (provided by the Lambda Node.js runtime; external in the bundles)
    '@aws-sdk/client-dynamodb',
    '@aws-sdk/client-eventbridge',
    '@aws-sdk/client-sfn',
    '@aws-sdk/util-dynamodb',
    '@types/aws-lambda',
    // schedule logic (bundled into the handlers)
    'cron-parser@^5',
    'luxon@^3',
    '@types/luxon',
    // tests and the local runtime
    'aws-sdk-client-mock',
    'aws-sdk-client-mock-jest',
    'fast-check',
    'dynalite@^4',
    'aws-local-stepfunctions@^3',
    '@sinonjs/fake-timers',
    '@types/sinonjs__fake-timers',
    'cdk-nag@^2',
    `@aws-cdk/integ-tests-alpha@${CDK_VERSION}-alpha.0`,
    '@aws-cdk/integ-runner',
    'esbuild',
  ],

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['lambda', 'test', 'build-tools', 'projenrc'],
  },

  jestOptions: {
    // A snapshot that changes must fail the run, never be rewritten by it.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // The end-to-end scenarios run real servers and many virtual hours of schedules.
      testTimeout: 120_000,
    },
  },

  gitignore: ['/assets/', '/.bench/', '/cdk.out/', '*.snapshot/asset.*'],
});

for (const pattern of ['/lambda/', '/test/', '/.ci/', '/.bench/', '/tsconfig.dev.json', '/cdk.out/']) {
  project.addPackageIgnore(pattern);
}

// ---- Handler bundles ------------------------------------------------------------------------
for (const name of HANDLERS) {
  project.bundler.addBundle(`./lambda/${name}.ts`, {
    platform: 'node',
    // Lambda runs Node.js 24; target 20 keeps the bundles loadable by the local runtime too.
    target: 'node20',
    externals: ['@aws-sdk/*'],
    minify: true,
    sourcemap: false,
    tsconfigPath: 'tsconfig.dev.json',
  });
}

// ESLint's projectService looks for the nearest tsconfig.json; the root one is jsii's (src/ only).
for (const dir of ['lambda', 'test']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../tsconfig.dev.json', include: ['**/*.ts', '../src/**/*.ts', '../lambda/**/*.ts'] },
    marker: false,
  });
}

// lambda/ and test/ are type-checked, since esbuild and ts-jest transpile without full checks.
project.addTask('typecheck', {
  description: 'Type-check handlers, tests and the local runtime',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});
project.testTask.prependSpawn(project.tasks.tryFind('typecheck')!);
// Construct tests and the local runtime load the real bundles: build them first (esbuild, about a second).
project.testTask.prependSpawn(project.tasks.tryFind('bundle')!);

// ---- The local demo (the README's main job) and the benchmark -------------------------------
const tsNode = 'ts-node --transpile-only --project tsconfig.dev.json';
const demo = project.addTask('demo', {
  description: 'Run the synthesized scheduler locally under a virtual clock and print a timeline',
});
demo.spawn(project.tasks.tryFind('bundle')!);
demo.exec(`${tsNode} test/demo/run-demo.ts`);
const bench = project.addTask('bench', {
  description: 'Benchmark cost, precision and cold start on the local runtime (BENCH_QUICK=1 for a short run)',
});
bench.spawn(project.tasks.tryFind('bundle')!);
bench.exec(`${tsNode} test/bench/run-bench.ts`);

project.synth();
