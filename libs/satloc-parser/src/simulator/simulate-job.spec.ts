import { describe, expect, it } from 'vitest';
import type { FlightLogRecord } from '../flight-log/flight-log.records.js';
import { decodeFlightLog } from '../flight-log/flight-log.stream.js';
import type { LonLat } from '../geometry/geojson.types.js';
import { fieldShapes } from './field-shapes.js';
import { simulateJob, type GroundTruth, type PlannedSpraySegment, type SimulatedJob } from './flight-simulator.js';
import { LocalTangentPlane } from './local-tangent-plane.js';

const JOB = { seed: 31, boundaryM: fieldShapes.rectangle(500, 360), passHeadingDeg: 35 };
const FERRY_GAP_MS = 1_200_000;

const single = simulateJob(JOB);
const singleSegments = single.loads[0].plan.spraySegments;

const plane = new LocalTangentPlane(40.1, -98.3); // the simulator's default origin
const distanceM = (a: LonLat, b: LonLat): number => Math.hypot((a[0] - b[0]) * plane.metresPerDegLon, (a[1] - b[1]) * plane.metresPerDegLat);

const sprayedLengthM = (segments: readonly PlannedSpraySegment[]): number => segments.reduce((sum, seg) => sum + seg.lengthM, 0);
const lineLengthM = (segments: readonly PlannedSpraySegment[], lineIndex: number): number =>
  sprayedLengthM(segments.filter((seg) => seg.lineIndex === lineIndex));

function truthOf(job: SimulatedJob): GroundTruth {
  if (job.groundTruth === null) throw new Error('no ground truth');
  return job.groundTruth;
}

async function decode(bytes: Buffer): Promise<{ records: FlightLogRecord[]; recordsCorrupt: number }> {
  const decoding = decodeFlightLog([bytes]);
  const records: FlightLogRecord[] = [];
  for await (const record of decoding) records.push(record);
  return { records, recordsCorrupt: decoding.stats.recordsCorrupt + decoding.stats.recordsSkipped };
}

