export * from './alarms';
export * from './dynamic-scheduler';
export * from './on-tick-options';
export * from './schedule-event-type';
export * from './schedule-events';
export * from './scheduler-engine';
