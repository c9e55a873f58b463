import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';
import { FlightLogStreamDecoder } from './flight-log.decoder.js';
import { FlightLogParseError, isUnsupportedFormatCode } from './flight-log.error.js';
import { FLIGHT_LOG_MAGIC, MAX_PAYLOAD_BYTES, PREAMBLE_BYTES } from './flight-log.format.js';
import type { FlightLogRecord } from './flight-log.records.js';
import { decodeFlightLog, decodeFlightLogBuffer, sniffFormat } from './flight-log.stream.js';
import { SAMPLE_RECORDS } from './flight-log.test-records.js';
import { FlightLogWriter } from './flight-log.writer.js';

function encode(records: FlightLogRecord[], extra?: (w: FlightLogWriter) => void): Buffer {
  const writer = new FlightLogWriter({ chunkSizeBytes: 1024 });
  for (const r of records) writer.write(r);
  extra?.(writer);
  return writer.toBuffer();
}

/** Values are quantised by the format; compare to the format's resolution. */
function expectRecordsClose(actual: FlightLogRecord[], expected: FlightLogRecord[]): void {
  expect(actual.map((r) => r.type)).toEqual(expected.map((r) => r.type));
  actual.forEach((record, i) => {
    for (const [key, value] of Object.entries(expected[i])) {
      const got = (record as unknown as Record<string, unknown>)[key];
      if (typeof value === 'number') expect(got as number, `${record.type}.${key}`).toBeCloseTo(value, 6);
      else expect(got, `${record.type}.${key}`).toEqual(value);
    }
  });
}

function recordSizes(records: FlightLogRecord[]): number[] {
  return records.map((r) => encode([r]).length - PREAMBLE_BYTES);
}