describe('simulateJob', () => {
  it('with one load and nothing re-flown is simulateFlight', () => {
    expect(single.loads).toHaveLength(1);
    expect(single.groundTruth).toEqual(single.loads[0].groundTruth);
    expect(singleSegments.length).toBeGreaterThan(10);
  });

  it.each([2, 3])('splits the plan into %i loads of equal sprayed length, each its own log', async (loads) => {
    const job = simulateJob({ ...JOB, loads });
    expect(job.loads).toHaveLength(loads);
    for (const [i, load] of job.loads.entries()) {
      const { records, recordsCorrupt } = await decode(load.bytes);
      expect(recordsCorrupt).toBe(0);
      expect(records[0]).toMatchObject({ type: 'jobHeader', jobId: 'SIM-31', timeMs: load.plan.startTimeMs });
      expect(records.filter((r) => r.type === 'sprayState')).toHaveLength(2 * load.plan.spraySegments.length);
      const times = records.map((r) => r.timeMs);
      expect(Math.min(...times)).toBe(load.plan.startTimeMs);
      expect(Math.max(...times)).toBe(load.plan.endTimeMs);
      if (i > 0) expect(load.plan.startTimeMs).toBe(job.loads[i - 1].plan.endTimeMs + FERRY_GAP_MS);
      expect(sprayedLengthM(load.plan.spraySegments)).toBeCloseTo(sprayedLengthM(singleSegments) / loads, -1);
    }

    const perLoad = job.loads.map((load) => load.plan.spraySegments);
    expect(perLoad.reduce((sum, segments) => sum + sprayedLengthM(segments), 0)).toBeCloseTo(sprayedLengthM(singleSegments), 0);
    for (let i = 0; i + 1 < loads; i++) {
      // The load runs dry mid-line; the next one re-enters that line and resumes where the boom went off.
      const last = perLoad[i][perLoad[i].length - 1];
      const first = perLoad[i + 1][0];
      expect(first.lineIndex).toBe(last.lineIndex);
      expect(distanceM(last.end, first.start)).toBeLessThan(0.05);
      expect(last.lengthM).toBeGreaterThan(1);
      expect(first.lengthM).toBeGreaterThan(1);
      // Each of the four switch points is on a whole millisecond: 2.5 cm at 50 m/s.
      expect(Math.abs(last.lengthM + first.lengthM - lineLengthM(singleSegments, last.lineIndex))).toBeLessThan(0.11);
    }

    const truth = truthOf(job);
    const reference = truthOf(single);
    expect(Math.abs(truth.treatedAreaHa - reference.treatedAreaHa) / reference.treatedAreaHa).toBeLessThan(1e-4);
    expect(truth.overlapAreaHa).toBeLessThan(0.001);
    expect(truth.volumeAppliedL).toBeCloseTo(reference.volumeAppliedL, 1);
    expect(truth.passCount).toBe(reference.passCount + loads - 1);
    expect(job.loads.reduce((sum, load) => sum + (load.groundTruth?.treatedAreaHa ?? 0), 0)).toBeCloseTo(truth.treatedAreaHa, 3);
  });

  it('re-flies lines in full at the end of the last load: overlap grows by their sprayed area', () => {
    const plain = simulateJob({ ...JOB, loads: 2 });
    const refly = simulateJob({ ...JOB, loads: 2, reflyLines: [3, 8] });
    const lastPlan = refly.loads[1].plan;
    const reflown = lastPlan.spraySegments.slice(-2);
    expect(reflown.map((seg) => seg.lineIndex)).toEqual([3, 8]);
    for (const seg of reflown) expect(Math.abs(seg.lengthM - lineLengthM(singleSegments, seg.lineIndex))).toBeLessThan(0.06);
    expect(reflown[0].startTimeMs).toBeGreaterThan(plain.loads[1].plan.spraySegments.at(-1)?.endTimeMs ?? Infinity);
    expect(refly.loads[0].bytes.equals(plain.loads[0].bytes)).toBe(true);

    const reflownAreaHa = (sprayedLengthM(reflown) * lastPlan.swathWidthM) / 1e4;
    const grown = truthOf(refly).overlapAreaHa - truthOf(plain).overlapAreaHa;
    expect(Math.abs(grown - reflownAreaHa) / reflownAreaHa).toBeLessThan(0.01);
    expect(truthOf(refly).treatedAreaHa).toBeCloseTo(truthOf(plain).treatedAreaHa, 3);
    expect(truthOf(refly).passCount).toBe(truthOf(plain).passCount + 2);
  });

  it('re-flying a skipped line fills the skip instead of overlapping', () => {
    const skipped = simulateJob({ ...JOB, skipPassIndices: [5] });
    const filled = simulateJob({ ...JOB, skipPassIndices: [5], reflyLines: [5] });
    expect(truthOf(skipped).skippedAreaHa - truthOf(single).skippedAreaHa).toBeGreaterThan(0.4);
    expect(truthOf(filled).skippedAreaHa).toBeCloseTo(truthOf(single).skippedAreaHa, 3);
    expect(truthOf(filled).overlapAreaHa).toBeLessThan(0.001);
  });

  it('flies its passes on the given heading in every load', async () => {
    const job = simulateJob({ ...JOB, loads: 2, reflyLines: [0] });
    for (const load of job.loads) {
      const { records } = await decode(load.bytes);
      let boomOn = false;
      const headingsWhileSpraying: number[] = [];
      for (const record of records) {
        if (record.type === 'sprayState') boomOn = record.boomOn;
        if (record.type === 'gnssFix' && boomOn) headingsWhileSpraying.push(record.headingDeg);
      }
      expect(headingsWhileSpraying.length).toBeGreaterThan(100);
      for (const heading of headingsWhileSpraying) expect(Math.min(Math.abs(heading - 35), Math.abs(heading - 215))).toBeLessThan(1.5);
    }
  });

  it('is deterministic for a seed', () => {
    const options = { ...JOB, loads: 3, reflyLines: [2], boomLagS: 0.3 };
    const a = simulateJob(options);
    const b = simulateJob(options);
    expect(a.loads.map((load) => load.bytes.toString('hex'))).toEqual(b.loads.map((load) => load.bytes.toString('hex')));
    expect(a.groundTruth).toEqual(b.groundTruth);
    expect(simulateJob({ ...options, seed: 32 }).loads[0].bytes.equals(a.loads[0].bytes)).toBe(false);
  });

  it('refuses impossible requests', () => {
    expect(() => simulateJob({ ...JOB, loads: 0 })).toThrow(RangeError);
    expect(() => simulateJob({ ...JOB, loads: 1.5 })).toThrow(RangeError);
    expect(() => simulateJob({ ...JOB, reflyLines: [999] })).toThrow(RangeError);
    expect(() => simulateJob({ ...JOB, boomLagS: -1 })).toThrow(RangeError);
  });
});
