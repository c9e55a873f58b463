import type { FlightLogRecord } from './flight-log.records.js';

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
