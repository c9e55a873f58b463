import { crc32 } from './crc32.js';
import { FlightLogParseError } from './flight-log.error.js';
import type {
  FlightLogChunkDecoder,
  FlightLogDecodeStats,
  FlightLogDecoderOptions,
  FlightLogFormatDecoder,
  RecordConsumer,
} from './flight-log.decoder.types.js';
import {
  FLIGHT_LOG_FORMAT_NAME,
  FLIGHT_LOG_MAGIC,
  FLIGHT_LOG_VERSION_MAJOR,
  MAX_PAYLOAD_BYTES,
  MAX_RECORD_BYTES,
  NO_VALUE_U16,
  NO_VALUE_U32,
  PREAMBLE_BYTES,
  RecordType,
  SYNC_BYTE_0,
  SYNC_BYTE_1,
  TWO_POW_32,
} from './flight-log.format.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

const u16 = (d: Uint8Array, o: number): number => d[o] | (d[o + 1] << 8);
const i16 = (d: Uint8Array, o: number): number => ((d[o] | (d[o + 1] << 8)) << 16) >> 16;
const i32 = (d: Uint8Array, o: number): number => d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24);
const u32 = (d: Uint8Array, o: number): number => (d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24)) >>> 0;
const time = (d: Uint8Array, o: number): number => i32(d, o + 4) * TWO_POW_32 + u32(d, o);

/** Index of the next possible record start (sync bytes) at or after `from`, or where scanning must resume. */
function scanForSync(d: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end) {
    i = d.indexOf(SYNC_BYTE_0, i);
    if (i < 0 || i >= end) return end;
    if (i + 1 >= end || d[i + 1] === SYNC_BYTE_1) return i;
    i++;
  }
  return end;
}

/** True when a complete record with a valid CRC starts at `pos`. */
function isValidRecordAt(d: Uint8Array, pos: number, end: number): boolean {
  if (end - pos < 10 || d[pos] !== SYNC_BYTE_0 || d[pos + 1] !== SYNC_BYTE_1) return false;
  const len = u16(d, pos + 4);
  if (len > MAX_PAYLOAD_BYTES || pos + 10 + len > end) return false;
  return crc32(d, pos + 2, pos + 6 + len) === u32(d, pos + 6 + len);
}

/**
 * Decoder of the open flight-log format (FORMAT.md). Push chunks of any size; records are
 * handed to the consumer as soon as they are complete. Memory is bounded by one chunk plus
 * one maximal record. Only {@link FlightLogParseError} is thrown, and only when the file as a
 * whole is unusable (empty, wrong magic, damaged preamble, unsupported major version).
 */
export class FlightLogStreamDecoder implements FlightLogChunkDecoder {
  readonly stats: FlightLogDecodeStats = {
    recordsRead: 0,
    recordsSkipped: 0,
    recordsCorrupt: 0,
    corruptOffsets: [],
    corruptBytes: 0,
    bytesRead: 0,
    truncatedTail: false,
    truncatedTailOffset: null,
    truncatedTailBytes: 0,
  };
  formatVersion: string | null = null;
  private readonly maxCorruptOffsets: number;
  /** Unconsumed bytes from earlier chunks (always shorter than one maximal record). */
  private carry: Uint8Array | null = null;
  /** File offset of the first byte of the chunk being decoded (or of the carry). */
  private base = 0;
  private totalBytes = 0;
  private preambleRead = false;
  private resyncing = false;
  private corruptStart = 0;
  private finished = false;

  constructor(options: FlightLogDecoderOptions = {}) {
    this.maxCorruptOffsets = Math.max(0, options.maxCorruptOffsets ?? 100);
  }

  push(chunk: Uint8Array, onRecord: RecordConsumer): void {
    if (this.finished) throw new FlightLogParseError('DECODER_FINISHED', this.totalBytes, 'push() after finish()');
    if (!(chunk instanceof Uint8Array)) throw new FlightLogParseError('BAD_INPUT', this.totalBytes, 'chunks must be Uint8Array/Buffer');
    if (chunk.length === 0) return;
    this.totalBytes += chunk.length;
    let data = chunk;
    let pos = 0;
    const carry = this.carry;
    this.carry = null;
    if (carry !== null) {
      if (chunk.length <= 2 * MAX_RECORD_BYTES || !this.preambleRead) {
        data = concat(carry, chunk);
      } else {
        // Stitch only the carried bytes plus one maximal record, not the whole chunk.
        const head = concat(carry, chunk.subarray(0, MAX_RECORD_BYTES));
        const stop = this.decodeRange(head, 0, carry.length, onRecord);
        this.base += carry.length;
        pos = stop - carry.length;
      }
    }
    if (!this.preambleRead) {
      if (data.length < PREAMBLE_BYTES) {
        this.carry = copy(data);
        return;
      }
      this.readPreamble(data);
      pos = PREAMBLE_BYTES;
    }
    pos = this.decodeRange(data, pos, data.length, onRecord);
    if (pos < data.length) this.carry = copy(data.subarray(pos));
    this.base += pos;
    this.stats.bytesRead = this.base;
  }

