/**
 * The library the local runtime runs: the one file of local/ that imports it.
 *
 * In this repository it is the sources (`../../src`), so tests, the demo and the benchmark run the library as it is
 * now. The package build (`npx projen package:local`, local/build-package.ts) compiles this import, and only this
 * one, to `cdk-dynamic-scheduler`: the installed library, a peer dependency, so that a user's stack and the runtime
 * share one copy of its classes (`instanceof DynamicScheduler` holds for the user's constructs).
 */
export { DynamicScheduler } from '../../src';
export type { DynamicSchedulerProps } from '../../src';
