export type FlightLogParseErrorCode =
  | 'EMPTY_FILE'
  | 'UNKNOWN_FORMAT'
  | 'BAD_MAGIC'
  | 'TRUNCATED_PREAMBLE'
  | 'CORRUPT_PREAMBLE'
  | 'UNSUPPORTED_VERSION'
  | 'BAD_INPUT'
  | 'TOO_DAMAGED'
  | 'DECODER_FINISHED';

/**
 * The only error a flight-log decoder throws: the file as a whole cannot be decoded.
 * Damage inside the file (corrupt or truncated records) is counted in the decode stats instead.
 */
export class FlightLogParseError extends Error {
  override readonly name = 'FlightLogParseError';
  constructor(
    readonly code: FlightLogParseErrorCode,
    /** Byte offset in the file where the problem is. */
    readonly offset: number,
    message: string,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}
