import type { GeoJsonMultiPolygon, GeoJsonPolygon, LonLat } from '../geometry/geojson.types.js';
import type { PlanarProjection } from './planar-projection.js';

export type XY = [number, number];
export type Ring = XY[];
/** A polygon is [outer, ...holes]. */
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