describe('flight log encode → decode', () => {
  it('round-trips every record type with its values at the documented resolution', () => {
    const { records, stats, formatName } = decodeFlightLogBuffer(encode(SAMPLE_RECORDS));
    expectRecordsClose(records, SAMPLE_RECORDS);
    expect(formatName).toBe('agair-flight-log');
    expect(stats).toMatchObject({ recordsRead: SAMPLE_RECORDS.length, recordsSkipped: 0, recordsCorrupt: 0, truncatedTail: false });
  });

  it('gives the same records whatever the chunking, down to one byte per chunk', async () => {
    const bytes = encode(SAMPLE_RECORDS);
    const whole = decodeFlightLogBuffer(bytes).records;
    for (const size of [1, 3, 7, 64, 1000]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const decoding = decodeFlightLog(chunks);
      const got: FlightLogRecord[] = [];
      for await (const r of decoding) got.push(r);
      expect(got).toEqual(whole);
      expect(decoding.stats.bytesRead).toBe(bytes.length);
    }
  });

  it('decodes large chunks whose records straddle chunk borders (stitching path)', () => {
    const many: FlightLogRecord[] = [];
    for (let i = 0; i < 5000; i++) many.push(SAMPLE_RECORDS[i % SAMPLE_RECORDS.length]);
    const bytes = encode(many);
    const decoder = new FlightLogStreamDecoder();
    let n = 0;
    for (let i = 0; i < bytes.length; i += 20_011) decoder.push(bytes.subarray(i, i + 20_011), () => n++);
    expect(decoder.finish(() => n++)).toMatchObject({ recordsRead: 5000, recordsCorrupt: 0, bytesRead: bytes.length });
    expect(n).toBe(5000);
  });

  it('skips unknown record types by their length and counts them', () => {
    const bytes = encode(SAMPLE_RECORDS.slice(0, 3), (w) => {
      w.writeRaw(0x7f, new Uint8Array(100).fill(0xa5));
      w.writeRaw(0xee, new Uint8Array(0));
      w.write(SAMPLE_RECORDS[4]);
    });
    const { records, stats } = decodeFlightLogBuffer(bytes);
    expect(records.map((r) => r.type)).toEqual(['jobHeader', 'swath', 'gnssFix', 'sprayState']);
    expect(stats).toMatchObject({ recordsRead: 4, recordsSkipped: 2, recordsCorrupt: 0 });
  });

  it('reads known records with extra trailing payload (a later minor version) and counts too-short ones as corrupt', () => {
    const swath = encode([SAMPLE_RECORDS[1]]);
    const longer = Buffer.concat([swath.subarray(PREAMBLE_BYTES + 6, swath.length - 4), Buffer.from([1, 2, 3])]);
    const bytes = encode([], (w) => {
      w.writeRaw(0x05, longer);
      w.writeRaw(0x02, new Uint8Array(10));
    });
    const { records, stats } = decodeFlightLogBuffer(bytes);
    expect(records).toEqual([{ type: 'swath', timeMs: 1_750_000_000_000, swathWidthM: 21.336 }]);
    expect(stats.recordsCorrupt).toBe(1);
    expect(stats.corruptOffsets).toEqual([PREAMBLE_BYTES + longer.length + 10]);
  });

  it('resynchronises after a damaged record and reports its offset', () => {
    const bytes = encode(SAMPLE_RECORDS);
    const sizes = recordSizes(SAMPLE_RECORDS);
    const third = PREAMBLE_BYTES + sizes[0] + sizes[1];
    bytes[third + 12] ^= 0x10; // inside the GNSS fix payload
    const { records, stats } = decodeFlightLogBuffer(bytes);
    expect(records.map((r) => r.type)).toEqual(SAMPLE_RECORDS.filter((_, i) => i !== 2).map((r) => r.type));
    expect(stats).toMatchObject({ recordsRead: SAMPLE_RECORDS.length - 1, recordsCorrupt: 1, corruptOffsets: [third], corruptBytes: sizes[2] });
  });

  it('treats a hostile length as corruption, not as an allocation', () => {
    const bytes = encode(SAMPLE_RECORDS.slice(0, 2));
    const sizes = recordSizes(SAMPLE_RECORDS);
    const second = PREAMBLE_BYTES + sizes[0];
    bytes.writeUInt16LE(0xffff, second + 4);
    const { records, stats } = decodeFlightLogBuffer(bytes);
    expect(records.map((r) => r.type)).toEqual(['jobHeader']);
    expect(stats.recordsCorrupt).toBe(1);
    expect(stats.corruptOffsets).toEqual([second]);
    expect(MAX_PAYLOAD_BYTES).toBeLessThan(0xffff);
  });

  it('recovers records after a damaged length near the end of the file', () => {
    const bytes = encode(SAMPLE_RECORDS);
    const sizes = recordSizes(SAMPLE_RECORDS);
    const lastButTwo = bytes.length - sizes[10] - sizes[9];
    bytes.writeUInt16LE(MAX_PAYLOAD_BYTES, lastButTwo + 4);
    const { records, stats } = decodeFlightLogBuffer(bytes);
    expect(records.at(-1)?.type).toBe('sprayState');
    expect(records).toHaveLength(SAMPLE_RECORDS.length - 1);
    expect(stats).toMatchObject({ recordsCorrupt: 1, corruptOffsets: [lastButTwo], truncatedTail: false });
  });

  it('reports a torn last record as a truncated tail without throwing', () => {
    const bytes = encode(SAMPLE_RECORDS);
    const cut = bytes.subarray(0, bytes.length - 5);
    const { records, stats } = decodeFlightLogBuffer(cut);
    expect(records).toHaveLength(SAMPLE_RECORDS.length - 1);
    expect(stats).toMatchObject({ truncatedTail: true, truncatedTailOffset: bytes.length - 26, truncatedTailBytes: 21, recordsCorrupt: 0, bytesRead: cut.length });
  });

  it('bounds the list of corrupt offsets but keeps counting', () => {
    const bytes = encode([], (w) => {
      for (let i = 0; i < 50; i++) {
        w.writeBytes(Uint8Array.of(1, 2, 3));
        w.write(SAMPLE_RECORDS[1]);
      }
    });
    const decoder = new FlightLogStreamDecoder({ maxCorruptOffsets: 5 });
    decoder.push(bytes, () => undefined);
    const stats = decoder.finish(() => undefined);
    expect(stats.recordsCorrupt).toBe(50);
    expect(stats.corruptOffsets).toHaveLength(5);
    expect(stats.corruptBytes).toBe(150);
    expect(stats.recordsRead).toBe(50);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), 'EMPTY_FILE'],
    ['a text file', Buffer.from('.JOB 1 A\r\n.VERSION 2\r\n'), 'BAD_MAGIC'],
    ['a preamble cut short', Buffer.from(FLIGHT_LOG_MAGIC.subarray(0, 8)), 'TRUNCATED_PREAMBLE'],
  ])('rejects %s with a typed error', (_name, bytes, code) => {
    const run = (): void => {
      const decoder = new FlightLogStreamDecoder();
      decoder.push(bytes, () => undefined);
      decoder.finish(() => undefined);
    };
    expect(run).toThrow(FlightLogParseError);
    expect(run).toThrow(expect.objectContaining({ code }));
  });

  it('rejects a damaged preamble and an unknown major version', () => {
    const damaged = encode(SAMPLE_RECORDS);
    damaged[10] ^= 1;
    expect(() => decodeFlightLogBuffer(damaged)).toThrow(expect.objectContaining({ code: 'CORRUPT_PREAMBLE', offset: 12 }));
    const future = encode([]);
    future.writeUInt16LE(2, 8);
    future.writeUInt32LE(crc32(future, 0, 12), 12);
    expect(() => decodeFlightLogBuffer(future)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION', offset: 8 }));
  });

  it('tells a file in a format it does not decode from one of its own that is damaged', () => {
    const codeOf = (bytes: Uint8Array): string => {
      try {
        decodeFlightLogBuffer(bytes);
      } catch (err) {
        if (err instanceof FlightLogParseError) return err.code;
        throw err;
      }
      throw new Error('expected a parse error');
    };
    const future = encode([]);
    future.writeUInt16LE(2, 8);
    future.writeUInt32LE(crc32(future, 0, 12), 12);
    const damagedPreamble = encode(SAMPLE_RECORDS);
    damagedPreamble[10] ^= 1;
    const unsupported = [Buffer.from('PK\x03\x04 an archive'), Buffer.from('.JOB 1 A\r\n'), future];
    const damaged = [Buffer.from(FLIGHT_LOG_MAGIC), damagedPreamble, Buffer.alloc(0)];
    expect(unsupported.map((b) => isUnsupportedFormatCode(codeOf(b)))).toEqual([true, true, true]);
    expect(damaged.map((b) => isUnsupportedFormatCode(codeOf(b)))).toEqual([false, false, false]);
    expect(isUnsupportedFormatCode('TOO_DAMAGED')).toBe(false);
  });

  it('sniffs its own format only', async () => {
    const bytes = encode(SAMPLE_RECORDS);
    expect(sniffFormat(bytes)?.formatName).toBe('agair-flight-log');
    expect(sniffFormat(bytes.subarray(0, 7))).toBeNull();
    expect(sniffFormat(Buffer.from('GIF89a..'))).toBeNull();
    await expect(async () => {
      for await (const _ of decodeFlightLog([])) void _;
    }).rejects.toMatchObject({ code: 'EMPTY_FILE' });
    await expect(async () => {
      for await (const _ of decodeFlightLog([Buffer.from('PK\x03\x04 not a log')])) void _;
    }).rejects.toMatchObject({ code: 'UNKNOWN_FORMAT' });
  });
});

describe('chunk ownership', () => {
  it('copies what it keeps: the caller may reuse its chunk buffer', () => {
    const many: FlightLogRecord[] = [];
    for (let i = 0; i < 3000; i++) many.push(SAMPLE_RECORDS[i % SAMPLE_RECORDS.length]);
    const bytes = encode(many);
    for (const size of [100, 9000]) {
      const reused = Buffer.alloc(size);
      const decoder = new FlightLogStreamDecoder();
      const got: FlightLogRecord[] = [];
      for (let i = 0; i < bytes.length; i += size) {
        const n = bytes.copy(reused, 0, i, i + size);
        decoder.push(reused.subarray(0, n), (r) => got.push(r));
        reused.fill(0xa5);
      }
      expect(decoder.finish((r) => got.push(r))).toMatchObject({ recordsRead: 3000, recordsCorrupt: 0, truncatedTail: false });
      expect(got).toEqual(decodeFlightLogBuffer(bytes).records);
    }
  });
});
