import { crc32 } from './crc32.js';
import {
  FLIGHT_LOG_MAGIC,
  FLIGHT_LOG_VERSION_MAJOR,
  FLIGHT_LOG_VERSION_MINOR,
  MAX_PAYLOAD_BYTES,
  NO_VALUE_U16,
  NO_VALUE_U32,
  PREAMBLE_BYTES,
  RecordType,
  SYNC_BYTE_0,
  SYNC_BYTE_1,
  TWO_POW_32,
} from './flight-log.format.js';
import type { FlightLogRecord } from './flight-log.records.js';

export interface FlightLogWriterOptions {
  /** Size of the Buffers handed out (the last one may be shorter). Default 64 KiB. */
  chunkSizeBytes?: number;
  /** Called with each full chunk; without it chunks are kept until {@link FlightLogWriter.takeChunks}. */
  onChunk?: (chunk: Buffer) => void;
  /** Write the file preamble (magic and version). Default true; false only to build broken files in tests. */
  writePreamble?: boolean;
}

const textEncoder = new TextEncoder();

/**
 * Encodes records into the open flight-log format (FORMAT.md). Values are rounded to the
 * format's resolution and clamped to its range; non-finite numbers are refused.
 */
export class FlightLogWriter {
  private readonly chunkSize: number;
  private readonly onChunk: ((chunk: Buffer) => void) | undefined;
  private readonly pending: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private bytesWritten = 0;
  private recordsWritten = 0;
  private readonly scratch = Buffer.alloc(MAX_PAYLOAD_BYTES);

  constructor(options: FlightLogWriterOptions = {}) {
    this.chunkSize = Math.max(1024, Math.floor(options.chunkSizeBytes ?? 65536));
    this.onChunk = options.onChunk;
    this.buf = Buffer.allocUnsafe(this.chunkSize);
    if (options.writePreamble !== false) {
      const preamble = Buffer.alloc(PREAMBLE_BYTES);
      preamble.set(FLIGHT_LOG_MAGIC, 0);
      preamble.writeUInt16LE(FLIGHT_LOG_VERSION_MAJOR, 8);
      preamble.writeUInt16LE(FLIGHT_LOG_VERSION_MINOR, 10);
      preamble.writeUInt32LE(crc32(preamble, 0, 12), 12);
      this.writeBytes(preamble);
    }
  }

  get totalBytes(): number {
    return this.bytesWritten;
  }

  get totalRecords(): number {
    return this.recordsWritten;
  }

  /** Writes any known record. */
  write(record: FlightLogRecord): this {
    const p = this.scratch;
    switch (record.type) {
      case 'jobHeader': {
        writeTime(p, 0, record.timeMs);
        p.writeUInt32LE(u32(record.targetRate * 100), 8);
        p.writeUInt8(record.rateUnit === 'gal/ac' ? 1 : 0, 12);
        p.fill(0, 13, 16);
        let o = 16;
        for (const text of [record.jobId, record.aircraftId, record.pilot, record.product]) o = writeShortString(p, o, text);
        return this.writeRaw(RecordType.JobHeader, p.subarray(0, o));
      }
      case 'gnssFix':
        writeTime(p, 0, record.timeMs);
        p.writeInt32LE(i32(record.latDeg * 1e7), 8);
        p.writeInt32LE(i32(record.lonDeg * 1e7), 12);
        p.writeInt32LE(i32(record.altitudeM * 1000), 16);
        p.writeUInt16LE(u16(record.groundSpeedMps * 100, NO_VALUE_U16 - 1), 20);
        p.writeUInt16LE(u16(normaliseDeg(record.headingDeg) * 100, 35999), 22);
        p.writeUInt8(u8(record.fixQuality), 24);
        p.writeUInt8(u8(record.satellites), 25);
        p.writeUInt16LE(record.hdop === null ? NO_VALUE_U16 : u16(record.hdop * 100, NO_VALUE_U16 - 1), 26);
        p.writeUInt16LE(record.differentialAgeS === null ? NO_VALUE_U16 : u16(record.differentialAgeS * 10, NO_VALUE_U16 - 1), 28);
        p.writeUInt16LE(0, 30);
        return this.writeRaw(RecordType.GnssFix, p.subarray(0, 32));
      case 'sprayState':
        writeTime(p, 0, record.timeMs);
        p.writeUInt32LE(record.sectionMask >>> 0, 8);
        p.writeUInt8(record.boomOn ? 1 : 0, 12);
        p.writeUInt8(u8(record.sectionCount), 13);
        p.writeUInt16LE(0, 14);
        return this.writeRaw(RecordType.SprayState, p.subarray(0, 16));
      case 'flow':
        writeTime(p, 0, record.timeMs);
        p.writeUInt32LE(u32(record.targetRateLPerHa * 100), 8);
        p.writeUInt32LE(u32(record.actualRateLPerHa * 100), 12);
        p.writeUInt32LE(u32(record.flowLPerMin * 1000), 16);
        p.writeUInt32LE(u32(record.pressureKPa * 1000), 20);
        return this.writeRaw(RecordType.Flow, p.subarray(0, 24));
      case 'swath':
        writeTime(p, 0, record.timeMs);
        p.writeUInt32LE(u32(record.swathWidthM * 1000), 8);
        return this.writeRaw(RecordType.Swath, p.subarray(0, 12));
      case 'laserAltitude':
        writeTime(p, 0, record.timeMs);
        p.writeUInt32LE(record.heightAboveGroundM === null ? NO_VALUE_U32 : u32(record.heightAboveGroundM * 1000, NO_VALUE_U32 - 1), 8);
        return this.writeRaw(RecordType.LaserAltitude, p.subarray(0, 12));
      case 'environment':
        writeTime(p, 0, record.timeMs);
        p.writeUInt16LE(u16(record.windSpeedMps * 100), 8);
        p.writeUInt16LE(u16(normaliseDeg(record.windDirectionDeg) * 100, 35999), 10);
        p.writeInt16LE(i16(record.temperatureC * 100), 12);
        p.writeUInt16LE(u16(record.humidityPct * 100, 10000), 14);
        return this.writeRaw(RecordType.Environment, p.subarray(0, 16));
      case 'marker': {
        writeTime(p, 0, record.timeMs);
        p.writeUInt16LE(u16(record.code), 8);
        const text = truncateUtf8(record.text, MAX_PAYLOAD_BYTES - 12);
        p.writeUInt16LE(text.length, 10);
        p.set(text, 12);
        return this.writeRaw(RecordType.Marker, p.subarray(0, 12 + text.length));
      }
    }
  }