  finish(onRecord: RecordConsumer): FlightLogDecodeStats {
    if (this.finished) return this.stats;
    this.finished = true;
    const tail = this.carry ?? new Uint8Array(0);
    this.carry = null;
    if (!this.preambleRead) {
      if (this.totalBytes === 0) throw new FlightLogParseError('EMPTY_FILE', 0, 'the flight log is empty');
      const n = Math.min(tail.length, FLIGHT_LOG_MAGIC.length);
      for (let i = 0; i < n; i++) {
        if (tail[i] !== FLIGHT_LOG_MAGIC[i]) throw new FlightLogParseError('BAD_MAGIC', i, 'not a flight log in the open format (wrong magic bytes)');
      }
      throw new FlightLogParseError('TRUNCATED_PREAMBLE', tail.length, `the file ends inside its ${PREAMBLE_BYTES}-byte preamble`);
    }
    const end = tail.length;
    let pos = 0;
    while (pos < end) {
      pos = this.decodeRange(tail, pos, end, onRecord);
      if (pos >= end) break;
      // An incomplete record at `pos`: a torn last record, or a damaged length with intact records after it.
      let next = -1;
      for (let i = scanForSync(tail, pos + 1, end); i < end; i = scanForSync(tail, i + 1, end)) {
        if (isValidRecordAt(tail, i, end)) {
          next = i;
          break;
        }
      }
      if (next >= 0) {
        this.markCorrupt(this.base + pos);
        pos = next;
        continue;
      }
      if (this.resyncing) {
        this.stats.corruptBytes += this.base + end - this.corruptStart;
        this.resyncing = false;
      } else {
        this.stats.truncatedTail = true;
        this.stats.truncatedTailOffset = this.base + pos;
        this.stats.truncatedTailBytes = end - pos;
      }
      pos = end;
    }
    if (this.resyncing) {
      this.stats.corruptBytes += this.base + end - this.corruptStart;
      this.resyncing = false;
    }
    this.base += end;
    this.stats.bytesRead = this.totalBytes;
    return this.stats;
  }

  private readPreamble(d: Uint8Array): void {
    for (let i = 0; i < FLIGHT_LOG_MAGIC.length; i++) {
      if (d[i] !== FLIGHT_LOG_MAGIC[i]) throw new FlightLogParseError('BAD_MAGIC', i, 'not a flight log in the open format (wrong magic bytes)');
    }
    if (crc32(d, 0, 12) !== u32(d, 12)) throw new FlightLogParseError('CORRUPT_PREAMBLE', 12, 'the preamble checksum does not match');
    const major = u16(d, 8);
    const minor = u16(d, 10);
    if (major !== FLIGHT_LOG_VERSION_MAJOR) {
      throw new FlightLogParseError('UNSUPPORTED_VERSION', 8, `format version ${major}.${minor} is not supported (major ${FLIGHT_LOG_VERSION_MAJOR} only)`);
    }
    this.formatVersion = `${major}.${minor}`;
    this.preambleRead = true;
    this.stats.bytesRead = PREAMBLE_BYTES;
  }

  private markCorrupt(offset: number): void {
    if (this.resyncing) return;
    this.resyncing = true;
    this.corruptStart = offset;
    this.stats.recordsCorrupt++;
    if (this.stats.corruptOffsets.length < this.maxCorruptOffsets) this.stats.corruptOffsets.push(offset);
  }

  /** Counts an intact record whose content is invalid; framing is fine, so no resync. */
  private markMalformed(offset: number): void {
    this.stats.recordsCorrupt++;
    if (this.stats.corruptOffsets.length < this.maxCorruptOffsets) this.stats.corruptOffsets.push(offset);
  }

