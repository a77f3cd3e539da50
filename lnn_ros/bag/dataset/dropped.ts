/**
 * Thrown for one message or step that cannot be used (NaN, wrong image size, stamp out of order…).
 * The builder catches it, counts `reason` and carries on: bad data never stops a build.
 */
export class Dropped extends Error {
  override name = 'Dropped';
  constructor(
    /** A short, stable category that is counted (e.g. `non-finite value`). */
    readonly reason: string,
    /** Specifics for the log (which field, which size). */
    detail = '',
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
  }
}
