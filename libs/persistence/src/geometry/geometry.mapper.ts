import { InvalidGeometryError, type AreaGeometry, type LinearRing, type Polygon, type Position } from '@agair/domain-models';

/*
 * FerretDB 1.x cannot store an array directly inside an array, so GeoJSON `coordinates`
 * (arrays of arrays of [lon, lat] pairs) never reach the database as they are. At the
 * repository boundary each ring becomes an object holding a flat [lon, lat, lon, lat, …]
 * array, and each polygon an object holding its rings. Numbers are copied unchanged (BSON
 * doubles are the same IEEE-754 doubles), except that -0 is written as 0: FerretDB drops the
 * sign of zero and MongoDB keeps it, and the two must read back the same.
 */

export interface StoredRing {
  /** lon0, lat0, lon1, lat1, … — the ring's positions in order, closing position included. */
  flat: number[];
}

export interface StoredPolygon {
  /** Exterior ring first, then holes, as in GeoJSON. */
  rings: StoredRing[];
}

/** A Polygon is stored as one entry of `polygons`, a MultiPolygon as one per part. */
export interface StoredAreaGeometry {
  type: 'Polygon' | 'MultiPolygon';
  polygons: StoredPolygon[];
}

/** Plain numbers, so coarse "which jobs are near here" queries need no geo index. Degrees, WGS84. */
export interface BoundingBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export function toStoredRing(ring: LinearRing, path = ''): StoredRing {
  const flat = new Array<number>(ring.length * 2);
  ring.forEach((position, i) => {
    if (position.length !== 2) throw new InvalidGeometryError([`${path}/${i}: a position must be [lon, lat]`]);
    flat[2 * i] = storableCoordinate(position[0], `${path}/${i}/0`);
    flat[2 * i + 1] = storableCoordinate(position[1], `${path}/${i}/1`);
  });
  return { flat };
}

export function fromStoredRing(stored: StoredRing): LinearRing {
  const { flat } = stored;
  if (!Array.isArray(flat) || flat.length % 2 !== 0) throw new Error('stored ring is corrupt: flat coordinates must come in pairs');
  const ring: Position[] = new Array<Position>(flat.length / 2);
  for (let i = 0; i < ring.length; i++) ring[i] = [flat[2 * i], flat[2 * i + 1]];
  return ring;
}

export function toStoredPolygon(polygon: Polygon, path = ''): StoredPolygon {
  return { rings: polygon.coordinates.map((ring, i) => toStoredRing(ring, `${path}/coordinates/${i}`)) };
}

export function fromStoredPolygon(stored: StoredPolygon): Polygon {
  return { type: 'Polygon', coordinates: stored.rings.map(fromStoredRing) };
}

export function toStoredArea(geometry: AreaGeometry, path = ''): StoredAreaGeometry {
  if (geometry.type === 'Polygon') return { type: 'Polygon', polygons: [toStoredPolygon(geometry, path)] };
  return {
    type: 'MultiPolygon',
    polygons: geometry.coordinates.map((rings, i) => ({
      rings: rings.map((ring, j) => toStoredRing(ring, `${path}/coordinates/${i}/${j}`)),
    })),
  };
}

export function fromStoredArea(stored: StoredAreaGeometry): AreaGeometry {
  if (stored.type === 'Polygon') {
    if (stored.polygons.length !== 1) throw new Error('stored Polygon is corrupt: it must hold exactly one polygon');
    return fromStoredPolygon(stored.polygons[0]);
  }
  return { type: 'MultiPolygon', coordinates: stored.polygons.map((polygon) => polygon.rings.map(fromStoredRing)) };
}

/**
 * The smallest lon/lat box holding every position (exterior rings suffice: holes lie inside).
 * A shape crossing the antimeridian gets a box spanning the globe's width; fields do not.
 */
export function boundingBoxOf(geometry: AreaGeometry): BoundingBox {
  const exteriors = geometry.type === 'Polygon' ? [geometry.coordinates[0]] : geometry.coordinates.map((rings) => rings[0]);
  const box = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
  for (const ring of exteriors) {
    for (const [lon, lat] of ring ?? []) {
      box.minLon = Math.min(box.minLon, lon);
      box.maxLon = Math.max(box.maxLon, lon);
      box.minLat = Math.min(box.minLat, lat);
      box.maxLat = Math.max(box.maxLat, lat);
    }
  }
  if (!Number.isFinite(box.minLon)) throw new InvalidGeometryError(['geometry has no positions']);
  return { minLon: box.minLon + 0, minLat: box.minLat + 0, maxLon: box.maxLon + 0, maxLat: box.maxLat + 0 };
}

/** Whether two boxes overlap (touching edges count). */
export function boxesIntersect(a: BoundingBox, b: BoundingBox): boolean {
  return a.minLon <= b.maxLon && b.minLon <= a.maxLon && a.minLat <= b.maxLat && b.minLat <= a.maxLat;
}

function storableCoordinate(value: number, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidGeometryError([`${path}: coordinate must be a finite number`]);
  }
  // x + 0 turns -0 into 0 and leaves every other double unchanged.
  return value + 0;
}