  /**
   * Decodes whole records starting before `stop`; returns where decoding stopped (the start of
   * an incomplete record, or the first position at or after `stop`). `this.base` is the file offset of `d[0]`.
   */
  private decodeRange(d: Uint8Array, start: number, stop: number, onRecord: RecordConsumer): number {
    const end = d.length;
    const stats = this.stats;
    let pos = start;
    while (pos < stop) {
      if (end - pos < 6) break;
      if (d[pos] !== SYNC_BYTE_0 || d[pos + 1] !== SYNC_BYTE_1) {
        this.markCorrupt(this.base + pos);
        pos = scanForSync(d, pos + 1, end);
        continue;
      }
      const len = d[pos + 4] | (d[pos + 5] << 8);
      if (len > MAX_PAYLOAD_BYTES) {
        this.markCorrupt(this.base + pos);
        pos = scanForSync(d, pos + 1, end);
        continue;
      }
      const p = pos + 6;
      const crcAt = p + len;
      if (crcAt + 4 > end) break;
      if (crc32(d, pos + 2, crcAt) !== ((d[crcAt] | (d[crcAt + 1] << 8) | (d[crcAt + 2] << 16) | (d[crcAt + 3] << 24)) >>> 0)) {
        this.markCorrupt(this.base + pos);
        pos = scanForSync(d, pos + 1, end);
        continue;
      }
      if (this.resyncing) {
        stats.corruptBytes += this.base + pos - this.corruptStart;
        this.resyncing = false;
      }
      const type = d[pos + 2];
      switch (type) {
        case RecordType.GnssFix:
          if (len < 32) break;
          stats.recordsRead++;
          onRecord({
            type: 'gnssFix',
            timeMs: time(d, p),
            latDeg: i32(d, p + 8) / 1e7,
            lonDeg: i32(d, p + 12) / 1e7,
            altitudeM: i32(d, p + 16) / 1000,
            groundSpeedMps: u16(d, p + 20) / 100,
            headingDeg: u16(d, p + 22) / 100,
            fixQuality: d[p + 24],
            satellites: d[p + 25],
            hdop: u16(d, p + 26) === NO_VALUE_U16 ? null : u16(d, p + 26) / 100,
            differentialAgeS: u16(d, p + 28) === NO_VALUE_U16 ? null : u16(d, p + 28) / 10,
          });
          pos = crcAt + 4;
          continue;
        case RecordType.SprayState:
          if (len < 16) break;
          stats.recordsRead++;
          onRecord({ type: 'sprayState', timeMs: time(d, p), boomOn: d[p + 12] !== 0, sectionMask: u32(d, p + 8), sectionCount: d[p + 13] });
          pos = crcAt + 4;
          continue;
        case RecordType.Flow:
          if (len < 24) break;
          stats.recordsRead++;
          onRecord({
            type: 'flow',
            timeMs: time(d, p),
            targetRateLPerHa: u32(d, p + 8) / 100,
            actualRateLPerHa: u32(d, p + 12) / 100,
            flowLPerMin: u32(d, p + 16) / 1000,
            pressureKPa: u32(d, p + 20) / 1000,
          });
          pos = crcAt + 4;
          continue;
        case RecordType.Environment:
          if (len < 16) break;
          stats.recordsRead++;
          onRecord({
            type: 'environment',
            timeMs: time(d, p),
            windSpeedMps: u16(d, p + 8) / 100,
            windDirectionDeg: u16(d, p + 10) / 100,
            temperatureC: i16(d, p + 12) / 100,
            humidityPct: u16(d, p + 14) / 100,
          });
          pos = crcAt + 4;
          continue;
        case RecordType.Swath:
          if (len < 12) break;
          stats.recordsRead++;
          onRecord({ type: 'swath', timeMs: time(d, p), swathWidthM: u32(d, p + 8) / 1000 });
          pos = crcAt + 4;
          continue;
        case RecordType.LaserAltitude: {
          if (len < 12) break;
          stats.recordsRead++;
          const h = u32(d, p + 8);
          onRecord({ type: 'laserAltitude', timeMs: time(d, p), heightAboveGroundM: h === NO_VALUE_U32 ? null : h / 1000 });
          pos = crcAt + 4;
          continue;
        }
        case RecordType.Marker: {
          const textLen = len >= 12 ? u16(d, p + 10) : 0;
          if (len < 12 || 12 + textLen > len) break;
          stats.recordsRead++;
          onRecord({ type: 'marker', timeMs: time(d, p), code: u16(d, p + 8), text: utf8.decode(d.subarray(p + 12, p + 12 + textLen)) });
          pos = crcAt + 4;
          continue;
        }
        case RecordType.JobHeader: {
          if (len < 20) break;
          const strings: string[] = [];
          let o = p + 16;
          for (let k = 0; k < 4 && o < crcAt; k++) {
            const n = d[o];
            if (o + 1 + n > crcAt) break;
            strings.push(utf8.decode(d.subarray(o + 1, o + 1 + n)));
            o += 1 + n;
          }
          if (strings.length < 4) break;
          stats.recordsRead++;
          onRecord({
            type: 'jobHeader',
            timeMs: time(d, p),
            targetRate: u32(d, p + 8) / 100,
            rateUnit: d[p + 12] === 1 ? 'gal/ac' : 'L/ha',
            jobId: strings[0],
            aircraftId: strings[1],
            pilot: strings[2],
            product: strings[3],
          });
          pos = crcAt + 4;
          continue;
        }
        default:
          stats.recordsSkipped++;
          pos = crcAt + 4;
          continue;
      }
      // A known type with an intact CRC but a payload too short for its fields.
      this.markMalformed(this.base + pos);
      pos = crcAt + 4;
    }
    return pos;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A real copy: Buffer#slice would return a view of a chunk the caller may reuse. */
function copy(a: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  out.set(a);
  return out;
}

export const openFlightLogDecoder: FlightLogFormatDecoder = {
  formatName: FLIGHT_LOG_FORMAT_NAME,
  sniffBytes: FLIGHT_LOG_MAGIC.length,
  sniff(firstBytes: Uint8Array): boolean {
    if (firstBytes.length < FLIGHT_LOG_MAGIC.length) return false;
    for (let i = 0; i < FLIGHT_LOG_MAGIC.length; i++) if (firstBytes[i] !== FLIGHT_LOG_MAGIC[i]) return false;
    return true;
  },
  createChunkDecoder: (options?: FlightLogDecoderOptions) => new FlightLogStreamDecoder(options),
};
