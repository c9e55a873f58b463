import { describe, expect, it } from 'vitest';
import { FlightLogStreamDecoder } from './flight-log.decoder.js';
import type { FlightLogDecodeStats, FlightLogRecordVisitor } from './flight-log.decoder.types.js';
import type { FlightLogRecord } from './flight-log.records.js';
import { decodeFlightLogBuffer } from './flight-log.stream.js';
import { SAMPLE_RECORDS } from './flight-log.test-records.js';
import { FlightLogWriter } from './flight-log.writer.js';

function encode(records: FlightLogRecord[]): Buffer {
  const writer = new FlightLogWriter({ chunkSizeBytes: 1024 });
  for (const r of records) writer.write(r);
  return writer.toBuffer();
}

/** A visitor that copies every record it is given (as the docs tell users to when keeping them), NaN read back as null. */
function copyingVisitor(into: FlightLogRecord[]): Required<FlightLogRecordVisitor> {
  const keep = (r: Readonly<FlightLogRecord>): void => {
    into.push({ ...r });
  };
  const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);
  return {
    jobHeader: keep,
    gnssFix: (r) => into.push({ ...r, hdop: orNull(r.hdop), differentialAgeS: orNull(r.differentialAgeS) }),
    sprayState: keep,
    flow: keep,
    swath: keep,
    laserAltitude: (r) => into.push({ ...r, heightAboveGroundM: orNull(r.heightAboveGroundM) }),
    environment: keep,
    marker: keep,
  };
}

function visitInChunks(bytes: Uint8Array, size: number, visitor: FlightLogRecordVisitor): FlightLogDecodeStats {
  const decoder = new FlightLogStreamDecoder();
  for (let i = 0; i < bytes.length; i += size) decoder.push(bytes.subarray(i, i + size), visitor);
  return decoder.finish(visitor);
}

describe('visitor API (reused records)', () => {
  const many: FlightLogRecord[] = [];
  for (let i = 0; i < 2000; i++) many.push(SAMPLE_RECORDS[i % SAMPLE_RECORDS.length]);
  const bytes = encode(many);

  it('delivers the same records and stats as the object-per-record API, whatever the chunking', () => {
    const expected = decodeFlightLogBuffer(bytes);
    for (const size of [1, 7, 1000, 70_000]) {
      const got: FlightLogRecord[] = [];
      const stats = visitInChunks(bytes, size, copyingVisitor(got));
      expect(got).toEqual(expected.records);
      expect(stats).toEqual(expected.stats);
    }
  });

  it('reports damage exactly as the object API does', () => {
    const damaged = Buffer.from(bytes);
    for (let i = 100; i < damaged.length; i += 997) damaged[i] ^= 0x5a;
    const cut = damaged.subarray(0, damaged.length - 3);
    const expected = decodeFlightLogBuffer(cut);
    const got: FlightLogRecord[] = [];
    const stats = visitInChunks(cut, 4096, copyingVisitor(got));
    expect(expected.stats.recordsCorrupt).toBeGreaterThan(0);
    expect(got).toEqual(expected.records);
    expect(stats).toEqual(expected.stats);
  });

  it('reuses one record object per type, so a kept reference shows the latest record', () => {
    const seen: Readonly<FlightLogRecord>[] = [];
    const times: number[] = [];
    visitInChunks(encode(SAMPLE_RECORDS), 1 << 16, {
      gnssFix: (r) => {
        seen.push(r);
        times.push(r.timeMs);
      },
    });
    expect(times).toEqual([1_750_000_000_123, 1_750_000_000_323]);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0].timeMs).toBe(1_750_000_000_323);
  });

  it('hands over unknown values as NaN (numeric fields only), where the object API has null', () => {
    const hdops: number[] = [];
    const ages: number[] = [];
    const heights: number[] = [];
    visitInChunks(encode(SAMPLE_RECORDS), 1 << 16, {
      gnssFix: (r) => {
        hdops.push(r.hdop);
        ages.push(r.differentialAgeS);
      },
      laserAltitude: (r) => heights.push(r.heightAboveGroundM),
    });
    expect(hdops).toEqual([0.8, NaN]);
    expect(ages).toEqual([1.2, NaN]);
    expect(heights).toEqual([3.25, NaN]);
    const objects = decodeFlightLogBuffer(encode(SAMPLE_RECORDS)).records;
    const fixes = objects.filter((r) => r.type === 'gnssFix');
    expect(fixes.map((r) => [r.hdop, r.differentialAgeS])).toEqual([[0.8, 1.2], [null, null]]);
    expect(objects.filter((r) => r.type === 'laserAltitude').map((r) => r.heightAboveGroundM)).toEqual([3.25, null]);
  });

  it('counts records of types without a callback but does not hand them over', () => {
    const fixes: number[] = [];
    const stats = visitInChunks(encode(SAMPLE_RECORDS), 1 << 16, { gnssFix: (r) => fixes.push(r.latDeg) });
    expect(fixes).toEqual([-33.8688197, 0]);
    expect(stats.recordsRead).toBe(SAMPLE_RECORDS.length);
  });
});
