export * from './local-scheduler';
export { matchesEventPattern } from './event-pattern';
export { VirtualClock } from './virtual-clock';
// Fault injection, for users' tests: local.localFunction(fn).injectFault(...), local.endpoint.injectFault(...).
export { LambdaError, LocalFunction } from './lambda-local';
export type { InvocationHook, LambdaFault, LocalInvocation, LogLine } from './lambda-local';
export { AwsError } from './aws-endpoint';
