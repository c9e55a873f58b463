import { crc32, crc32ViewRange } from './crc32.js';
import { FlightLogParseError } from './flight-log.error.js';
import type {
  FlightLogChunkDecoder,
  FlightLogDecodeStats,
  FlightLogDecoderOptions,
  FlightLogFormatDecoder,
  FlightLogRecordVisitor,
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
import {
  EnvironmentView,
  FlowView,
  GnssFixView,
  JobHeaderView,
  LaserAltitudeView,
  MarkerView,
  RecordObjectVisitor,
  SprayStateView,
  SwathView,
} from './flight-log.record-views.js';

/** Failed-CRC work allowed on top of `maxResyncWorkFactor` × bytes read (a few damaged maximal records early in a file). */
const RESYNC_WORK_ALLOWANCE_BYTES = 1 << 20;
const utf8 = new TextDecoder('utf-8', { fatal: false });
/** `A5 5A` read as one little-endian u16. */
const SYNC_WORD = SYNC_BYTE_0 | (SYNC_BYTE_1 << 8);

const u16 = (d: Uint8Array, o: number): number => d[o] | (d[o + 1] << 8);
const u32 = (d: Uint8Array, o: number): number => (d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24)) >>> 0;

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
 *
 * `push`/`finish` take either a function (one new object per record) or a
 * {@link FlightLogRecordVisitor} (per-type callbacks given reused records: no allocation per
 * record, the fast path).
 */
export class FlightLogStreamDecoder implements FlightLogChunkDecoder {
  readonly stats: FlightLogDecodeStats = emptyDecodeStats();
  formatVersion: string | null = null;
  private readonly maxCorruptOffsets: number;
  private readonly maxResyncWorkFactor: number;
  /** Unconsumed bytes from earlier chunks (always shorter than one maximal record). */
  private carry: Uint8Array | null = null;
  /** File offset of the first byte of the chunk being decoded (or of the carry). */
  private base = 0;
  private totalBytes = 0;
  private preambleRead = false;
  private resyncing = false;
  private corruptStart = 0;
  private finished = false;
  private objectVisitor: RecordObjectVisitor | null = null;
  private readonly gnssFixView = new GnssFixView();
  private readonly sprayStateView = new SprayStateView();
  private readonly flowView = new FlowView();
  private readonly swathView = new SwathView();
  private readonly laserAltitudeView = new LaserAltitudeView();
  private readonly environmentView = new EnvironmentView();
  private readonly markerView = new MarkerView();
  private readonly jobHeaderView = new JobHeaderView();

  constructor(options: FlightLogDecoderOptions = {}) {
    this.maxCorruptOffsets = Math.max(0, options.maxCorruptOffsets ?? 100);
    this.maxResyncWorkFactor = Math.max(0, options.maxResyncWorkFactor ?? 16);
  }

  push(chunk: Uint8Array, sink: RecordConsumer | FlightLogRecordVisitor): void {
    const visitor = this.visitorFor(sink);
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
        const stop = this.decodeRange(head, 0, carry.length, visitor);
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
    pos = this.decodeRange(data, pos, data.length, visitor);
    if (pos < data.length) this.carry = copy(data.subarray(pos));
    this.base += pos;
    this.stats.bytesRead = this.base;
  }

