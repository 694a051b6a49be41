import type { ValidationError } from '../../src/contract';

/**
 * One message for every problem of a command: `Invalid Schedule Start: <problem>` for one,
 * `Invalid Schedule Start, 2 problems:` followed by one `- <problem>` line each for more.
 */
export function formatErrors(command: string, errors: readonly ValidationError[]): string {
  if (errors.length === 1) return `Invalid ${command}: ${errors[0].message}`;
  return `Invalid ${command}, ${errors.length} problems:\n${errors.map((e) => `- ${e.message}`).join('\n')}`;
}
