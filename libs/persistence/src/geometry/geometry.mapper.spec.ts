import { InvalidGeometryError, type MultiPolygon, type Polygon } from '@agair/domain-models';
import { describe, expect, it } from 'vitest';
import { boundingBoxOf, boxesIntersect, fromStoredArea, fromStoredPolygon, toStoredArea, toStoredPolygon } from './geometry.mapper.js';

const field: Polygon = {
  type: 'Polygon',
  coordinates: [
    [
      [-97.123456789012, 38.1],
      [-97.1, 38.100000000000001],
      [-97.1, 38.12],
      [-97.123456789012, 38.12],
      [-97.123456789012, 38.1],
    ],
    [
      [-97.115, 38.105],
      [-97.11, 38.105],
      [-97.11, 38.11],
      [-97.115, 38.105],
    ],
  ],
};

const twoFields: MultiPolygon = {
  type: 'MultiPolygon',
  coordinates: [field.coordinates, [[[10, 50], [10.5, 50], [10.5, 50.25], [10, 50]]]],
};

function containsNestedArray(value: unknown): boolean {
  if (Array.isArray(value)) return value.some((item) => Array.isArray(item) || containsNestedArray(item));
  if (value && typeof value === 'object') return Object.values(value).some(containsNestedArray);
  return false;
}

describe('geometry mapping', () => {
  it('stores a polygon with holes without any array directly inside an array', () => {
    const stored = toStoredArea(field);
    expect(containsNestedArray(stored)).toBe(false);
    expect(stored.polygons[0].rings[0].flat.slice(0, 4)).toEqual([-97.123456789012, 38.1, -97.1, 38.100000000000001]);
    expect(stored.polygons[0].rings).toHaveLength(2);
  });

  it('round-trips a Polygon and a MultiPolygon exactly, bit for bit', () => {
    expect(fromStoredArea(toStoredArea(field))).toStrictEqual(field);
    expect(fromStoredArea(toStoredArea(twoFields))).toStrictEqual(twoFields);
    expect(containsNestedArray(toStoredArea(twoFields))).toBe(false);
  });

  it('round-trips awkward doubles without precision loss', () => {
    const awkward: Polygon = {
      type: 'Polygon',
      coordinates: [[[0.1 + 0.2, Number.MIN_VALUE], [179.99999999999997, -89.99999999999999], [-180, 90], [0.1 + 0.2, Number.MIN_VALUE]]],
    };
    const back = fromStoredPolygon(toStoredPolygon(awkward));
    back.coordinates[0].forEach((position, i) => {
      expect(Object.is(position[0], awkward.coordinates[0][i][0])).toBe(true);
      expect(Object.is(position[1], awkward.coordinates[0][i][1])).toBe(true);
    });
  });

  it('writes -0 as 0, since FerretDB would drop the sign and MongoDB keep it', () => {
    const stored = toStoredPolygon({ type: 'Polygon', coordinates: [[[-0, 0], [1, 0], [1, 1], [-0, 0]]] });
    expect(Object.is(stored.rings[0].flat[0], 0)).toBe(true);
  });

  it('refuses coordinates no server can store, naming where they are', () => {
    const bad = { type: 'Polygon', coordinates: [[[0, 0], [1, Number.NaN], [1, 1], [0, 0]]] } as Polygon;
    expect(() => toStoredArea(bad, '/boundary')).toThrow(InvalidGeometryError);
    expect(() => toStoredArea(bad, '/boundary')).toThrow('/boundary/coordinates/0/1/1');
  });

  it('rejects a corrupt stored ring instead of inventing positions', () => {
    expect(() => fromStoredPolygon({ rings: [{ flat: [1, 2, 3] }] })).toThrow('pairs');
  });

  it('computes the bounding box from the exterior rings of every part', () => {
    expect(boundingBoxOf(field)).toEqual({ minLon: -97.123456789012, minLat: 38.1, maxLon: -97.1, maxLat: 38.12 });
    expect(boundingBoxOf(twoFields)).toEqual({ minLon: -97.123456789012, minLat: 38.1, maxLon: 10.5, maxLat: 50.25 });
  });

  it('tells overlapping boxes from disjoint ones', () => {
    const box = boundingBoxOf(field);
    expect(boxesIntersect(box, { minLon: -97.11, minLat: 38.11, maxLon: -90, maxLat: 40 })).toBe(true);
    expect(boxesIntersect(box, { minLon: -97.0, minLat: 38.11, maxLon: -90, maxLat: 40 })).toBe(false);
  });
});
