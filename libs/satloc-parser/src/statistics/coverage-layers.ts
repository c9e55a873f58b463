import type { GeoJsonMultiPolygon } from '../geometry/geojson.types.js';
import { LAYERS, scanCoverage, type LayerName, type PlanarRingXY } from './coverage-scan.js';
import { traceLayer } from './layer-tracer.js';
import { toGeoJsonMultiPolygon, type MultiPoly } from './planar-geometry.js';
import type { PlanarProjection } from './planar-projection.js';

/** Row spacing of the coverage scan: edges along the passes are exact, edges across them are sampled at this step. */
export const ROW_STEP_M = 0.5;
/** A field 20 km long still scans at 0.5 m; longer extents get a coarser step. */
const MAX_ROWS = 40_000;
/**
 * The engine's work bound: edge–row crossings. A noisy 600 ha log needs ~2 M; 40 M is ~1 s
 * of CPU. Beyond it the log fails with TOO_COMPLEX instead of holding a worker.
 */
export const MAX_CROSSINGS = 40_000_000;
/** Layer outlines use every 4th row (2 m along the passes): enough for a map, a quarter of the work. */
const LAYER_ROW_EVERY = 4;
/** Outline simplification of the traced layers (the areas come from the scan, not the outlines). */
const OUTLINE_TOLERANCE_M = 0.05;

export interface CoverageInput {
  swaths: readonly PlanarRingXY[];
  boundary: MultiPoly;
  exclusions: readonly MultiPoly[];
  /** Boundary minus exclusions, exact (from the rings, in a projection centred on the field). */
  fieldAreaM2: number;
  projection: PlanarProjection;
  withLayers: boolean;
}

export interface CoverageFigures {
  /** Boundary minus exclusions, from the rings (exact). */
  fieldM2: number;
  treatedM2: number;
  overlapM2: number;
  insideM2: number;
  offTargetM2: number;
  skippedM2: number;
}

export interface CoverageOutcome {
  areas: CoverageFigures;
  layers: Record<LayerName, GeoJsonMultiPolygon> | null;
}

/** Areas and (optionally) the outline of each layer for swaths over a field, all in one scan. */
export function computeCoverage(input: CoverageInput): CoverageOutcome {
  const scan = scanCoverage({
    swaths: input.swaths,
    boundary: input.boundary.flatMap((poly) => poly.map(toFlatRing)),
    exclusions: input.exclusions.map((zone) => zone.flatMap((poly) => poly.map(toFlatRing))),
    passHeadingDeg: meanAxisDeg(input.swaths),
    rowStepM: ROW_STEP_M,
    maxRows: MAX_ROWS,
    layerRowEvery: input.withLayers ? LAYER_ROW_EVERY : 0,
    maxCrossings: MAX_CROSSINGS,
  });
  const fieldM2 = input.fieldAreaM2;
  const a = scan.areas;
  let layers: Record<LayerName, GeoJsonMultiPolygon> | null = null;
  if (scan.layers !== null) {
    const traced = scan.layers;
    layers = Object.fromEntries(
      LAYERS.map((name) => {
        const rings = traceLayer(traced[name], scan.layerRowStepM, scan.frame, OUTLINE_TOLERANCE_M);
        return [name, toGeoJsonMultiPolygon(rings.map((ring) => [ring]), input.projection)];
      }),
    ) as Record<LayerName, GeoJsonMultiPolygon>;
  }
  return {
    areas: {
      fieldM2,
      treatedM2: a.treatedM2,
      overlapM2: a.overlapM2,
      insideM2: a.insideM2,
      offTargetM2: a.offTargetM2,
      skippedM2: Math.max(0, fieldM2 - a.insideM2),
    },
    layers,
  };
}

function toFlatRing(ring: readonly (readonly [number, number])[]): PlanarRingXY {
  const n = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1] ? ring.length - 1 : ring.length;
  const flat = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    flat[2 * i] = ring[i][0];
    flat[2 * i + 1] = ring[i][1];
  }
  return flat;
}

/** Mean direction of the swaths' edges as an axis (a pass and its reverse count the same), weighted by length. */
export function meanAxisDeg(rings: readonly PlanarRingXY[]): number {
  let c = 0;
  let s = 0;
  for (const ring of rings) {
    const n = ring.length >> 1;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      const dx = ring[2 * j] - ring[2 * i];
      const dy = ring[2 * j + 1] - ring[2 * i + 1];
      const len = Math.hypot(dx, dy);
      if (len === 0) continue;
      const angle = 2 * Math.atan2(dx, dy);
      c += Math.cos(angle) * len;
      s += Math.sin(angle) * len;
    }
  }
  return c === 0 && s === 0 ? 0 : (Math.atan2(s, c) * 90) / Math.PI;
}
