import { describe, expect, it } from 'vitest';
import { decodeFlightLog } from '../flight-log/flight-log.stream.js';
import { fieldShapes } from '../simulator/field-shapes.js';
import { simulateFlight, simulateJob, type GroundTruth, type SimulateFlightOptions, type SimulateJobOptions } from '../simulator/flight-simulator.js';
import type { ApplicationSummary } from './application-statistics.types.js';
import { computeApplicationStatistics } from './application-statistics.js';
import { combineJobStatistics } from './job-statistics.js';

type Flight = Omit<SimulateFlightOptions, 'seed'> & { name: string };

const pond = fieldShapes.translate(fieldShapes.rectangle(60, 45), 140, 110);
const grove = fieldShapes.translate(fieldShapes.polygon(7, 25, 20), 60, 60);

/** 22 single-log flights: shapes × headings × swaths × spacing × noise × boom timing × exclusions × wind. */
const FLIGHTS: Flight[] = [
  { name: 'rectangle, N-S, exact spacing', boundaryM: fieldShapes.rectangle(400, 300) },
  { name: 'rectangle, 30°, overlap, noise', boundaryM: fieldShapes.rectangle(400, 300), passHeadingDeg: 30, passSpacingM: 18, gpsNoiseM: 0.1 },
  { name: 'rectangle with pond', boundaryM: fieldShapes.rectangle(400, 300), exclusionsM: [pond], passHeadingDeg: 90, gpsNoiseM: 0.05 },
  { name: 'rectangle, early boom (off-target)', boundaryM: fieldShapes.rectangle(350, 250), sprayLeadM: 15, passHeadingDeg: 0, gpsNoiseM: 0.05 },
  { name: 'rectangle, late boom (skips)', boundaryM: fieldShapes.rectangle(350, 250), sprayLeadM: -10, passHeadingDeg: 45, passSpacingM: 19 },
  { name: 'rectangle, skipped passes', boundaryM: fieldShapes.rectangle(300, 300), skipPassIndices: [2, 7], gpsNoiseM: 0.1 },
  { name: 'L-shape, N-S', boundaryM: fieldShapes.lShape(500, 400, 150), gpsNoiseM: 0.05 },
  { name: 'L-shape, E-W, wide swath', boundaryM: fieldShapes.lShape(500, 400, 150), passHeadingDeg: 90, swathWidthM: 30, passSpacingM: 28 },
  { name: 'L-shape, 60°, early boom', boundaryM: fieldShapes.lShape(450, 450, 160), passHeadingDeg: 60, sprayLeadM: 8, gpsNoiseM: 0.1 },
  { name: 'U-shape across the gap', boundaryM: fieldShapes.uShape(500, 400, 150, 120), passHeadingDeg: 95, swathWidthM: 24, passSpacingM: 22, gpsNoiseM: 0.15 },
  { name: 'U-shape along the arms', boundaryM: fieldShapes.uShape(480, 380, 140, 110), passHeadingDeg: 0, swathWidthM: 18 },
  { name: 'hexagon, 15°', boundaryM: fieldShapes.polygon(6, 220, 160), passHeadingDeg: 15, gpsNoiseM: 0.08 },
  { name: 'octagon with grove, 120°', boundaryM: fieldShapes.polygon(8, 200, 200), exclusionsM: [fieldShapes.translate(grove, 120, 120)], passHeadingDeg: 120, passSpacingM: 18 },
  { name: 'trapezoid, 75°', boundaryM: fieldShapes.trapezoid(500, 250, 300, 120), passHeadingDeg: 75, gpsNoiseM: 0.1 },
  { name: 'trapezoid, narrow swath', boundaryM: fieldShapes.trapezoid(300, 200, 200, 60), swathWidthM: 12, passSpacingM: 11.5, passHeadingDeg: 10 },
  { name: 'pentagon, two exclusions', boundaryM: fieldShapes.polygon(5, 250, 220, 18), exclusionsM: [fieldShapes.translate(fieldShapes.rectangle(40, 40), 150, 150), fieldShapes.translate(fieldShapes.polygon(5, 20, 20), 300, 200)], passHeadingDeg: 135, gpsNoiseM: 0.05 },
  { name: 'thin strip, wind change', boundaryM: fieldShapes.rectangle(800, 120), passHeadingDeg: 90, windChanges: [{ atS: 60, speedMps: 7, directionDeg: 180 }] },
  { name: 'square, 10 Hz, slow aircraft', boundaryM: fieldShapes.rectangle(250, 250), fixRateHz: 10, groundSpeedMps: 35, passHeadingDeg: 200, gpsNoiseM: 0.1 },
  { name: 'square, 2 Hz fixes', boundaryM: fieldShapes.rectangle(250, 250), fixRateHz: 2, passHeadingDeg: 330, passSpacingM: 17 },
  { name: 'rectangle, high rate', boundaryM: fieldShapes.rectangle(300, 200), targetRateLPerHa: 95, swathWidthM: 22, passHeadingDeg: 270, gpsNoiseM: 0.12 },
  { name: 'L-shape with pond, heavy overlap', boundaryM: fieldShapes.lShape(400, 400, 180), exclusionsM: [fieldShapes.translate(fieldShapes.rectangle(40, 60), 60, 250)], passSpacingM: 14, passHeadingDeg: 20 },
  { name: 'southern hemisphere, west', boundaryM: fieldShapes.polygon(9, 180, 150, 5), originLatDeg: -34.5, originLonDeg: 149.2, passHeadingDeg: 50, sprayLeadM: 5, gpsNoiseM: 0.1 },
];

