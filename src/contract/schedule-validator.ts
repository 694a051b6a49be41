/**
 * The contract of the validation bundle (`assets/lambda/handlers/validate/index.js`, built from lambda/handlers/validate.ts).
 *
 * src/ never imports lambda/ sources: {@link ScheduleEvents} `require()`s the pre-built bundle at run time,
 * and lambda/validate.ts implements this interface, so the type-check keeps the two in step.
 * This file must stay free of imports, like contract.ts.
 */
export interface ScheduleValidator {
  /**
   * Why a `Schedule Start` detail would be rejected by the start handler if it arrived at `now`, as one error
   * message listing every problem (`Invalid Schedule Start: …`), or undefined when it would be accepted.
   */
  startError(detail: unknown, now: Date): string | undefined;

  /** Why a `Schedule Stop` detail would be rejected (`Invalid Schedule Stop: …`), or undefined. */
  stopError(detail: unknown): string | undefined;
}
