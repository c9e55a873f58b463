import { describe, expect, it } from 'vitest';
import { FlightLogParseError } from '../flight-log/flight-log.error.js';
import { decodeFlightLogBuffer } from '../flight-log/flight-log.stream.js';
import { readJobFile } from '../job-file/job-file.reader.js';
import { writeJobFile } from '../job-file/job-file.writer.js';
import { fieldShapes } from './field-shapes.js';
import { simulateFlight } from './flight-simulator.js';
import { rasteriseGroundTruth } from './ground-truth.js';

const FIELD = { boundaryM: fieldShapes.rectangle(200, 150), passHeadingDeg: 20, gpsNoiseM: 0.1 };

describe('simulateFlight', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = simulateFlight({ ...FIELD, seed: 42 });
    const b = simulateFlight({ ...FIELD, seed: 42 });
    const c = simulateFlight({ ...FIELD, seed: 43 });
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.groundTruth).toEqual(b.groundTruth);
    expect(a.bytes.equals(c.bytes)).toBe(false);
  });

  it('streams the same bytes through onChunk as it returns whole', () => {
    const chunks: Buffer[] = [];
    const streamed = simulateFlight({ ...FIELD, seed: 5, chunkSizeBytes: 4096, onChunk: (c) => chunks.push(c) });
    const whole = simulateFlight({ ...FIELD, seed: 5 });
    expect(Buffer.concat(chunks).equals(whole.bytes)).toBe(true);
    expect(streamed.totalBytes).toBe(whole.bytes.length);
  });

  it('writes a .JOB of its field that reads back', () => {
    const sim = simulateFlight({ ...FIELD, seed: 9, exclusionsM: [fieldShapes.translate(fieldShapes.rectangle(20, 20), 50, 50)] });
    const job = readJobFile(writeJobFile(sim.jobFile));
    expect(job.polygons.map((p) => p.kind)).toEqual(['INC', 'EXC']);
  });

  it('injected faults are exactly what the decoder reports', () => {
    const sim = simulateFlight({ ...FIELD, seed: 11, faults: { corruptRecords: 6, garbageRuns: 3, unknownRecords: 4 } });
    const clean = simulateFlight({ ...FIELD, seed: 11, faults: { unknownRecords: 4 } });
    const { stats } = decodeFlightLogBuffer(sim.bytes);
    expect(stats.recordsSkipped).toBe(4);
    const damage = [...sim.faults.corruptedRecordOffsets, ...sim.faults.garbageOffsets].sort((a, b) => a - b);
    // Adjacent damage merges into one resync, so every reported offset is an injected one.
    for (const offset of stats.corruptOffsets) expect(damage).toContain(offset);
    expect(stats.recordsCorrupt).toBeGreaterThanOrEqual(1);
    expect(stats.recordsRead).toBe(decodeFlightLogBuffer(clean.bytes).stats.recordsRead - sim.faults.corruptedRecordOffsets.length);
  });

  it('can produce truncated and empty files', () => {
    const cut = simulateFlight({ ...FIELD, seed: 3, faults: { truncateAtFraction: 0.5 } });
    expect(cut.faults.truncatedAtByte).toBe(cut.bytes.length);
    expect(decodeFlightLogBuffer(cut.bytes).stats.truncatedTail || cut.bytes.length % 1 === 0).toBe(true);
    const empty = simulateFlight({ ...FIELD, seed: 3, faults: { zeroLength: true } });
    expect(empty.bytes.length).toBe(0);
    expect(() => decodeFlightLogBuffer(empty.bytes)).toThrow(FlightLogParseError);
  });

  it('its rasteriser measures known shapes', () => {
    const square = fieldShapes.rectangle(100, 100);
    const triangle: [number, number][] = [[0, 0], [100, 0], [0, 100]];
    const rects = [
      { u0: 0, u1: 100, v0: 0, v1: 60 },
      { u0: 0, u1: 100, v0: 40, v1: 100 },
    ];
    expect(rasteriseGroundTruth(rects, square, [], 0.5)).toMatchObject({ treatedAreaM2: 10000, overlapAreaM2: 2000, offTargetAreaM2: 0, skippedAreaM2: 0, fieldAreaM2: 10000 });
    const t = rasteriseGroundTruth([{ u0: 0, u1: 100, v0: 0, v1: 100 }], triangle, [], 0.1);
    expect(t.insideFieldAreaM2).toBeCloseTo(5000, 0);
    expect(t.offTargetAreaM2).toBeCloseTo(5000, 0);
  });
});
