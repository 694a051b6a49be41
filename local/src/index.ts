export * from './local-scheduler';
export { matchesEventPattern } from './event-pattern';
export { VirtualClock } from './virtual-clock';
