import { Type, type Static } from 'typebox';

/*
 * GeoJSON (RFC 7946) in WGS84, limited to what the platform exchanges: areas. The schemas
 * check structure and ranges; what JSON Schema cannot say (a ring's first and last positions
 * are equal) is checked by `geometryProblems` in geo.validator.ts. Storage needs a different
 * shape (no nested arrays on FerretDB); the persistence library maps it.
 */

export const LongitudeSchema = Type.Number({ minimum: -180, maximum: 180, description: 'degrees east, WGS84' });
export const LatitudeSchema = Type.Number({ minimum: -90, maximum: 90, description: 'degrees north, WGS84' });

/** `[longitude, latitude]` — longitude first, as GeoJSON says. No altitude. */
export const PositionSchema = Type.Tuple([LongitudeSchema, LatitudeSchema], { maxItems: 2, description: '[lon, lat] in degrees, WGS84' });
export type Position = Static<typeof PositionSchema>;

/** Upper bounds keep a request body small enough to validate and store; real fields are far below. */
export const MAX_RING_POSITIONS = 10_000;
export const MAX_POLYGON_HOLES = 100;
export const MAX_MULTIPOLYGON_PARTS = 100;
export const MAX_FEATURES = 1_000;

/** A closed ring: at least four positions, the last equal to the first. */
export const LinearRingSchema = Type.Array(PositionSchema, {
  minItems: 4,
  maxItems: MAX_RING_POSITIONS,
  description: 'closed ring: ≥ 4 positions, last equals first',
});
export type LinearRing = Static<typeof LinearRingSchema>;

const PolygonRingsSchema = Type.Array(LinearRingSchema, {
  minItems: 1,
  maxItems: 1 + MAX_POLYGON_HOLES,
  description: 'exterior ring first, then holes',
});

export const PolygonSchema = Type.Object(
  {
    type: Type.Literal('Polygon'),
    coordinates: PolygonRingsSchema,
  },
  { additionalProperties: false },
);
export type Polygon = Static<typeof PolygonSchema>;

export const MultiPolygonSchema = Type.Object(
  {
    type: Type.Literal('MultiPolygon'),
    coordinates: Type.Array(PolygonRingsSchema, { minItems: 1, maxItems: MAX_MULTIPOLYGON_PARTS }),
  },
  { additionalProperties: false },
);
export type MultiPolygon = Static<typeof MultiPolygonSchema>;

/** The geometries an area (field boundary, coverage) may take. */
export const AreaGeometrySchema = Type.Union([PolygonSchema, MultiPolygonSchema]);
export type AreaGeometry = Static<typeof AreaGeometrySchema>;

export const FeatureSchema = Type.Object(
  {
    type: Type.Literal('Feature'),
    id: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Number()])),
    geometry: AreaGeometrySchema,
    properties: Type.Union([Type.Record(Type.String(), Type.Unknown(), { maxProperties: 100 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type Feature = Static<typeof FeatureSchema>;

export const FeatureCollectionSchema = Type.Object(
  {
    type: Type.Literal('FeatureCollection'),
    features: Type.Array(FeatureSchema, { maxItems: MAX_FEATURES }),
  },
  { additionalProperties: false },
);
export type FeatureCollection = Static<typeof FeatureCollectionSchema>;