/**
 * The accuracy the application record promises, as shares of the field area (volume: of the
 * volume). GNSS noise moves the logged swaths against the flown ones, which shows as spurious
 * overlap and gaps of a few tenths of a percent; these bounds include that.
 */
function expectWithinTolerances(s: ApplicationSummary, truth: GroundTruth, what: string): void {
  const field = truth.fieldAreaHa;
  const share = (measured: number, expected: number) => Math.abs(measured - expected) / field;
  expect(s.fieldAreaHa, `${what}: field`).toBeCloseTo(field, 3);
  expect(share(s.treatedAreaHa, truth.treatedAreaHa), `${what}: treated`).toBeLessThan(0.005);
  expect(share(s.skippedAreaHa, truth.skippedAreaHa), `${what}: skipped`).toBeLessThan(0.005);
  expect(share(s.overlapAreaHa, truth.overlapAreaHa), `${what}: overlap`).toBeLessThan(0.01);
  expect(share(s.offTargetAreaHa, truth.offTargetAreaHa), `${what}: off-target`).toBeLessThan(0.01);
  expect(Math.abs(s.volumeAppliedL - truth.volumeAppliedL) / truth.volumeAppliedL, `${what}: volume`).toBeLessThan(0.005);
  expect(s.passCount, `${what}: passes`).toBe(truth.passCount);
  expect(s.skippedPctOfField, `${what}: skipped %`).toBeCloseTo((s.skippedAreaHa / s.fieldAreaHa) * 100, 2);
}

type Job = Omit<SimulateJobOptions, 'seed'> & { name: string };

/** 10 jobs flown in several loads: partial passes at each reload, re-flown lines, boom lag, any heading. */
const JOBS: Job[] = [
  { name: '2 loads, rectangle, N-S', boundaryM: fieldShapes.rectangle(500, 360), loads: 2 },
  { name: '3 loads, rectangle, 35°', boundaryM: fieldShapes.rectangle(500, 360), loads: 3, passHeadingDeg: 35 },
  { name: '2 loads, 2 lines re-flown', boundaryM: fieldShapes.rectangle(400, 300), loads: 2, reflyLines: [3, 4] },
  { name: '4 loads, L-shape, 60°, boom lag', boundaryM: fieldShapes.lShape(500, 420, 160), loads: 4, passHeadingDeg: 60, boomLagS: 0.4 },
  { name: '2 loads, pond, 90°, re-flown edge', boundaryM: fieldShapes.rectangle(400, 300), exclusionsM: [pond], loads: 2, passHeadingDeg: 90, reflyLines: [0] },
  { name: '3 loads, U-shape across the gap', boundaryM: fieldShapes.uShape(500, 400, 150, 120), loads: 3, passHeadingDeg: 95, swathWidthM: 24, passSpacingM: 22 },
  { name: '2 loads, trapezoid, early boom, skips', boundaryM: fieldShapes.trapezoid(500, 250, 300, 120), loads: 2, passHeadingDeg: 75, sprayLeadM: 6, skipPassIndices: [5] },
  { name: '3 loads, octagon with grove, 120°', boundaryM: fieldShapes.polygon(8, 200, 200), exclusionsM: [fieldShapes.translate(grove, 120, 120)], loads: 3, passHeadingDeg: 120, passSpacingM: 18 },
  { name: '2 loads, southern hemisphere, boom lag, re-flown', boundaryM: fieldShapes.polygon(9, 180, 150, 5), originLatDeg: -34.5, originLonDeg: 149.2, loads: 2, passHeadingDeg: 50, boomLagS: 0.3, reflyLines: [7] },
  { name: '4 loads, thin strip, 10 Hz', boundaryM: fieldShapes.rectangle(900, 140), loads: 4, passHeadingDeg: 90, fixRateHz: 10, groundSpeedMps: 40 },
];

