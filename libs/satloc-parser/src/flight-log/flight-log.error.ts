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
 * Codes saying the file is not in a format (or a major version) any decoder here reads — another
 * vendor's file, SatLoc's proprietary Air Log, a future version — rather than one of ours damaged.
 */
const UNSUPPORTED_FORMAT_CODES: ReadonlySet<FlightLogParseErrorCode> = new Set(['UNKNOWN_FORMAT', 'BAD_MAGIC', 'UNSUPPORTED_VERSION']);

/** True for the codes of a file in a format the platform does not decode (see `UNSUPPORTED_FORMAT_CODES`). */
export function isUnsupportedFormatCode(code: string): boolean {
  return UNSUPPORTED_FORMAT_CODES.has(code as FlightLogParseErrorCode);
}

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
