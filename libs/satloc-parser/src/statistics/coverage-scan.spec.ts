import { describe, expect, it } from 'vitest';
import { LAYERS, flatRingArea, scanCoverage, type CoverageScanInput, type PlanarRingXY } from './coverage-scan.js';
import { traceLayer } from './layer-tracer.js';
import { ringArea } from './planar-geometry.js';
import { StatisticsError } from './statistics.error.js';

const rect = (x0: number, y0: number, x1: number, y1: number): PlanarRingXY => Float64Array.from([x0, y0, x1, y0, x1, y1, x0, y1]);
const rotate = (ring: PlanarRingXY, deg: number): PlanarRingXY => {
  const a = (deg * Math.PI) / 180;
  const out = new Float64Array(ring.length);
  for (let i = 0; i < ring.length; i += 2) {
    out[i] = ring[i] * Math.cos(a) - ring[i + 1] * Math.sin(a);
    out[i + 1] = ring[i] * Math.sin(a) + ring[i + 1] * Math.cos(a);
  }
  return out;
};

function scan(partial: Partial<CoverageScanInput>) {
  return scanCoverage({ swaths: [], boundary: [], exclusions: [], passHeadingDeg: 0, rowStepM: 0.5, maxRows: 40_000, layerRowEvery: 1, maxCrossings: 1e8, ...partial });
}

describe('scanCoverage', () => {
  it('measures two overlapping strips over a field with an exclusion exactly when edges run along the passes', () => {
    // Strips 20 m wide, 100 m long (north), overlapping by 4 m; field 30 × 100 with a 4 × 10 pond.
    const result = scan({
      swaths: [rect(0, 0, 20, 100), rect(16, 0, 36, 100)],
      boundary: [rect(0, 0, 30, 100)],
      exclusions: [[rect(10, 40, 14, 50)]],
    });
    const a = result.areas;
    expect(a.treatedM2).toBeCloseTo(3600, 6);
    expect(a.overlapM2).toBeCloseTo(400, 6);
    expect(a.fieldM2).toBeCloseTo(3000 - 40, 6);
    expect(a.insideM2).toBeCloseTo(2960, 6);
    expect(a.offTargetM2).toBeCloseTo(600 + 40, 6);
    expect(a.skippedM2).toBeCloseTo(0, 6);
  });

  it('gives the same areas at any heading (rows follow the passes)', () => {
    for (const deg of [0, 25, 90, 133, 270]) {
      const swaths = [rotate(rect(0, 0, 20, 300), deg), rotate(rect(18, 0, 38, 300), deg), rotate(rect(60, 10, 80, 200), deg)];
      const { areas } = scan({ swaths, boundary: [rotate(rect(0, 0, 70, 300), deg)], passHeadingDeg: -deg });
      expect(areas.treatedM2).toBeCloseTo(38 * 300 + 20 * 190, 1);
      expect(areas.overlapM2).toBeCloseTo(2 * 300, 1);
      expect(areas.insideM2).toBeCloseTo(38 * 300 + 10 * 190, 1);
      expect(areas.skippedM2).toBeCloseTo(70 * 300 - (38 * 300 + 10 * 190), 1);
    }
  });

  it('counts a strip once however its own ring winds (non-zero per strip), and three strips as overlap once', () => {
    const bowTie = Float64Array.from([0, 0, 10, 100, 0, 100, 10, 0]); // crosses itself at (5, 50)
    const same = [rect(0, 0, 10, 100), rect(0, 0, 10, 100), rect(0, 0, 10, 100)];
    expect(scan({ swaths: [bowTie] }).areas.treatedM2).toBeCloseTo(Math.abs(0.5 * 10 * 50) * 2, 0);
    const { areas } = scan({ swaths: same });
    expect(areas.treatedM2).toBeCloseTo(1000, 6);
    expect(areas.overlapM2).toBeCloseTo(1000, 6);
  });

  it('traces every layer into polygons whose area matches the measured one', () => {
    const swaths = [rotate(rect(0, 0, 20, 400), 10), rotate(rect(17, 0, 37, 400), 10), rotate(rect(45, 0, 65, 300), 10)];
    const boundary = [rotate(rect(0, 20, 60, 380), 10)];
    const exclusions = [[rotate(rect(25, 100, 40, 160), 10)]];
    const result = scan({ swaths, boundary, exclusions, passHeadingDeg: -10, layerRowEvery: 1 });
    const layers = result.layers;
    if (layers === null) throw new Error('no layers');
    const measured = { treated: result.areas.treatedM2, overlap: result.areas.overlapM2, offTarget: result.areas.offTargetM2, skipped: result.areas.skippedM2 };
    for (const name of LAYERS) {
      const rings = traceLayer(layers[name], result.layerRowStepM, result.frame, 0.01);
      const traced = rings.reduce((sum, ring) => sum + Math.abs(ringArea(ring)), 0);
      expect(Math.abs(traced - measured[name])).toBeLessThan(0.01 * Math.max(measured[name], 100));
    }
    expect(measured.skipped).toBeGreaterThan(0);
  });

  it('refuses work beyond its bound before scanning', () => {
    const swaths = Array.from({ length: 200 }, (_, i) => rotate(rect(0, 0, 400, 4000), i * 1.7));
    expect(() => scan({ swaths, maxCrossings: 100_000 })).toThrow(StatisticsError);
  });

  it('measures a far-apart field without coarsening the rows', () => {
    const near = scan({ swaths: [rect(0, 0, 20, 100)], boundary: [rect(0, 0, 20, 100)] });
    const far = scan({ swaths: [rect(0, 0, 20, 100)], boundary: [rect(0, 900_000, 20, 900_100)] });
    expect(far.rowStepM).toBe(near.rowStepM);
    expect(far.areas.treatedM2).toBeCloseTo(2000, 6);
    expect(far.areas.insideM2).toBe(0);
    expect(flatRingArea(rect(0, 0, 2, 3))).toBe(6);
  });
});