  /** Writes a framed record with any type code (used for unknown-type and fault tests). */
  writeRaw(typeCode: number, payload: Uint8Array, flags = 0): this {
    if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
    const size = payload.length + 10;
    if (this.chunkSize - this.pos < size) this.flushChunk();
    const b = this.buf;
    const o = this.pos;
    b[o] = SYNC_BYTE_0;
    b[o + 1] = SYNC_BYTE_1;
    b[o + 2] = typeCode & 0xff;
    b[o + 3] = flags & 0xff;
    b[o + 4] = payload.length & 0xff;
    b[o + 5] = payload.length >>> 8;
    b.set(payload, o + 6);
    b.writeUInt32LE(crc32(b, o + 2, o + 6 + payload.length), o + 6 + payload.length);
    this.pos += size;
    this.bytesWritten += size;
    this.recordsWritten++;
    return this;
  }

  /** Appends bytes verbatim (fault injection: garbage, torn records). */
  writeBytes(bytes: Uint8Array): this {
    let offset = 0;
    while (offset < bytes.length) {
      if (this.pos === this.chunkSize) this.flushChunk();
      const n = Math.min(bytes.length - offset, this.chunkSize - this.pos);
      this.buf.set(bytes.subarray(offset, offset + n), this.pos);
      this.pos += n;
      offset += n;
    }
    this.bytesWritten += bytes.length;
    return this;
  }

  /** Full chunks produced so far (when no `onChunk` was given). */
  takeChunks(): Buffer[] {
    return this.pending.splice(0, this.pending.length);
  }

  /** Flushes the last partial chunk; returns the chunks not yet taken. */
  end(): Buffer[] {
    this.flushChunk();
    return this.takeChunks();
  }

  /** Everything written, as one Buffer (small logs and tests). */
  toBuffer(): Buffer {
    return Buffer.concat(this.end());
  }

  private flushChunk(): void {
    if (this.pos === 0) return;
    const chunk = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    if (this.onChunk) this.onChunk(chunk);
    else this.pending.push(chunk);
  }
}

function finite(value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`cannot encode ${value}`);
  return Math.round(value);
}
const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
const u8 = (v: number): number => clamp(finite(v), 0, 0xff);
const u16 = (v: number, max = 0xffff): number => clamp(finite(v), 0, max);
const i16 = (v: number): number => clamp(finite(v), -0x8000, 0x7fff);
const u32 = (v: number, max = 0xffffffff): number => clamp(finite(v), 0, max);
const i32 = (v: number): number => clamp(finite(v), -0x80000000, 0x7fffffff);
const normaliseDeg = (deg: number): number => ((deg % 360) + 360) % 360;

function writeTime(p: Buffer, offset: number, timeMs: number): void {
  const t = finite(timeMs);
  const lo = ((t % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
  p.writeUInt32LE(lo, offset);
  p.writeInt32LE(clamp((t - lo) / TWO_POW_32, -0x80000000, 0x7fffffff), offset + 4);
}

function writeShortString(p: Buffer, offset: number, text: string): number {
  const bytes = truncateUtf8(text, 255);
  p.writeUInt8(bytes.length, offset);
  p.set(bytes, offset + 1);
  return offset + 1 + bytes.length;
}

/** UTF-8 bytes of `text`, cut at a character boundary so they fit in `maxBytes`. */
function truncateUtf8(text: string, maxBytes: number): Uint8Array {
  const bytes = textEncoder.encode(text);
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
