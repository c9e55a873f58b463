import type {
  EnvironmentRecord,
  FlightLogRecord,
  FlowRecord,
  GnssFixRecord,
  JobHeaderRecord,
  LaserAltitudeRecord,
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
 * in `recordsRead` but not decoded.
 */
export interface FlightLogRecordVisitor {
  jobHeader?(record: Readonly<JobHeaderRecord>): void;
  gnssFix?(record: Readonly<GnssFixRecord>): void;
  sprayState?(record: Readonly<SprayStateRecord>): void;
  flow?(record: Readonly<FlowRecord>): void;
  swath?(record: Readonly<SwathRecord>): void;
  laserAltitude?(record: Readonly<LaserAltitudeRecord>): void;
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
