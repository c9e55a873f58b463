import { describe, expect, it } from 'vitest';
import { decodeFlightLog } from '../flight-log/flight-log.stream.js';
import { fieldShapes } from '../simulator/field-shapes.js';
import { simulateFlight, type SimulateFlightOptions } from '../simulator/flight-simulator.js';
import { computeApplicationStatistics } from './application-statistics.js';

type Flight = Omit<SimulateFlightOptions, 'seed'> & { name: string };

const pond = fieldShapes.translate(fieldShapes.rectangle(60, 45), 140, 110);
const grove = fieldShapes.translate(fieldShapes.polygon(7, 25, 20), 60, 60);

/** 22 flights: shapes × headings × swaths × spacing × noise × boom timing × exclusions × wind. */
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

describe('statistics vs the simulator ground truth', () => {
  it.each(FLIGHTS.map((f, i) => [f.name, i, f] as const))('%s', async (_name, i, flight) => {
    const sim = simulateFlight({ ...flight, seed: 1000 + i });
    const truth = sim.groundTruth;
    if (truth === null) throw new Error('the simulator computed no ground truth');
    const result = await computeApplicationStatistics(decodeFlightLog([sim.bytes]), { boundary: sim.field.boundary, exclusions: sim.field.exclusions });
    const s = result.summary;
    const field = truth.fieldAreaHa;

    expect(s.fieldAreaHa).toBeCloseTo(field, 3);
    expect(Math.abs(s.treatedAreaHa - truth.treatedAreaHa) / truth.treatedAreaHa).toBeLessThan(0.01);
    expect(Math.abs(s.volumeAppliedL - truth.volumeAppliedL) / truth.volumeAppliedL).toBeLessThan(0.005);
    expect(Math.abs(s.overlapAreaHa - truth.overlapAreaHa) / field).toBeLessThan(0.02);
    expect(Math.abs(s.offTargetAreaHa - truth.offTargetAreaHa) / field).toBeLessThan(0.02);
    expect(Math.abs(s.insideBoundaryAreaHa - truth.insideBoundaryAreaHa) / field).toBeLessThan(0.01);
    expect(Math.abs(s.skippedAreaHa - truth.skippedAreaHa) / field).toBeLessThan(0.01);
    expect(s.passCount).toBe(truth.passCount);
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
