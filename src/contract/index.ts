/**
 * The wire contract shared by the construct (src/) and the handlers (lambda/): detail types, environment
 * names, table attributes and statuses, plan actions and the state machine's state.
 *
 * Nothing here imports anything outside this folder: handlers import it, and they never load aws-cdk-lib.
 */
export * from './detail-types';
export * from './environment';
export * from './machine-state';
export * from './schedule-spec';
export * from './schedule-table';
export * from './schedule-validator';
export * from './shard';
