import { randomBytes, randomFillSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';
import { FlightLogStreamDecoder } from './flight-log.decoder.js';
import type { FlightLogDecodeStats } from './flight-log.decoder.types.js';
import { FlightLogParseError } from './flight-log.error.js';
import { FLIGHT_LOG_MAGIC, MAX_PAYLOAD_BYTES, PREAMBLE_BYTES, RecordType, SYNC_BYTE_0, SYNC_BYTE_1 } from './flight-log.format.js';
import { decodeFlightLog } from './flight-log.stream.js';
import { SAMPLE_RECORDS } from './flight-log.test-records.js';
import { FlightLogWriter } from './flight-log.writer.js';

/*
 * Flight logs come from the partner and are untrusted. The decoder and robustness specs cover
 * random bytes, bit flips, truncation, one hostile length and the basic bad headers; this file
 * adds what an attacker would send on purpose: length claims larger than the file (alone and
 * by the hundred thousand), inner string lengths larger than their record, 50 MB of garbage
 * streamed through with the heap measured, and headers of other formats or mangled in transfer.
 */

const MiB = 1024 * 1024;
/** Heap growth allowed while streaming a 50 MB input: the decoder keeps one chunk and one record. */
const HEAP_BOUND_BYTES = 64 * MiB;

const PREAMBLE = new FlightLogWriter().toBuffer().subarray(0, PREAMBLE_BYTES);

/** A record frame with a correct CRC around whatever payload (the CRC covers type..payload). */
function frame(type: number, payload: Uint8Array, declaredLength = payload.length): Buffer {
  const out = Buffer.alloc(6 + payload.length + 4);
  out[0] = SYNC_BYTE_0;
  out[1] = SYNC_BYTE_1;
  out[2] = type;
  out[3] = 0;
  out.writeUInt16LE(declaredLength, 4);
  out.set(payload, 6);
  out.writeUInt32LE(crc32(out, 2, 6 + payload.length), 6 + payload.length);
  return out;
}

/**
 * The stream API over chunks, recording the largest growth of heap plus array buffers (where
 * Buffers live) seen while decoding.
 */
async function decodeStreamed(chunks: Iterable<Uint8Array>): Promise<{ stats: FlightLogDecodeStats | null; records: number; error: unknown; heapGrowthBytes: number }> {
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const baseline = used();
  let peak = baseline;
  let records = 0;
  // Sampled each time the decoder asks for the next chunk, so a decoding that yields no record is measured too.
  function* sampled(): Generator<Uint8Array> {
    for (const chunk of chunks) {
      peak = Math.max(peak, used());
      yield chunk;
    }
    peak = Math.max(peak, used());
  }
  try {
    const decoding = decodeFlightLog(sampled());
    for await (const batch of decoding.batches()) {
      records += batch.length;
      peak = Math.max(peak, used());
    }
    return { stats: decoding.stats, records, error: null, heapGrowthBytes: peak - baseline };
  } catch (error) {
    return { stats: null, records, error, heapGrowthBytes: peak - baseline };
  }
}

/** `totalBytes` of chunks made one at a time, so the input itself is never held whole. */
function* chunksOf(totalBytes: number, chunkBytes: number, make: (size: number, index: number) => Uint8Array, first?: Uint8Array): Generator<Uint8Array> {
  if (first) yield first;
  for (let made = 0, i = 0; made < totalBytes; made += chunkBytes, i++) yield make(Math.min(chunkBytes, totalBytes - made), i);
}

function expectParseError(error: unknown, code: string): void {
  expect(error).toBeInstanceOf(FlightLogParseError);
  expect(error).toMatchObject({ code });
  expect((error as Error).message.length).toBeGreaterThan(10);
}

describe('untrusted flight logs: length claims larger than the file', () => {
  it('a record claiming the largest payload with only a few bytes left is a truncated tail, not an allocation', () => {
    for (const claimed of [MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES - 1, 1000]) {
      const header = Buffer.from([SYNC_BYTE_0, SYNC_BYTE_1, RecordType.GnssFix, 0, claimed & 0xff, claimed >> 8, 1, 2, 3]);
      const decoder = new FlightLogStreamDecoder();
      decoder.push(Buffer.concat([PREAMBLE, header]), () => undefined);
      const stats = decoder.finish(() => undefined);
      expect(stats).toMatchObject({ recordsRead: 0, truncatedTail: true, truncatedTailOffset: PREAMBLE_BYTES, truncatedTailBytes: header.length, bytesRead: PREAMBLE_BYTES + header.length });
    }
  });

  it('claims beyond the format maximum (up to 65535) are counted as corrupt, and real records after them survive', () => {
    const good = new FlightLogWriter();
    for (const record of SAMPLE_RECORDS) good.write(record);
    const records = good.toBuffer().subarray(PREAMBLE_BYTES);
    const hostile = [MAX_PAYLOAD_BYTES + 1, 0x8000, 0xffff].map((claimed) => Buffer.from([SYNC_BYTE_0, SYNC_BYTE_1, RecordType.Flow, 0, claimed & 0xff, claimed >> 8]));
    const decoded: string[] = [];
    const decoder = new FlightLogStreamDecoder();
    decoder.push(Buffer.concat([PREAMBLE, hostile[0], records, hostile[1], hostile[2], records]), (r) => decoded.push(r.type));
    const stats = decoder.finish(() => undefined);
    expect(decoded).toEqual([...SAMPLE_RECORDS, ...SAMPLE_RECORDS].map((r) => r.type));
    expect(stats.recordsCorrupt).toBe(2); // the two runs of damage
    expect(stats.corruptBytes).toBe(6 + 12);
  });

  it('inner lengths larger than their record (marker text, job header strings) under a valid CRC are corrupt records, not reads past the end', () => {
    const marker = Buffer.alloc(12);
    marker.writeUInt16LE(0xffff, 10); // text length 65535 in a 12-byte payload
    const header = Buffer.alloc(20);
    header.fill(0xff, 16); // four string lengths of 255 in 4 bytes
    const decoded: string[] = [];
    const decoder = new FlightLogStreamDecoder();
    const swath = new FlightLogWriter();
    swath.write(SAMPLE_RECORDS[1]);
    decoder.push(Buffer.concat([PREAMBLE, frame(RecordType.Marker, marker), frame(RecordType.JobHeader, header), swath.toBuffer().subarray(PREAMBLE_BYTES)]), (r) => decoded.push(r.type));
    const stats = decoder.finish(() => undefined);
    expect(decoded).toEqual(['swath']);
    expect(stats).toMatchObject({ recordsRead: 1, recordsCorrupt: 2, corruptOffsets: [PREAMBLE_BYTES, PREAMBLE_BYTES + 22], truncatedTail: false });
  });

  it('a file made of nothing but maximal length claims is rejected as TOO_DAMAGED once the work exceeds its bound', () => {
    // Every 6 bytes another header claiming 4096 bytes: each one makes the decoder check a CRC over 4 kB,
    // about 680 CRC bytes per byte read, against a bound of 16 per byte plus 1 MiB.
    const claim = Buffer.from([SYNC_BYTE_0, SYNC_BYTE_1, RecordType.GnssFix, 0, MAX_PAYLOAD_BYTES & 0xff, MAX_PAYLOAD_BYTES >> 8]);
    const chunk = Buffer.alloc(64 * 1024 - ((64 * 1024) % claim.length));
    for (let o = 0; o < chunk.length; o += claim.length) claim.copy(chunk, o);
    const decoder = new FlightLogStreamDecoder();
    let pushed = 0;
    let error: unknown = null;
    try {
      decoder.push(PREAMBLE, () => undefined);
      for (; pushed < 2 * MiB; pushed += chunk.length) decoder.push(chunk, () => undefined);
      decoder.finish(() => undefined);
    } catch (e) {
      error = e;
    }
    expectParseError(error, 'TOO_DAMAGED');
    expect((error as FlightLogParseError).offset).toBeGreaterThanOrEqual(PREAMBLE_BYTES);
    expect(pushed).toBeLessThan(2 * MiB);
    const readSoFar = PREAMBLE_BYTES + pushed + chunk.length;
    expect(decoder.stats.failedCrcBytes).toBeLessThanOrEqual(16 * readSoFar + MiB + MAX_PAYLOAD_BYTES + 4);
    expect(decoder.stats.recordsRead).toBe(0);
    expect(decoder.stats.corruptOffsets.length).toBeLessThanOrEqual(100);
    expect(() => decoder.push(chunk, () => undefined)).toThrow(/after finish/);
  });

  it('a higher maxResyncWorkFactor lets the same claims through to the end, all of them corruption', async () => {
    const claim = Buffer.from([SYNC_BYTE_0, SYNC_BYTE_1, RecordType.GnssFix, 0, MAX_PAYLOAD_BYTES & 0xff, MAX_PAYLOAD_BYTES >> 8]);
    const chunk = Buffer.alloc(6 * 1024);
    for (let o = 0; o < chunk.length; o += claim.length) claim.copy(chunk, o);
    const decoder = new FlightLogStreamDecoder({ maxResyncWorkFactor: 1000 });
    decoder.push(PREAMBLE, () => undefined);
    for (let i = 0; i < 64; i++) decoder.push(chunk, () => undefined);
    const stats = decoder.finish(() => undefined);
    expect(stats).toMatchObject({ recordsRead: 0, recordsCorrupt: 1 });
    expect(stats.corruptBytes + stats.truncatedTailBytes).toBe(64 * chunk.length);
    expect(stats.failedCrcBytes).toBeGreaterThan(100 * 64 * chunk.length);
  });
});

describe('untrusted flight logs: 50 MB of garbage, streamed in 1 MiB chunks', () => {
  const TOTAL = 50 * 1000 * 1000;

  it('without a valid preamble: a typed error at the first chunk, having read nothing more', async () => {
    let chunksMade = 0;
    const outcome = await decodeStreamed(
      chunksOf(TOTAL, MiB, (size) => {
        chunksMade++;
        return randomBytes(size);
      }),
    );
    expectParseError(outcome.error, 'UNKNOWN_FORMAT');
    expect(chunksMade).toBe(1);
  });

  it('behind a valid preamble: decoded to the end, the damage counted with offsets, the heap bounded', async () => {
    // Random bytes hold a sync pair every 64 kB or so; now and then one frames a record whose CRC matches by chance.
    // One buffer refilled for every chunk (the decoder copies what it keeps), so only the decoder's own memory can grow.
    const reused = Buffer.alloc(MiB);
    const outcome = await decodeStreamed(chunksOf(TOTAL, MiB, (size) => randomFillSync(reused.subarray(0, size)), PREAMBLE));
    expect(outcome.error).toBeNull();
    const stats = outcome.stats as FlightLogDecodeStats;
    expect(stats.bytesRead).toBe(PREAMBLE_BYTES + TOTAL);
    expect(stats.recordsCorrupt).toBeGreaterThanOrEqual(1);
    expect(stats.corruptOffsets.length).toBeLessThanOrEqual(100);
    expect(stats.corruptOffsets[0]).toBe(PREAMBLE_BYTES);
    expect(stats.corruptBytes + stats.truncatedTailBytes).toBeGreaterThan(TOTAL * 0.99);
    expect(stats.recordsRead + stats.recordsSkipped).toBeLessThan(100);
    // False candidates are rare and mostly rejected by their length: far under the TOO_DAMAGED bound.
    expect(stats.failedCrcBytes).toBeLessThan(TOTAL);
    expect(outcome.heapGrowthBytes).toBeLessThan(HEAP_BOUND_BYTES);
  });
});

describe('untrusted flight logs: deeply wrong headers', () => {
  const preambleWith = (mutate: (b: Buffer) => void, fixCrc = true): Buffer => {
    const b = Buffer.from(PREAMBLE);
    mutate(b);
    if (fixCrc) b.writeUInt32LE(crc32(b, 0, 12), 12);
    return b;
  };
  const records = (() => {
    const w = new FlightLogWriter();
    for (const r of SAMPLE_RECORDS) w.write(r);
    return w.toBuffer().subarray(PREAMBLE_BYTES);
  })();

  it.each([
    ['a ZIP archive', Buffer.from('PK\u0003\u0004\u0014\u0000\u0000\u0000\u0008\u0000flightlog.bin'), 'UNKNOWN_FORMAT'],
    ['a gzip stream', Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]), 'UNKNOWN_FORMAT'],
    ['a PNG (same first byte as ours)', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'UNKNOWN_FORMAT'],
    ['an HTML error page', Buffer.from('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>'), 'UNKNOWN_FORMAT'],
    ['a JSON error envelope', Buffer.from('{"errorcode":1,"errormessage":"session expired"}'), 'UNKNOWN_FORMAT'],
    ['our magic mangled by a text-mode transfer (CR LF → LF)', Buffer.concat([Buffer.from([0x89, 0x41, 0x47, 0x4c, 0x4f, 0x47, 0x0a]), PREAMBLE.subarray(8), records]), 'UNKNOWN_FORMAT'],
    ['NUL bytes', Buffer.alloc(4096), 'UNKNOWN_FORMAT'],
  ])('rejects %s with a typed error and a reason', async (_name, bytes, code) => {
    const outcome = await decodeStreamed([bytes]);
    expectParseError(outcome.error, code);
    expect(outcome.records).toBe(0);
  });

  it.each([
    ['version 65535.65535 with a valid checksum', preambleWith((b) => b.fill(0xff, 8, 12)), 'UNSUPPORTED_VERSION'],
    ['version 0.0 with a valid checksum', preambleWith((b) => b.fill(0, 8, 12)), 'UNSUPPORTED_VERSION'],
    ['a checksum of all ones', preambleWith((b) => b.fill(0xff, 12, 16), false), 'CORRUPT_PREAMBLE'],
    ['the magic followed by random bytes', Buffer.concat([Buffer.from(FLIGHT_LOG_MAGIC), Buffer.from([7, 7, 7, 7, 1, 2, 3, 4])]), 'CORRUPT_PREAMBLE'],
    ['the magic alone', Buffer.from(FLIGHT_LOG_MAGIC), 'TRUNCATED_PREAMBLE'],
  ])('rejects a preamble with %s, even with valid records after it', async (_name, preamble, code) => {
    const outcome = await decodeStreamed([preamble.length >= PREAMBLE_BYTES ? Buffer.concat([preamble, records]) : preamble]);
    expectParseError(outcome.error, code);
    expect(outcome.records).toBe(0);
  });
});
