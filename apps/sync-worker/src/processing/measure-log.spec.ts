import { FlightLogWriter, fieldShapes, simulateFlight, type FlightLogRecord } from '@agair/satloc-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { createComputePool } from './compute-pool.js';
import { measureLog, type FieldOf } from './measure-log.js';

const flight = simulateFlight({ seed: 11, boundaryM: fieldShapes.rectangle(400, 300) });
const ownField: FieldOf = { boundary: flight.field.boundary, exclusions: flight.field.exclusions, targetRateLPerHa: 30 };
const shift = (dLat: number): FieldOf => ({ ...ownField, boundary: { type: 'Polygon', coordinates: [flight.field.boundary.coordinates[0].map(([lon, lat]) => [lon, lat + dLat] as [number, number])] } });

/** A log circling for hours with a 400 m swath and the boom on: far beyond the engine's work bound. */
function hostileLog(): Buffer {
  const writer = new FlightLogWriter();
  const t0 = Date.UTC(2025, 5, 1);
  const records: FlightLogRecord[] = [
    { type: 'swath', timeMs: t0, swathWidthM: 400 },
    { type: 'sprayState', timeMs: t0, boomOn: true, sectionMask: 1, sectionCount: 1 },
  ];
  for (let i = 1; i <= 60_000; i++) {
    const a = (i * 31 * Math.PI) / 180;
    records.push({ type: 'gnssFix', timeMs: t0 + i * 200, latDeg: 40 + 0.01 * Math.sin(a), lonDeg: -98 + 0.013 * Math.cos(a), altitudeM: 250, groundSpeedMps: 50, headingDeg: (i * 31) % 360, fixQuality: 2, satellites: 12, hdop: 0.9, differentialAgeS: 2 });
  }
  for (const record of records) writer.write(record);
  return writer.toBuffer();
}

describe('measureLog', () => {
  it('measures against the one candidate job', async () => {
    const result = await measureLog({ bytes: flight.bytes, candidates: [ownField], chooseByOverlap: false });
    if (result.outcome !== 'measured') throw new Error(result.reason);
    expect(result.chosen).toBe(0);
    expect(result.share).toBeGreaterThan(0.95);
    expect(result.statistics.summary.fieldAreaHa).toBeCloseTo(12, 2);
    expect(result.statistics.coverage.features).toEqual([]);
    expect(result.layers.treated.parts[0]).toBeGreaterThan(0);
    expect(result.statistics.swaths.ringStarts.length).toBeGreaterThan(1);
  });

  it('picks the candidate holding most of the sprayed area, and none when no field holds enough', async () => {
    const candidates = [shift(0.01), shift(0.0015), ownField];
    const result = await measureLog({ bytes: flight.bytes, candidates, chooseByOverlap: true });
    if (result.outcome !== 'measured') throw new Error(result.reason);
    expect(result.chosen).toBe(2);
    const none = await measureLog({ bytes: flight.bytes, candidates: [shift(0.01), shift(0.02)], chooseByOverlap: true });
    if (none.outcome !== 'measured') throw new Error(none.reason);
    expect(none.chosen).toBe(-1);
    expect(none.statistics.summary.fieldAreaHa).toBe(0);
    expect(none.statistics.summary.offTargetAreaHa).toBeCloseTo(none.statistics.summary.treatedAreaHa, 6);
  });

  it('fails a file that is not a log, and a log beyond the work bound, with a typed reason instead of retrying', async () => {
    const garbage = await measureLog({ bytes: Buffer.from('not a flight log at all'), candidates: [ownField], chooseByOverlap: false });
    expect(garbage).toMatchObject({ outcome: 'unusable', reason: expect.stringMatching(/^[A-Z_]+: /) });
    const hostile = await measureLog({ bytes: hostileLog(), candidates: [ownField], chooseByOverlap: false });
    expect(hostile).toMatchObject({ outcome: 'unusable', reason: expect.stringMatching(/^TOO_COMPLEX: /) });
  });
});

// A thread loads its modules from TypeScript sources first (tsx): seconds on a busy machine.
describe('the statistics thread pool', { timeout: 60_000 }, () => {
  const pool = createComputePool(1);
  afterAll(() => pool.close());

  it('measures on a worker thread and brings back the same record', async () => {
    const request = { bytes: flight.bytes, candidates: [ownField], chooseByOverlap: false };
    const [threaded, inline] = await Promise.all([pool.measureLog(request), measureLog(request)]);
    if (threaded.outcome !== 'measured' || inline.outcome !== 'measured') throw new Error('unusable');
    expect(threaded.statistics.summary).toEqual(inline.statistics.summary);
    expect(Array.from(threaded.layers.overlap.e7)).toEqual(Array.from(inline.layers.overlap.e7));
    expect(threaded.statistics.swaths.lonLat).toBeInstanceOf(Float64Array);
  });

  it('combines a job on a worker thread', async () => {
    const measured = await measureLog({ bytes: flight.bytes, candidates: [ownField], chooseByOverlap: false });
    if (measured.outcome !== 'measured') throw new Error(measured.reason);
    const log = { fileId: 'f', summary: measured.statistics.summary, swaths: measured.statistics.swaths };
    const job = await pool.combineJob([log, log], { boundary: ownField.boundary, exclusions: ownField.exclusions });
    if (job.outcome !== 'combined') throw new Error(job.reason);
    expect(job.summary.treatedAreaHa).toBeCloseTo(measured.statistics.summary.treatedAreaHa, 1);
    expect(job.summary.overlapAreaHa).toBeCloseTo(measured.statistics.summary.treatedAreaHa, 1);
    expect(job.summary.volumeAppliedL).toBeCloseTo(2 * measured.statistics.summary.volumeAppliedL, 3);
  });
});
