import { describe, expect, it } from 'vitest';
import { InvalidGeometryError } from './errors.js';
import {
  AreaGeometrySchema,
  FeatureCollectionSchema,
  FeatureSchema,
  LinearRingSchema,
  MultiPolygonSchema,
  PolygonSchema,
  PositionSchema,
  type LinearRing,
  type Polygon,
  type Position,
} from './geo.schema.js';
import { assertValidGeometry, geometryProblems, linearRingProblems } from './geo.validator.js';
import { schemaProblems } from './validation.js';

// A quarter section in Saskatchewan, with a farmyard cut out.
const field: LinearRing = [
  [-106.6421, 52.1302],
  [-106.6301, 52.1302],
  [-106.6301, 52.1375],
  [-106.6421, 52.1375],
  [-106.6421, 52.1302],
];
const yard: LinearRing = [
  [-106.6405, 52.1310],
  [-106.6390, 52.1310],
  [-106.6390, 52.1318],
  [-106.6405, 52.1310],
];
const polygon: Polygon = { type: 'Polygon', coordinates: [field, yard] };

describe('Position', () => {
  it('accepts [lon, lat] within WGS84 ranges, including the edges', () => {
    for (const p of [[-106.6421, 52.1302], [180, 90], [-180, -90], [0, 0]]) expect(schemaProblems(PositionSchema, p)).toEqual([]);
  });

  it('rejects out-of-range longitude and latitude, naming the coordinate', () => {
    expect(schemaProblems(PositionSchema, [180.0001, 10])).toEqual([expect.stringMatching(/^\/0: /)]);
    expect(schemaProblems(PositionSchema, [10, -90.5])).toEqual([expect.stringMatching(/^\/1: /)]);
  });

  it('rejects lat/lon written as strings, a missing latitude, and an altitude', () => {
    expect(schemaProblems(PositionSchema, ['-106.6', '52.1']).length).toBeGreaterThan(0);
    expect(schemaProblems(PositionSchema, [-106.6]).length).toBeGreaterThan(0);
    expect(schemaProblems(PositionSchema, [-106.6, 52.1, 500]).length).toBeGreaterThan(0);
  });
});

describe('LinearRing', () => {
  it('needs at least four positions', () => {
    expect(schemaProblems(LinearRingSchema, field)).toEqual([]);
    expect(schemaProblems(LinearRingSchema, field.slice(0, 3))).toEqual([expect.stringContaining('/: ')]);
  });
});

describe('Polygon, MultiPolygon, Feature, FeatureCollection', () => {
  const multi = { type: 'MultiPolygon', coordinates: [[field], [yard]] };
  const feature = { type: 'Feature', id: 'north-quarter', geometry: polygon, properties: { crop: 'canola' } };

  it('accept realistic values', () => {
    expect(schemaProblems(PolygonSchema, polygon)).toEqual([]);
    expect(schemaProblems(MultiPolygonSchema, multi)).toEqual([]);
    expect(schemaProblems(AreaGeometrySchema, multi)).toEqual([]);
    expect(schemaProblems(FeatureSchema, feature)).toEqual([]);
    expect(schemaProblems(FeatureSchema, { ...feature, properties: null })).toEqual([]);
    expect(schemaProblems(FeatureCollectionSchema, { type: 'FeatureCollection', features: [feature] })).toEqual([]);
  });

  it('reject a wrong type tag, a polygon without rings, a foreign member and a point feature', () => {
    expect(schemaProblems(PolygonSchema, { ...polygon, type: 'polygon' })).toEqual([expect.stringContaining('/type')]);
    expect(schemaProblems(PolygonSchema, { type: 'Polygon', coordinates: [] })).toEqual([expect.stringContaining('/coordinates')]);
    expect(schemaProblems(PolygonSchema, { ...polygon, crs: 'EPSG:4326' })).toEqual(['/: unknown property crs']);
    expect(schemaProblems(FeatureSchema, { ...feature, geometry: { type: 'Point', coordinates: [0, 0] } }).length).toBeGreaterThan(0);
  });

  it('reject an out-of-range position deep inside a multipolygon, with its path', () => {
    const bad = { type: 'MultiPolygon', coordinates: [[field], [[...yard.slice(0, 2), [-106.6, 95], yard[0]]]] };
    expect(schemaProblems(MultiPolygonSchema, bad)).toContainEqual(expect.stringMatching(/^\/coordinates\/1\/0\/2\/1: /));
  });
});

describe('geometryProblems', () => {
  it('finds nothing wrong with closed rings', () => {
    expect(geometryProblems(polygon)).toEqual([]);
    expect(geometryProblems({ type: 'MultiPolygon', coordinates: [[field], [yard]] })).toEqual([]);
  });

  it('reports an open ring with its path and both end positions', () => {
    const open: LinearRing = [...field.slice(0, 4), [-106.6420, 52.1302]];
    expect(geometryProblems({ type: 'Polygon', coordinates: [field, open] }, '/boundary')).toEqual([
      '/boundary/coordinates/1: ring is not closed: first position [-106.6421, 52.1302] differs from last [-106.642, 52.1302]',
    ]);
  });

  it('finds open rings inside multipolygons, features and collections', () => {
    const open: LinearRing = field.slice(0, 4);
    const feature = { type: 'Feature' as const, geometry: { type: 'MultiPolygon' as const, coordinates: [[field], [field, open]] }, properties: null };
    expect(geometryProblems({ type: 'FeatureCollection', features: [feature, feature] })).toEqual([
      expect.stringMatching(/^\/features\/0\/geometry\/coordinates\/1\/1: ring is not closed/),
      expect.stringMatching(/^\/features\/1\/geometry\/coordinates\/1\/1: ring is not closed/),
    ]);
  });

  it('rejects a ring that encloses no area', () => {
    const p: Position = [-106.6, 52.1];
    const q: Position = [-106.5, 52.1];
    expect(linearRingProblems([p, q, p, p], '/r')).toEqual([
      '/r: ring has 2 distinct positions; it needs at least 3 to enclose an area',
    ]);
  });

  it('reports too few positions when called without a schema check', () => {
    expect(linearRingProblems(field.slice(0, 2))).toEqual(['/: ring has 2 positions; a closed ring needs at least 4']);
  });

  it('assertValidGeometry throws InvalidGeometryError listing the problems', () => {
    const open = { type: 'Polygon' as const, coordinates: [field.slice(0, 4)] };
    expect(() => assertValidGeometry(open, '/boundary')).toThrow(InvalidGeometryError);
    try {
      assertValidGeometry(open, '/boundary');
    } catch (err) {
      expect((err as InvalidGeometryError).code).toBe('INVALID_GEOMETRY');
      expect((err as InvalidGeometryError).problems).toEqual([expect.stringContaining('/boundary/coordinates/0: ring is not closed')]);
    }
    expect(() => assertValidGeometry(polygon)).not.toThrow();
  });
});
