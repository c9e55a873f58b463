import { describe, expect, it } from 'vitest';
import { FlightLogParseError } from '../flight-log/flight-log.error.js';
import type { GnssFixRecord, SprayStateRecord } from '../flight-log/flight-log.records.js';
import { decodeFlightLogBuffer } from '../flight-log/flight-log.stream.js';
import { readJobFile } from '../job-file/job-file.reader.js';
import { writeJobFile } from '../job-file/job-file.writer.js';
import { fieldShapes } from './field-shapes.js';
import { simulateFlight } from './flight-simulator.js';
import { rasteriseGroundTruth } from './ground-truth.js';
import { LocalTangentPlane } from './local-tangent-plane.js';

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

const fixesOf = (bytes: Buffer): GnssFixRecord[] => decodeFlightLogBuffer(bytes).records.filter((r): r is GnssFixRecord => r.type === 'gnssFix');
const sprayStatesOf = (bytes: Buffer): SprayStateRecord[] => decodeFlightLogBuffer(bytes).records.filter((r): r is SprayStateRecord => r.type === 'sprayState');

describe('simulateFlight realism', () => {
  it('adds decimetre GNSS noise by default: fixes are off the flown path by about 0.1 m RMS per axis', () => {
    const base = { seed: 8, boundaryM: fieldShapes.rectangle(600, 400), passHeadingDeg: 20 };
    const byDefault = simulateFlight(base);
    expect(byDefault.bytes.equals(simulateFlight({ ...base, gpsNoiseM: 0.1 }).bytes)).toBe(true);
    const noisy = fixesOf(byDefault.bytes);
    const exact = fixesOf(simulateFlight({ ...base, gpsNoiseM: 0 }).bytes);
    expect(noisy.map((f) => f.timeMs)).toEqual(exact.map((f) => f.timeMs));
    const plane = new LocalTangentPlane(40.1, -98.3); // the simulator's default origin
    let sumSq = 0;
    let largest = 0;
    noisy.forEach((fix, i) => {
      const dx = (fix.lonDeg - exact[i].lonDeg) * plane.metresPerDegLon;
      const dy = (fix.latDeg - exact[i].latDeg) * plane.metresPerDegLat;
      sumSq += dx * dx + dy * dy;
      largest = Math.max(largest, Math.hypot(dx, dy));
    });
    const rmsPerAxisM = Math.sqrt(sumSq / (2 * noisy.length));
    expect(rmsPerAxisM).toBeGreaterThan(0.06);
    expect(rmsPerAxisM).toBeLessThan(0.16);
    expect(largest).toBeLessThan(1);
  });

  it('boom lag: each switch is late by 0–boomLagS, the log has the late switches, the truth their skips and off-target', () => {
    const base = { seed: 12, boundaryM: fieldShapes.rectangle(400, 300), passHeadingDeg: 0 };
    const onTime = simulateFlight(base);
    const late = simulateFlight({ ...base, boomLagS: 0.5 });
    const planned = onTime.plan.spraySegments;
    const flown = late.plan.spraySegments;
    expect(flown).toHaveLength(planned.length);
    const onLagsMs = flown.map((seg, i) => seg.startTimeMs - planned[i].startTimeMs);
    const offLagsMs = flown.map((seg, i) => seg.endTimeMs - planned[i].endTimeMs);
    // Both instants are rounded to whole milliseconds, hence the 1 ms either side.
    for (const lag of [...onLagsMs, ...offLagsMs]) {
      expect(lag).toBeGreaterThanOrEqual(-1);
      expect(lag).toBeLessThanOrEqual(501);
    }
    const meanOnLagMs = onLagsMs.reduce((a, b) => a + b, 0) / onLagsMs.length;
    expect(meanOnLagMs).toBeGreaterThan(150);
    expect(meanOnLagMs).toBeLessThan(350);
    expect(new Set(onLagsMs).size).toBeGreaterThan(planned.length / 2);

    const states = sprayStatesOf(late.bytes);
    expect(states.filter((r) => r.boomOn).map((r) => r.timeMs)).toEqual(flown.map((seg) => seg.startTimeMs));
    expect(states.filter((r) => !r.boomOn).map((r) => r.timeMs)).toEqual(flown.map((seg) => seg.endTimeMs));

    // The passes fit this field exactly: a late on leaves lag × speed × swath unsprayed at the entry edge, a late off sprays as much beyond the exit edge.
    const haPerMs = (late.plan.groundSpeedMps / 1000) * late.plan.swathWidthM / 1e4;
    const truth = late.groundTruth;
    const reference = onTime.groundTruth;
    if (truth === null || reference === null) throw new Error('no ground truth');
    expect(truth.skippedAreaHa - reference.skippedAreaHa).toBeCloseTo(onLagsMs.reduce((a, b) => a + b, 0) * haPerMs, 2);
    expect(truth.offTargetAreaHa - reference.offTargetAreaHa).toBeCloseTo(offLagsMs.reduce((a, b) => a + b, 0) * haPerMs, 2);
    expect(truth.skippedAreaHa - reference.skippedAreaHa).toBeGreaterThan(0.2);
    expect(truth.offTargetAreaHa - reference.offTargetAreaHa).toBeGreaterThan(0.2);
  });

  it('has a ground truth for repeated plans: the same ground, all of it sprayed twice', () => {
    const base = { seed: 4, boundaryM: fieldShapes.lShape(300, 250, 100), passHeadingDeg: 30 };
    const once = simulateFlight(base).groundTruth;
    const twice = simulateFlight({ ...base, repetitions: 2 }).groundTruth;
    if (once === null || twice === null) throw new Error('no ground truth');
    expect(twice.overlapAreaHa).toBeGreaterThan(0);
    expect(twice.overlapAreaHa).toBeCloseTo(twice.treatedAreaHa, 9);
    expect(twice.treatedAreaHa).toBeCloseTo(once.treatedAreaHa, 9);
    expect(twice.passCount).toBe(2 * once.passCount);
    expect(twice.volumeAppliedL).toBeCloseTo(2 * once.volumeAppliedL, 6);
  });
});

