import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlightLogStreamDecoder } from './flight-log.decoder.js';
import type { FlightLogDecodeStats } from './flight-log.decoder.types.js';
import { FlightLogParseError } from './flight-log.error.js';
import { PREAMBLE_BYTES } from './flight-log.format.js';
import type { FlightLogRecord } from './flight-log.records.js';
import { SAMPLE_RECORDS } from './flight-log.test-records.js';
import { FlightLogWriter } from './flight-log.writer.js';

interface Outcome {
  records: FlightLogRecord[];
  stats: FlightLogDecodeStats | null;
  error: unknown;
}

/** Decodes `bytes` split at the given cut points; captures whatever is thrown. */
function decodeChunked(bytes: Uint8Array, cuts: number[] = []): Outcome {
  const records: FlightLogRecord[] = [];
  const onRecord = (r: FlightLogRecord): void => {
    records.push(r);
  };
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  try {
    const decoder = new FlightLogStreamDecoder();
    let from = 0;
    for (const p of [...points, bytes.length]) {
      decoder.push(bytes.subarray(from, p), onRecord);
      from = p;
    }
    return { records, stats: decoder.finish(onRecord), error: null };
  } catch (error) {
    return { records, stats: null, error };
  }
}

const writer = new FlightLogWriter();
const boundaries: number[] = [PREAMBLE_BYTES];
for (const record of [...SAMPLE_RECORDS, ...SAMPLE_RECORDS]) {
  writer.write(record);
  boundaries.push(writer.totalBytes);
}
const VALID = writer.toBuffer();
const ORIGINAL = decodeChunked(VALID).records;

function expectOnlyTypedErrors(outcome: Outcome): void {
  if (outcome.error !== null) expect(outcome.error).toBeInstanceOf(FlightLogParseError);
  else expect(outcome.stats).not.toBeNull();
}

describe('decoder robustness (property-based)', () => {
  it('throws nothing but FlightLogParseError on random bytes, with or without a valid preamble', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 6 }), (random, withPreamble, cuts) => {
        const bytes = withPreamble ? Buffer.concat([VALID.subarray(0, PREAMBLE_BYTES), random]) : random;
        const outcome = decodeChunked(bytes, cuts);
        expectOnlyTypedErrors(outcome);
        if (outcome.stats) {
          const s = outcome.stats;
          expect(s.bytesRead).toBe(bytes.length);
          expect(s.corruptOffsets.every((o) => o >= PREAMBLE_BYTES && o < bytes.length)).toBe(true);
          expect(s.corruptBytes + s.truncatedTailBytes).toBeLessThanOrEqual(bytes.length - PREAMBLE_BYTES);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('decodes random bytes interleaved with valid records: every intact record survives', () => {
    const recordBytes = boundaries.slice(0, -1).map((start, i) => VALID.subarray(start, boundaries[i + 1]));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.nat({ max: recordBytes.length - 1 })), { maxLength: 30 }), (parts) => {
        const bytes = Buffer.concat([VALID.subarray(0, PREAMBLE_BYTES), ...parts.flatMap(([junk, i]) => [junk, recordBytes[i]])]);
        const outcome = decodeChunked(bytes);
        expect(outcome.error).toBeNull();
        // Junk may swallow nothing real: all records come out, in order.
        expect(outcome.records).toEqual(parts.map(([, i]) => ORIGINAL[i]));
      }),
      { numRuns: 300 },
    );
  });

  it('truncated at every offset: returns the complete records and flags a torn tail, never throws past the preamble', () => {
    for (let cut = 0; cut <= VALID.length; cut++) {
      const outcome = decodeChunked(VALID.subarray(0, cut), [cut >> 1]);
      if (cut < PREAMBLE_BYTES) {
        expect(outcome.error, `cut ${cut}`).toBeInstanceOf(FlightLogParseError);
        expect((outcome.error as FlightLogParseError).code).toBe(cut === 0 ? 'EMPTY_FILE' : 'TRUNCATED_PREAMBLE');
        continue;
      }
      const complete = boundaries.filter((b) => b <= cut).length - 1;
      expect(outcome.error).toBeNull();
      expect(outcome.records).toEqual(ORIGINAL.slice(0, complete));
      expect(outcome.stats).toMatchObject({ recordsCorrupt: 0, truncatedTail: !boundaries.includes(cut), bytesRead: cut });
    }
  });

  it('bit flips: damaged records are dropped and reported, every other record is decoded', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: PREAMBLE_BYTES * 8, max: VALID.length * 8 - 1 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 4 }), (bits, cuts) => {
        const bytes = Buffer.from(VALID);
        for (const bit of bits) bytes[bit >> 3] ^= 1 << (bit & 7);
        const touched = new Set(bits.map((bit) => boundaries.findLastIndex((b) => b <= bit >> 3)));
        const outcome = decodeChunked(bytes, cuts);
        expect(outcome.error).toBeNull();
        expect(outcome.records).toEqual(ORIGINAL.filter((_, i) => !touched.has(i)));
        const s = outcome.stats;
        if (s === null) throw new Error('no stats');
        expect(s.recordsCorrupt + (s.truncatedTail ? 1 : 0)).toBeGreaterThanOrEqual(1);
        expect(s.recordsCorrupt).toBeLessThanOrEqual(touched.size);
        const touchedStarts = [...touched].map((i) => boundaries[i]);
        for (const offset of s.corruptOffsets) expect(touchedStarts).toContain(offset);
      }),
      { numRuns: 1000 },
    );
  });

  it('damaged preamble bits give a typed error, never anything else', () => {
    for (let bit = 0; bit < PREAMBLE_BYTES * 8; bit++) {
      const bytes = Buffer.from(VALID);
      bytes[bit >> 3] ^= 1 << (bit & 7);
      const outcome = decodeChunked(bytes);
      expect(outcome.error).toBeInstanceOf(FlightLogParseError);
    }
  });
});