describe('job statistics vs the simulator ground truth: several loads, per log and per job', () => {
  it.each(JOBS.map((j, i) => [j.name, i, j] as const))('%s', async (_name, i, job) => {
    const sim = simulateJob({ ...job, seed: 2000 + i });
    const truth = sim.groundTruth;
    if (truth === null) throw new Error('the simulator computed no ground truth');
    const field = { boundary: sim.field.boundary, exclusions: sim.field.exclusions };
    const logs = [];
    for (const [n, load] of sim.loads.entries()) {
      const result = await computeApplicationStatistics(decodeFlightLog([load.bytes]), { ...field, includePassFootprints: false });
      if (load.groundTruth === null) throw new Error('no ground truth for a load');
      expectWithinTolerances(result.summary, load.groundTruth, `load ${n + 1}`);
      logs.push(result);
    }
    const combined = combineJobStatistics(logs, field);
    expectWithinTolerances(combined.summary, truth, 'job');
    // The union, not the sum: per-log treated areas add up to more than the job's wherever loads overlap.
    expect(logs.reduce((sum, l) => sum + l.summary.treatedAreaHa, 0)).toBeGreaterThanOrEqual(combined.summary.treatedAreaHa - 1e-6);
  });

  it('the jobs cover what they claim: loads overlap where lines are re-flown, boom lag leaves skips', () => {
    const reflown = simulateJob({ ...JOBS[2], seed: 2002 }).groundTruth;
    const lagged = simulateJob({ ...JOBS[3], seed: 2003 }).groundTruth;
    expect(reflown?.overlapAreaHa).toBeGreaterThan(1);
    expect(lagged?.skippedAreaHa).toBeGreaterThan(0.3);
  });
});

describe('statistics vs the simulator ground truth', () => {
  it.each(FLIGHTS.map((f, i) => [f.name, i, f] as const))('%s', async (_name, i, flight) => {
    const sim = simulateFlight({ ...flight, seed: 1000 + i });
    const truth = sim.groundTruth;
    if (truth === null) throw new Error('the simulator computed no ground truth');
    const result = await computeApplicationStatistics(decodeFlightLog([sim.bytes]), { boundary: sim.field.boundary, exclusions: sim.field.exclusions });
    expectWithinTolerances(result.summary, truth, 'log');
    const s = result.summary;
    expect(result.passes).toHaveLength(truth.passCount);
    expect(Math.abs(s.sprayTimeS - truth.sprayTimeS)).toBeLessThan(0.01);
    expect(Math.abs(s.sprayedDistanceM - truth.sprayedDistanceM) / truth.sprayedDistanceM).toBeLessThan(0.005);
    expect(Math.abs(s.rateDeviationPct ?? Infinity)).toBeLessThan(0.5);
    expect(s.treatedAreaAc).toBeCloseTo(s.treatedAreaHa / 0.40468564224, 4);
  });

  it('the suite covers the ground truth it claims to: overlap, off-target and skips all occur', () => {
    const truths = FLIGHTS.slice(0, 6).map((f, i) => simulateFlight({ ...f, seed: 1000 + i }).groundTruth);
    expect(truths[1]?.overlapAreaHa).toBeGreaterThan(0.5);
    expect(truths[3]?.offTargetAreaHa).toBeGreaterThan(0.3);
    expect(truths[5]?.skippedAreaHa).toBeGreaterThan(0.5);
  });
});
