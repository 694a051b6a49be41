import { Token } from 'aws-cdk-lib';
import { RESERVED_SOURCE_PREFIX } from '../contract';
import type { DynamicSchedulerProps } from '../dynamic-scheduler';

/** Throws, naming the value, when a source could not be put on a bus (unresolved tokens are skipped). */
export function validateSource(field: string, source: string): void {
  if (Token.isUnresolved(source)) return;
  if (source.length < 1 || source.length > 256) {
    throw new Error(`${field} must be 1 to 256 characters long, got ${source.length}: "${source}"`);
  }
  if (source.startsWith(RESERVED_SOURCE_PREFIX)) {
    throw new Error(`${field} cannot start with "${RESERVED_SOURCE_PREFIX}" (reserved for AWS services), got: "${source}"`);
  }
}

/** Throws, naming the value, when a schedule id filter could never match an id. */
export function validateScheduleId(field: string, value: string): void {
  if (value.length < 1 || value.length > 256) {
    throw new Error(`${field} must be 1 to 256 characters long, got ${value.length}: "${value}"`);
  }
}

/** Validates a {@link DynamicSchedulerProps} whose tick source resolved to `tickSource`. */
export function validateProps(props: DynamicSchedulerProps, tickSource: string): void {
  validateSource('tickSource', tickSource);
  if (props.allowedSources !== undefined) validateAllowedSources(props.allowedSources, tickSource);
  const retention = props.finishedScheduleRetention;
  if (retention !== undefined && !Token.isUnresolved(retention.toSeconds()) && retention.toSeconds() < 60) {
    throw new Error(`finishedScheduleRetention must be at least 1 minute, got: ${retention.toHumanString()}`);
  }
}

function validateAllowedSources(allowedSources: string[], tickSource: string): void {
  if (allowedSources.length === 0) {
    throw new Error('allowedSources cannot be empty (no one could start a schedule); omit it to allow any source but the tick source');
  }
  for (const source of allowedSources) {
    validateSource('allowedSources', source);
    if (source === tickSource) {
      throw new Error(`allowedSources cannot include the tick source "${tickSource}": the scheduler's own events must never start or stop schedules`);
    }
  }
  const duplicates = allowedSources.filter((s, i, all) => all.indexOf(s) !== i);
  if (duplicates.length > 0) {
    throw new Error(`allowedSources has duplicates: ${JSON.stringify(duplicates)}`);
  }
}
