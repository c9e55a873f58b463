import type { PlanarPoint, PlanarRing } from './field-shapes.js';
import type { GroundTruth } from './flight-simulator.types.js';

/** A sprayed rectangle in the pass frame (u along the passes, v across). */
export interface TruthRectangle {
  u0: number;
  u1: number;
  v0: number;
  v1: number;
}

export interface GroundTruthAreas {
  treatedAreaM2: number;
  overlapAreaM2: number;
  insideFieldAreaM2: number;
  offTargetAreaM2: number;
  skippedAreaM2: number;
  fieldAreaM2: number;
}

/**
 * Areas from the flight plan, independent of the statistics code and of any polygon library:
 * the plane is cut into thin strips across the passes (at every rectangle edge and polygon
 * vertex, then at most `stepM` wide), and on the centre line of each strip the sprayed and
 * field intervals are measured exactly. Rectangles are axis-aligned in this frame, so only the
 * slanted field edges are sampled; the error shrinks with `stepM`.
 */
export function rasteriseGroundTruth(
  rectangles: readonly TruthRectangle[],
  boundaryUv: PlanarRing,
  exclusionsUv: readonly PlanarRing[],
  stepM: number,
): GroundTruthAreas {
  const breaks: number[] = [];
  for (const r of rectangles) breaks.push(r.v0, r.v1);
  for (const ring of [boundaryUv, ...exclusionsUv]) for (const [, v] of ring) breaks.push(v);
  breaks.sort((a, b) => a - b);
  // Rows go up in v, so only the rectangles spanning the current row are kept at hand.
  const byV0 = rectangles.filter((r) => r.u1 > r.u0 && r.v1 > r.v0).sort((x, y) => x.v0 - y.v0);
  let nextRectangle = 0;
  let spanning: TruthRectangle[] = [];
  let treated = 0;
  let overlap = 0;
  let inside = 0;
  let fieldLength = 0;
  for (let i = 0; i + 1 < breaks.length; i++) {
    const a = breaks[i];
    const b = breaks[i + 1];
    if (b - a <= 1e-12) continue;
    const n = Math.ceil((b - a) / stepM);
    const h = (b - a) / n;
    for (let k = 0; k < n; k++) {
      const v = a + (k + 0.5) * h;
      while (nextRectangle < byV0.length && byV0[nextRectangle].v0 <= v) spanning.push(byV0[nextRectangle++]);
      spanning = spanning.filter((r) => v < r.v1);
      const row = measureRow(v, spanning, boundaryUv, exclusionsUv);
      treated += row.treated * h;
      overlap += row.overlap * h;
      inside += row.inside * h;
      fieldLength += row.field * h;
    }
  }
  const fieldAreaM2 = Math.abs(ringArea(boundaryUv)) - exclusionsUv.reduce((sum, ring) => sum + Math.abs(ringArea(ring)), 0);
  return {
    treatedAreaM2: treated,
    overlapAreaM2: overlap,
    insideFieldAreaM2: inside,
    offTargetAreaM2: treated - inside,
    skippedAreaM2: Math.max(0, fieldLength - inside),
    fieldAreaM2,
  };
}

/** A boom-on interval as flown along a line: where (pass frame) and when (ms). */
export interface SprayedStrip {
  v: number;
  uOn: number;
  uOff: number;
  onMs: number;
  offMs: number;
}

export interface TruthSettings {
  swathWidthM: number;
  flowLPerMin: number;
  boundaryUv: PlanarRing;
  exclusionsUv: readonly PlanarRing[];
  stepM: number;
}

/** The truth of any set of strips (one log, or every log of a job): each strip sprays a full-swath rectangle. */
export function groundTruthOf(strips: readonly SprayedStrip[], settings: TruthSettings): GroundTruth {
  const half = settings.swathWidthM / 2;
  const rectangles = strips.map((s) => ({ u0: Math.min(s.uOn, s.uOff), u1: Math.max(s.uOn, s.uOff), v0: s.v - half, v1: s.v + half }));
  const areas = rasteriseGroundTruth(rectangles, settings.boundaryUv, settings.exclusionsUv, settings.stepM);
  const sprayMs = strips.reduce((sum, s) => sum + (s.offMs - s.onMs), 0);
  return {
    fieldAreaHa: areas.fieldAreaM2 / 1e4,
    treatedAreaHa: areas.treatedAreaM2 / 1e4,
    overlapAreaHa: areas.overlapAreaM2 / 1e4,
    insideBoundaryAreaHa: areas.insideFieldAreaM2 / 1e4,
    offTargetAreaHa: areas.offTargetAreaM2 / 1e4,
    skippedAreaHa: areas.skippedAreaM2 / 1e4,
    volumeAppliedL: (settings.flowLPerMin * sprayMs) / 60000,
    sprayTimeS: sprayMs / 1000,
    sprayedDistanceM: strips.reduce((sum, s) => sum + Math.abs(s.uOff - s.uOn), 0),
    passCount: strips.length,
  };
}

function measureRow(v: number, rectangles: readonly TruthRectangle[], boundary: PlanarRing, exclusions: readonly PlanarRing[]) {
  // Events: [u, deltaCoverage, deltaField].
  const events: [number, number, number][] = [];
  for (const r of rectangles) {
    if (v >= r.v0 && v < r.v1 && r.u1 > r.u0) events.push([r.u0, 1, 0], [r.u1, -1, 0]);
  }
  for (const [s, e] of ringIntervals(boundary, v)) events.push([s, 0, 1], [e, 0, -1]);
  for (const ring of exclusions) for (const [s, e] of ringIntervals(ring, v)) events.push([s, 0, -1], [e, 0, 1]);
  events.sort((x, y) => x[0] - y[0]);
  let coverage = 0;
  let field = 0;
  let treated = 0;
  let overlap = 0;
  let inside = 0;
  let fieldLength = 0;
  for (let i = 0; i < events.length; i++) {
    coverage += events[i][1];
    field += events[i][2];
    const len = i + 1 < events.length ? events[i + 1][0] - events[i][0] : 0;
    if (len <= 0) continue;
    if (coverage >= 1) treated += len;
    if (coverage >= 2) overlap += len;
    if (field >= 1) fieldLength += len;
    if (coverage >= 1 && field >= 1) inside += len;
  }
  return { treated, overlap, inside, field: fieldLength };
}

/** Intervals of u where the horizontal line at v is inside the ring (even–odd rule). */
export function ringIntervals(ring: PlanarRing, v: number): [number, number][] {
  const xs: number[] = [];
  for (let i = 0; i < ring.length; i++) {
    const [ua, va] = ring[i];
    const [ub, vb] = ring[(i + 1) % ring.length];
    if (va <= v !== vb <= v) xs.push(ua + ((v - va) * (ub - ua)) / (vb - va));
  }
  xs.sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < xs.length; i += 2) out.push([xs[i], xs[i + 1]]);
  return out;
}

/** Signed shoelace area. */
export function ringArea(ring: readonly PlanarPoint[]): number {
  let sum = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[(i + 1) % ring.length];
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}
