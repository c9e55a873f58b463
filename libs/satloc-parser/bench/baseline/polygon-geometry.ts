import * as polyclipTs from 'polyclip-ts';

/** The clipping library: polyclip-ts (the engine before the scanline one) or polygon-clipping (same API, doubles). */
interface ClippingLibrary {
  union(geom: MultiPoly, ...geoms: MultiPoly[]): MultiPoly;
  intersection(geom: MultiPoly, ...geoms: MultiPoly[]): MultiPoly;
  difference(geom: MultiPoly, ...geoms: MultiPoly[]): MultiPoly;
}
let polyclip: ClippingLibrary = polyclipTs as unknown as ClippingLibrary;

export function useClippingLibrary(library: ClippingLibrary): void {
  polyclip = library;
}
import type { GeoJsonMultiPolygon, GeoJsonPolygon, LonLat } from '../../src/geometry/geojson.types.js';
import type { PlanarProjection } from '../../src/statistics/planar-projection.js';

export type XY = [number, number];
export type Ring = XY[];
/** polyclip-ts shapes: a polygon is [outer, ...holes]. */
export type Poly = Ring[];
export type MultiPoly = Poly[];

export function ringArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, n = ring.length; i < n; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % n];
    sum += a[0] * b[1] - b[0] * a[1];
  }
  return sum / 2;
}

export function multiPolyArea(geom: MultiPoly): number {
  let total = 0;
  for (const poly of geom) {
    poly.forEach((ring, i) => {
      const a = Math.abs(ringArea(ring));
      total += i === 0 ? a : -a;
    });
  }
  return Math.max(0, total);
}

export function union(geoms: MultiPoly[]): MultiPoly {
  const parts = geoms.filter((g) => g.length > 0);
  if (parts.length === 0) return [];
  if (parts.length === 1) return polyclip.union(parts[0]);
  return polyclip.union(parts[0], ...parts.slice(1));
}

/** Union of many shapes in groups, then of the group results: far cheaper than folding one by one. */
export function unionAll(geoms: MultiPoly[], groupSize = 24): MultiPoly {
  let level = geoms.filter((g) => g.length > 0);
  if (level.length === 0) return [];
  while (level.length > 1) {
    const next: MultiPoly[] = [];
    for (let i = 0; i < level.length; i += groupSize) next.push(union(level.slice(i, i + groupSize)));
    level = next;
  }
  return polyclip.union(level[0]);
}

export function intersection(a: MultiPoly, b: MultiPoly): MultiPoly {
  if (a.length === 0 || b.length === 0) return [];
  return polyclip.intersection(a, b);
}

export function difference(a: MultiPoly, b: MultiPoly): MultiPoly {
  if (a.length === 0) return [];
  if (b.length === 0) return polyclip.union(a);
  return polyclip.difference(a, b);
}

export interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function boxOf(points: readonly XY[]): Box {
  const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const [x, y] of points) {
    if (x < box.minX) box.minX = x;
    if (y < box.minY) box.minY = y;
    if (x > box.maxX) box.maxX = x;
    if (y > box.maxY) box.maxY = y;
  }
  return box;
}

export function boxesOverlap(a: Box, b: Box, margin = 0): boolean {
  return a.minX - margin <= b.maxX && b.minX - margin <= a.maxX && a.minY - margin <= b.maxY && b.minY - margin <= a.maxY;
}

/** Douglas–Peucker: drops vertices closer than `toleranceM` to the simplified line. */
export function simplifyPolyline(points: XY[], toleranceM: number): XY[] {
  if (points.length <= 2) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack: [number, number][] = [[0, points.length - 1]];
  const tol2 = toleranceM * toleranceM;
  while (stack.length > 0) {
    const [first, last] = stack.pop() as [number, number];
    let worst = -1;
    let worstD2 = tol2;
    for (let i = first + 1; i < last; i++) {
      const d2 = segmentDistance2(points[i], points[first], points[last]);
      if (d2 > worstD2) {
        worstD2 = d2;
        worst = i;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([first, worst], [worst, last]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

export function segmentDistance2(p: XY, a: XY, b: XY): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = a[0] + t * dx - p[0];
  const ey = a[1] + t * dy - p[1];
  return ex * ex + ey * ey;
}

/** Smallest distance between two polylines (0 if they cross). */
export function polylineDistance(a: XY[], b: XY[]): number {
  let best = Infinity;
  if (a.length === 1 || b.length === 1) {
    for (const p of a) for (const q of b) best = Math.min(best, Math.hypot(p[0] - q[0], p[1] - q[1]));
    if (a.length === 1) for (let j = 0; j + 1 < b.length; j++) best = Math.min(best, Math.sqrt(segmentDistance2(a[0], b[j], b[j + 1])));
    if (b.length === 1) for (let i = 0; i + 1 < a.length; i++) best = Math.min(best, Math.sqrt(segmentDistance2(b[0], a[i], a[i + 1])));
    return best;
  }
  for (let i = 0; i + 1 < a.length; i++) {
    for (let j = 0; j + 1 < b.length; j++) {
      if (segmentsCross(a[i], a[i + 1], b[j], b[j + 1])) return 0;
      const d2 = Math.min(
        segmentDistance2(a[i], b[j], b[j + 1]),
        segmentDistance2(a[i + 1], b[j], b[j + 1]),
        segmentDistance2(b[j], a[i], a[i + 1]),
        segmentDistance2(b[j + 1], a[i], a[i + 1]),
      );
      if (d2 < best) best = d2;
    }
  }
  return Math.sqrt(best);
}

function segmentsCross(p1: XY, p2: XY, q1: XY, q2: XY): boolean {
  const o = (a: XY, b: XY, c: XY): number => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
  return o(p1, p2, q1) * o(p1, p2, q2) < 0 && o(q1, q2, p1) * o(q1, q2, p2) < 0;
}

export function projectPolygon(coordinates: readonly (readonly LonLat[])[], projection: PlanarProjection): Poly {
  return coordinates.map((ring) => ring.map(([lon, lat]): XY => [projection.x(lon), projection.y(lat)]));
}

export function projectGeoJson(geometry: GeoJsonPolygon | GeoJsonMultiPolygon, projection: PlanarProjection): MultiPoly {
  return geometry.type === 'Polygon'
    ? [projectPolygon(geometry.coordinates, projection)]
    : geometry.coordinates.map((polygon) => projectPolygon(polygon, projection));
}

const round8 = (v: number): number => Math.round(v * 1e8) / 1e8;

/** Planar shape → RFC 7946 MultiPolygon: closed rings, outer counter-clockwise, holes clockwise, [lon, lat]. */
export function toGeoJsonMultiPolygon(geom: MultiPoly, projection: PlanarProjection): GeoJsonMultiPolygon {
  const coordinates: LonLat[][][] = [];
  for (const poly of geom) {
    const rings: LonLat[][] = [];
    poly.forEach((ring, i) => {
      if (i > 0 && rings.length === 0) return; // holes of a degenerate outer ring
      if (ring.length < 3) return;
      const closed = ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1] ? ring : [...ring, ring[0]];
      if (closed.length < 4) return;
      const wantPositive = i === 0;
      const oriented = ringArea(closed) > 0 === wantPositive ? closed : [...closed].reverse();
      rings.push(oriented.map(([x, y]) => {
        const [lon, lat] = projection.toLonLat(x, y);
        return [round8(lon), round8(lat)];
      }));
    });
    if (rings.length > 0) coordinates.push(rings);
  }
  return { type: 'MultiPolygon', coordinates };
}
