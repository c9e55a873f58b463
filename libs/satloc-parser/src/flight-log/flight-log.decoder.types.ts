import type {
  EnvironmentRecord,
  FlightLogRecord,
  FlowRecord,
  GnssFixFields,
  JobHeaderRecord,
  LaserAltitudeFields,
  MarkerRecord,
  SprayStateRecord,
  SwathRecord,
} from './flight-log.records.js';

export interface FlightLogDecodeStats {
  /** Records decoded and handed to the consumer. */
  recordsRead: number;
  /** Intact records of a type this decoder does not know, skipped by their length. */
  recordsSkipped: number;
  /** Damaged places: each run of bytes skipped while resynchronising, and intact-CRC records whose content is invalid. */
  recordsCorrupt: number;
  /** File offsets where each corrupt record starts, at most `maxCorruptOffsets` of them (the first ones). */
  corruptOffsets: number[];
  /** Bytes given up while resynchronising. */
  corruptBytes: number;
  /**
   * Bytes checksummed for candidate records whose CRC then failed: the work damage cost. Bounded
   * by `maxResyncWorkFactor` (see {@link FlightLogDecoderOptions}).
   */
  failedCrcBytes: number;
  /** Bytes consumed, the preamble included. */
  bytesRead: number;
  /** The file ends inside a record (an interrupted write); that record is dropped. */
  truncatedTail: boolean;
  truncatedTailOffset: number | null;
  truncatedTailBytes: number;
}

export type RecordConsumer = (record: FlightLogRecord) => void;

/**
 * The allocation-free way to receive records: one callback per record type. The record handed
 * over is a view the decoder reuses for the next record of the same type — read its fields during
 * the call and copy what you keep (`{ ...record }`). A type without a callback is still counted
 * in `recordsRead` but not decoded. Unknown values in GNSS fixes and laser altitudes are `NaN`
 * here (`null` in the object API): see {@link GnssFixFields}.
 */
export interface FlightLogRecordVisitor {
  jobHeader?(record: Readonly<JobHeaderRecord>): void;
  gnssFix?(record: Readonly<GnssFixFields>): void;
  sprayState?(record: Readonly<SprayStateRecord>): void;
  flow?(record: Readonly<FlowRecord>): void;
  swath?(record: Readonly<SwathRecord>): void;
  laserAltitude?(record: Readonly<LaserAltitudeFields>): void;
  environment?(record: Readonly<EnvironmentRecord>): void;
  marker?(record: Readonly<MarkerRecord>): void;
}

/** Synchronous, push-style decoder for one file: feed chunks in order, then finish. */
export interface FlightLogChunkDecoder {
  push(chunk: Uint8Array, onRecord: RecordConsumer): void;
  /** Ends the file: flushes the tail and returns the final stats. */
  finish(onRecord: RecordConsumer): FlightLogDecodeStats;
  readonly stats: FlightLogDecodeStats;
  /** e.g. "1.0" once the preamble has been read. */
  readonly formatVersion: string | null;
}

export interface FlightLogDecoderOptions {
  /** Bound on `corruptOffsets`. Default 100. */
  maxCorruptOffsets?: number;
  /**
   * Bound on the CPU that damage may cost: `failedCrcBytes` may not exceed this many times the
   * bytes pushed so far, plus 1 MiB; beyond it the file is rejected (`TOO_DAMAGED`). Default 16.
   * Every candidate record header (`A5 5A`, a length up to 4096) costs a CRC over its claimed
   * length before it can be rejected, so a file of back-to-back fake headers would otherwise cost
   * about 680 CRC bytes per byte; a damaged real log, or random bytes, cost well under 1.
   */
  maxResyncWorkFactor?: number;
}

/** One flight-log format. A licensed SatLoc Air Log decoder would implement this too. */
export interface FlightLogFormatDecoder {
  readonly formatName: string;
  /** How many leading bytes `sniff` needs to decide. */
  readonly sniffBytes: number;
  /** True when these first bytes look like this format. */
  sniff(firstBytes: Uint8Array): boolean;
  createChunkDecoder(options?: FlightLogDecoderOptions): FlightLogChunkDecoder;
}
