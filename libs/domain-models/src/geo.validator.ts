import { InvalidGeometryError } from './errors.js';
import type { AreaGeometry, Feature, FeatureCollection, LinearRing, Position } from './geo.schema.js';

type GeoJsonArea = AreaGeometry | Feature | FeatureCollection;

/**
 * Rules JSON Schema cannot express, for a value that already passed its schema: every ring is
 * closed (last position equals first) and encloses an area (at least three distinct
 * positions). Returns one message per problem with the ring's JSON pointer under `basePath`,
 * e.g. `/boundary/coordinates/0: ring is not closed …`; empty when the geometry is sound.
 * Self-intersection and winding order are not checked (RFC 7946 says not to reject on winding).
 */
export function geometryProblems(geometry: GeoJsonArea, basePath = ''): string[] {
  switch (geometry.type) {
    case 'Polygon':
      return polygonProblems(geometry.coordinates, `${basePath}/coordinates`);
    case 'MultiPolygon':
      return geometry.coordinates.flatMap((rings, i) => polygonProblems(rings, `${basePath}/coordinates/${i}`));
    case 'Feature':
      return geometryProblems(geometry.geometry, `${basePath}/geometry`);
    case 'FeatureCollection':
      return geometry.features.flatMap((feature, i) => geometryProblems(feature, `${basePath}/features/${i}`));
  }
}

/** Throws `InvalidGeometryError` listing every problem `geometryProblems` finds. */
export function assertValidGeometry(geometry: GeoJsonArea, basePath = ''): void {
  const problems = geometryProblems(geometry, basePath);
  if (problems.length > 0) throw new InvalidGeometryError(problems);
}

/** Problems of one ring; `path` is its JSON pointer. */
export function linearRingProblems(ring: LinearRing, path = ''): string[] {
  const where = path === '' ? '/' : path;
  if (ring.length < 4) return [`${where}: ring has ${ring.length} positions; a closed ring needs at least 4`];
  const problems: string[] = [];
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (!samePosition(first, last)) {
    problems.push(`${where}: ring is not closed: first position ${show(first)} differs from last ${show(last)}`);
  }
  const distinct = new Set(ring.map(([lon, lat]) => `${lon},${lat}`));
  if (distinct.size < 3) problems.push(`${where}: ring has ${distinct.size} distinct positions; it needs at least 3 to enclose an area`);
  return problems;
}

function polygonProblems(rings: readonly LinearRing[], path: string): string[] {
  return rings.flatMap((ring, i) => linearRingProblems(ring, `${path}/${i}`));
}

function samePosition(a: Position, b: Position): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

function show([lon, lat]: Position): string {
  return `[${lon}, ${lat}]`;
}
