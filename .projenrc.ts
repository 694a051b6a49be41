import { awscdk, javascript, JsonFile } from 'projen';

/**
 * Minimum aws-cdk-lib: the newest release that @aws-cdk/integ-runner can still read
 * (cloud assembly schemas up to 2.257.0) and for which @aws-cdk/integ-tests-alpha is published.
 */
const CDK_VERSION = '2.245.0';

/** Lambda handlers bundled at build time into assets/lambda/handlers/<name>/index.js (shipped in the npm package). */
const HANDLERS = ['start', 'stop', 'plan', 'failed', 'shard'];

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
    include: ['lambda/**/*.ts', 'cli/**/*.ts', 'local/**/*.ts', 'bench/**/*.ts'],
    // The local package's build output (declarations of local/src, src/ and lambda/).
    exclude: ['node_modules', 'local/lib', 'local/build'],
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
    'luxon@^3',
    '@types/luxon',
    // tests and the local runtime
    'aws-sdk-client-mock',
    'aws-sdk-client-mock-jest',
    'fast-check',
    'croner', // independent oracle for cron fire times (test/lambda/domain/cron-oracle.test.ts, bench)
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
    devdirs: ['lambda', 'cli', 'local', 'bench', 'test', 'projenrc'],
  },

  jestOptions: {
    // A snapshot that changes must fail the run, never be rewritten by it.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/jest.setup.ts'],
      // The end-to-end scenarios run real servers and many virtual hours of schedules.
      testTimeout: 120_000,
      // The local package's build output has a package.json of the same name as local/'s.
      modulePathIgnorePatterns: ['<rootDir>/local/build/', '<rootDir>/local/lib/'],
    },
  },

  // integ-runner writes the bundled assets beside each snapshot; they are rebuilt by every run.
  // local/lib and local/build: the local runtime's package, built by `package:local`.
  gitignore: ['/assets/', '/.bench/', '/cdk.out/', '**/*.snapshot/asset.*', '/local/lib/', '/local/build/'],
});

for (const pattern of ['/lambda/', '/cli/', '/local/', '/bench/', '/docs/', '/test/', '/.ci/', '/.bench/', '/tsconfig.dev.json', '/cdk.out/']) {
  project.addPackageIgnore(pattern);
}

// ---- Handler bundles ------------------------------------------------------------------------
for (const name of HANDLERS) {
  project.bundler.addBundle(`./lambda/handlers/${name}.ts`, {
    platform: 'node',
    // Lambda runs Node.js 24; target 20 keeps the bundles loadable by the local runtime too.
    target: 'node20',
    externals: ['@aws-sdk/*'],
    minify: true,
    sourcemap: false,
    tsconfigPath: 'tsconfig.dev.json',
  });
}

// The handlers' validation, loaded by ScheduleEvents (lib/) at run time: the package keeps no runtime
// dependencies and src/ never imports lambda/. Consumers' CDK apps may run on older Node.js than Lambda.
project.bundler.addBundle('./lambda/handlers/validate.ts', {
  platform: 'node',
  target: 'node18',
  minify: true,
  sourcemap: false,
  tsconfigPath: 'tsconfig.dev.json',
});

// The command line (`npx cdk-dynamic-scheduler preview ...`), shipped as the package's bin.
const CLI_BUNDLE = 'assets/cli/preview/index.js';
project.bundler.addBundle('./cli/preview.ts', {
  platform: 'node',
  target: 'node18',
  minify: true,
  sourcemap: false,
  tsconfigPath: 'tsconfig.dev.json',
  banner: '#!/usr/bin/env node',
  executable: true,
});
project.addBins({ 'cdk-dynamic-scheduler': CLI_BUNDLE });

// ESLint's projectService looks for the nearest tsconfig.json; the root one is jsii's (src/ only).
for (const dir of ['lambda', 'cli', 'local', 'bench', 'test']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../tsconfig.dev.json', include: ['**/*.ts', '../src/**/*.ts', '../lambda/**/*.ts', '../local/**/*.ts'] },
    marker: false,
  });
}

// lambda/ and test/ are type-checked, since esbuild and ts-jest transpile without full checks.
project.addTask('typecheck', {
  description: 'Type-check the handlers, the CLI, the local runtime, the benchmark and the tests',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});
project.testTask.prependSpawn(project.tasks.tryFind('typecheck')!);
// Construct tests and the local runtime load the real bundles: build them first (esbuild, about a second).
project.testTask.prependSpawn(project.tasks.tryFind('bundle')!);

// ---- Bindings and integration-test snapshots, checked offline ----------------------------------
// jsii-pacmak generates every language's sources into dist/ (gitignored); compiling the Python catches
// names and docs that would break the Python package.
project.addTask('bindings', {
  description: 'Generate the Python, Java, .NET and Go bindings (code only, into dist/) and byte-compile the Python',
  steps: [
    { exec: 'jsii-pacmak --code-only --target python --target java --target dotnet --target go' },
    { exec: 'python3 -m compileall -q dist/python' },
  ],
});
// integ-runner synthesizes test/integ.*.ts and compares it with the committed snapshot; with dummy
// credentials and region nothing reaches AWS. Asset hashes are ignored (diffAssets: false), so handler
// changes and fresh clones do not invalidate the snapshot; the assets themselves are gitignored.
const offlineAws = {
  CDK_DEFAULT_REGION: 'us-east-1',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'dummy',
  AWS_SECRET_ACCESS_KEY: 'dummy',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const integRunner = 'integ-runner --language typescript --app "node -r ts-node/register/transpile-only {filePath}"';
const integ = project.addTask('integ', {
  description: 'Verify the integration tests\' snapshots offline (synthesizes, never deploys)',
  env: offlineAws,
});
integ.spawn(project.tasks.tryFind('bundle')!);
integ.exec(integRunner);
const integUpdate = project.addTask('integ:update', {
  description: 'Regenerate the integration tests\' snapshots offline (--dry-run: never deploys)',
  env: offlineAws,
});
integUpdate.spawn(project.tasks.tryFind('bundle')!);
integUpdate.exec(`${integRunner} --update-on-failed --dry-run`);

// ---- The local demo (the README's main job) and the benchmark -------------------------------
const tsNode = 'ts-node --transpile-only --project tsconfig.dev.json';
const demo = project.addTask('demo', {
  description: 'Run the synthesized scheduler locally under a virtual clock and print a timeline',
});
demo.spawn(project.tasks.tryFind('bundle')!);
demo.exec(`${tsNode} local/demo/run-demo.ts`);
const bench = project.addTask('bench', {
  description: 'Benchmark cost, precision and cold start on the local runtime (BENCH_QUICK=1 for a short run)',
});
bench.spawn(project.tasks.tryFind('bundle')!);
bench.exec(`${tsNode} bench/run-bench.ts`);

// ---- The local runtime's package (cdk-dynamic-scheduler-local), packed beside the library -----------------------
// Not jsii: local/src compiled by esbuild (JavaScript) and tsc (declarations) into local/lib, with its one import of
// the library (local/src/library.ts) turned into the installed `cdk-dynamic-scheduler`; see local/build-package.ts.
const packageLocal = project.addTask('package:local', {
  description: 'Build the local runtime\'s npm package (local/lib) and pack it into dist/js beside the library',
  exec: `${tsNode} local/build-package.ts`,
});
project.tasks.tryFind('package')!.spawn(packageLocal);

project.synth();
