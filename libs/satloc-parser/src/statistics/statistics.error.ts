export type StatisticsErrorCode =
  /** The log's geometry (or the field's) would take more work than the engine allows. */
  | 'TOO_COMPLEX';

/**
 * The statistics of a log cannot be computed within the engine's bounds. Retrying cannot help:
 * the worker fails the log with this reason instead of burning CPU.
 */
export class StatisticsError extends Error {
  override readonly name = 'StatisticsError';
  constructor(
    readonly code: StatisticsErrorCode,
    message: string,
  ) {
    super(message);
  }
}