  finish(sink: RecordConsumer | FlightLogRecordVisitor): FlightLogDecodeStats {
    if (this.finished) return this.stats;
    const visitor = this.visitorFor(sink);
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
      pos = this.decodeRange(tail, pos, end, visitor);
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

  private visitorFor(sink: RecordConsumer | FlightLogRecordVisitor): FlightLogRecordVisitor {
    if (typeof sink !== 'function') return sink;
    if (this.objectVisitor === null || this.objectVisitor.onRecord !== sink) this.objectVisitor = new RecordObjectVisitor(sink);
    return this.objectVisitor;
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

  /** Accounts CRC work spent on a candidate that failed; rejects the file once damage costs too much. */
  private chargeFailedCrc(offset: number, bytes: number): void {
    const spent = (this.stats.failedCrcBytes += bytes);
    if (spent > this.maxResyncWorkFactor * this.totalBytes + RESYNC_WORK_ALLOWANCE_BYTES) {
      this.finished = true;
      throw new FlightLogParseError(
        'TOO_DAMAGED',
        offset,
        `too damaged to resynchronise: ${spent} bytes checksummed for records that failed their CRC in ${this.totalBytes} bytes read ` +
          `(limit ${this.maxResyncWorkFactor}× plus 1 MiB)`,
      );
    }
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
   * Fields are read through one DataView (one bounds check per field, one map for Buffer and
   * Uint8Array alike); scaled values are divided, not multiplied, so `v / 1e7` is the double
   * nearest the decimal value (FORMAT.md).
   */
  private decodeRange(d: Uint8Array, start: number, stop: number, visitor: FlightLogRecordVisitor): number {
    const end = d.length;
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const stats = this.stats;
    const gnssFix = this.gnssFixView;
    const sprayState = this.sprayStateView;
    const flow = this.flowView;
    const environment = this.environmentView;
    const swath = this.swathView;
    const laserAltitude = this.laserAltitudeView;
    let pos = start;
    while (pos < stop) {
      if (end - pos < 6) break;
      if (v.getUint16(pos, true) !== SYNC_WORD) {
        this.markCorrupt(this.base + pos);
        pos = scanForSync(d, pos + 1, end);
        continue;
      }
      const len = v.getUint16(pos + 4, true);
      if (len > MAX_PAYLOAD_BYTES) {
        this.markCorrupt(this.base + pos);
        pos = scanForSync(d, pos + 1, end);
        continue;
      }
      const p = pos + 6;
      const crcAt = p + len;
      if (crcAt + 4 > end) break;
      if (crc32ViewRange(v, pos + 2, crcAt, 0) !== v.getUint32(crcAt, true)) {
        this.chargeFailedCrc(this.base + pos, len + 4);
        this.markCorrupt(this.base + pos);
        pos = scanForSync(d, pos + 1, end);
        continue;
      }
      if (this.resyncing) {
        stats.corruptBytes += this.base + pos - this.corruptStart;
        this.resyncing = false;
      }
      switch (v.getUint8(pos + 2)) {
        case RecordType.GnssFix:
          if (len < 32) break;
          stats.recordsRead++;
          if (visitor.gnssFix !== undefined) {
            const r = gnssFix;
            r.timeMs = v.getInt32(p + 4, true) * TWO_POW_32 + v.getUint32(p, true);
            r.latDeg = v.getInt32(p + 8, true) / 1e7;
            r.lonDeg = v.getInt32(p + 12, true) / 1e7;
            r.altitudeM = v.getInt32(p + 16, true) / 1000;
            r.groundSpeedMps = v.getUint16(p + 20, true) / 100;
            r.headingDeg = v.getUint16(p + 22, true) / 100;
            r.fixQuality = v.getUint8(p + 24);
            r.satellites = v.getUint8(p + 25);
            const hdop = v.getUint16(p + 26, true);
            r.hdop = hdop === NO_VALUE_U16 ? NaN : hdop / 100;
            const age = v.getUint16(p + 28, true);
            r.differentialAgeS = age === NO_VALUE_U16 ? NaN : age / 10;
            visitor.gnssFix(r);
          }
          pos = crcAt + 4;
          continue;
        case RecordType.SprayState:
          if (len < 16) break;
          stats.recordsRead++;
          if (visitor.sprayState !== undefined) {
            const r = sprayState;
            r.timeMs = v.getInt32(p + 4, true) * TWO_POW_32 + v.getUint32(p, true);
            r.boomOn = v.getUint8(p + 12) !== 0;
            r.sectionMask = v.getUint32(p + 8, true);
            r.sectionCount = v.getUint8(p + 13);
            visitor.sprayState(r);
          }
          pos = crcAt + 4;
          continue;
        case RecordType.Flow:
          if (len < 24) break;
          stats.recordsRead++;
          if (visitor.flow !== undefined) {
            const r = flow;
            r.timeMs = v.getInt32(p + 4, true) * TWO_POW_32 + v.getUint32(p, true);
            r.targetRateLPerHa = v.getUint32(p + 8, true) / 100;
            r.actualRateLPerHa = v.getUint32(p + 12, true) / 100;
            r.flowLPerMin = v.getUint32(p + 16, true) / 1000;
            r.pressureKPa = v.getUint32(p + 20, true) / 1000;
            visitor.flow(r);
          }
          pos = crcAt + 4;
          continue;
        case RecordType.Environment:
          if (len < 16) break;
          stats.recordsRead++;
          if (visitor.environment !== undefined) {
            const r = environment;
            r.timeMs = v.getInt32(p + 4, true) * TWO_POW_32 + v.getUint32(p, true);
            r.windSpeedMps = v.getUint16(p + 8, true) / 100;
            r.windDirectionDeg = v.getUint16(p + 10, true) / 100;
            r.temperatureC = v.getInt16(p + 12, true) / 100;
            r.humidityPct = v.getUint16(p + 14, true) / 100;
            visitor.environment(r);
          }
          pos = crcAt + 4;
          continue;
        case RecordType.Swath:
          if (len < 12) break;
          stats.recordsRead++;
          if (visitor.swath !== undefined) {
            const r = swath;
            r.timeMs = v.getInt32(p + 4, true) * TWO_POW_32 + v.getUint32(p, true);
            r.swathWidthM = v.getUint32(p + 8, true) / 1000;
            visitor.swath(r);
          }
          pos = crcAt + 4;
          continue;
        case RecordType.LaserAltitude:
          if (len < 12) break;
          stats.recordsRead++;
          if (visitor.laserAltitude !== undefined) {
            const r = laserAltitude;
            r.timeMs = v.getInt32(p + 4, true) * TWO_POW_32 + v.getUint32(p, true);
            const h = v.getUint32(p + 8, true);
            r.heightAboveGroundM = h === NO_VALUE_U32 ? NaN : h / 1000;
            visitor.laserAltitude(r);
          }
          pos = crcAt + 4;
          continue;
        case RecordType.Marker:
        case RecordType.JobHeader:
          // Rare records with strings, kept out of the hot loop.
          if (!this.decodeTextRecord(d, v, pos, len, visitor)) break;
          pos = crcAt + 4;
          continue;
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

  /** Marker and job header; false when the payload is too short for its strings (malformed). */
  private decodeTextRecord(d: Uint8Array, v: DataView, pos: number, len: number, visitor: FlightLogRecordVisitor): boolean {
    const p = pos + 6;
    const crcAt = p + len;
    if (v.getUint8(pos + 2) === RecordType.Marker) {
      const textLen = len >= 12 ? v.getUint16(p + 10, true) : 0;
      if (len < 12 || 12 + textLen > len) return false;
      this.stats.recordsRead++;
      if (visitor.marker !== undefined) {
        const r = this.markerView;
        r.timeMs = v.getInt32(p + 4, true) * TWO_POW_32 + v.getUint32(p, true);
        r.code = v.getUint16(p + 8, true);
        r.text = utf8.decode(d.subarray(p + 12, p + 12 + textLen));
        visitor.marker(r);
      }
      return true;
    }
    if (len < 20) return false;
    const strings: string[] = [];
    let o = p + 16;
    for (let k = 0; k < 4 && o < crcAt; k++) {
      const n = d[o];
      if (o + 1 + n > crcAt) break;
      strings.push(utf8.decode(d.subarray(o + 1, o + 1 + n)));
      o += 1 + n;
    }
    if (strings.length < 4) return false;
    this.stats.recordsRead++;
    if (visitor.jobHeader !== undefined) {
      const r = this.jobHeaderView;
      r.timeMs = v.getInt32(p + 4, true) * TWO_POW_32 + v.getUint32(p, true);
      r.targetRate = v.getUint32(p + 8, true) / 100;
      r.rateUnit = v.getUint8(p + 12) === 1 ? 'gal/ac' : 'L/ha';
      r.jobId = strings[0];
      r.aircraftId = strings[1];
      r.pilot = strings[2];
      r.product = strings[3];
      visitor.jobHeader(r);
    }
    return true;
  }
}

export function emptyDecodeStats(): FlightLogDecodeStats {
  return {
    recordsRead: 0,
    recordsSkipped: 0,
    recordsCorrupt: 0,
    corruptOffsets: [],
    corruptBytes: 0,
    failedCrcBytes: 0,
    bytesRead: 0,
    truncatedTail: false,
    truncatedTailOffset: null,
    truncatedTailBytes: 0,
  };
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
