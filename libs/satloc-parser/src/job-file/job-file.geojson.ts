import type { GeoJsonMultiPolygon, GeoJsonPolygon, LonLat } from '../geometry/geojson.types.js';
import { JobFileError, type JobFile, type JobPolygon } from './job-file.types.js';

/**
 * Builds a `.JOB` from GeoJSON: each boundary polygon's outer ring becomes an INC polygon,
 * its holes and every exclusion polygon become EXC polygons. Numbered from 1 in that order.
 */
export function jobFileFromGeoJson(
  jobNumber: number,
  name: string,
  boundary: GeoJsonPolygon | GeoJsonMultiPolygon,
  exclusions: readonly GeoJsonPolygon[] = [],
  version: 1 | 2 = 2,
): JobFile {
  const polygons: JobPolygon[] = [];
  const boundaryPolygons = boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.coordinates;
  let boundaryCount = 0;
  let exclusionCount = 0;
  const add = (kind: 'INC' | 'EXC', ring: readonly LonLat[]): void => {
    const open = openRing(ring);
    if (open.length < 3) throw new JobFileError('INVALID_JOB', 0, `a ${kind} ring has fewer than 3 distinct vertices`);
    const label = kind === 'INC' ? `Boundary ${++boundaryCount}` : `Exclusion ${++exclusionCount}`;
    polygons.push({ index: polygons.length + 1, label, kind, ring: open.map(([lon, lat]) => [lon, lat]) });
  };
  for (const polygon of boundaryPolygons) {
    polygon.forEach((ring, i) => add(i === 0 ? 'INC' : 'EXC', ring));
  }
  for (const exclusion of exclusions) {
    exclusion.coordinates.forEach((ring) => add('EXC', ring));
  }
  return { jobNumber, name, version, polygons };
}

export interface JobFileGeometry {
  /** All INC polygons (closed rings). */
  boundary: GeoJsonMultiPolygon;
  /** One polygon per EXC ring (closed). */
  exclusions: GeoJsonPolygon[];
}

/** The inverse of {@link jobFileFromGeoJson}: INC rings → boundary, EXC rings → exclusions. */
export function jobFileToGeoJson(job: JobFile): JobFileGeometry {
  const boundary: GeoJsonMultiPolygon = { type: 'MultiPolygon', coordinates: [] };
  const exclusions: GeoJsonPolygon[] = [];
  for (const polygon of job.polygons) {
    const ring = closeRing(polygon.ring);
    if (polygon.kind === 'INC') boundary.coordinates.push([ring]);
    else exclusions.push({ type: 'Polygon', coordinates: [ring] });
  }
  return { boundary, exclusions };
}

function openRing(ring: readonly LonLat[]): readonly LonLat[] {
  if (ring.length > 1) {
    const first = ring[0];
    const last = ring[ring.length - 1];
    if (first[0] === last[0] && first[1] === last[1]) return ring.slice(0, -1);
  }
  return ring;
}

function closeRing(ring: readonly LonLat[]): LonLat[] {
  const closed = ring.map(([lon, lat]): LonLat => [lon, lat]);
  if (closed.length > 0) {
    const first = closed[0];
    const last = closed[closed.length - 1];
    if (first[0] !== last[0] || first[1] !== last[1]) closed.push([first[0], first[1]]);
  }
  return closed;
}
