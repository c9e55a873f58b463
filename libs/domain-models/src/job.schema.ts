import { Type, type Static } from 'typebox';
import { NameSchema, NotesSchema, ObjectIdStringSchema, TimestampSchema } from './common.schema.js';
import { DisplayUnitsSchema } from './enums.js';
import { AreaGeometrySchema, PolygonSchema } from './geo.schema.js';

export const MAX_EXCLUSIONS = 200;

export const ProductNameSchema = Type.String({ minLength: 1, maxLength: 200, description: 'product sprayed, as written on the label' });

/** Litres per hectare, always; `units` only changes how it is shown and written to a job file. */
export const TargetRateLPerHaSchema = Type.Number({ exclusiveMinimum: 0, maximum: 2000, description: 'target application rate, L/ha' });

const ExclusionsSchema = Type.Array(PolygonSchema, {
  maxItems: MAX_EXCLUSIONS,
  description: 'no-spray zones inside the boundary',
});

/**
 * A spray job: where to apply what. Geometry is GeoJSON (WGS84) here and in APIs; call
 * `fieldProblems` on boundary and exclusions as well as the schema check, since ring closure,
 * self-intersection, containment and the size limits are not in the schema.
 */
export const JobSchema = Type.Object(
  {
    id: ObjectIdStringSchema,
    customerId: ObjectIdStringSchema,
    name: NameSchema,
    boundary: AreaGeometrySchema,
    exclusions: ExclusionsSchema,
    productName: ProductNameSchema,
    targetRateLPerHa: TargetRateLPerHaSchema,
    units: DisplayUnitsSchema,
    notes: NotesSchema,
    active: Type.Boolean(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type Job = Static<typeof JobSchema>;

export const JobViewSchema = JobSchema;
export type JobView = Job;

export const JobCreateSchema = Type.Object(
  {
    customerId: ObjectIdStringSchema,
    name: NameSchema,
    boundary: AreaGeometrySchema,
    exclusions: Type.Optional(ExclusionsSchema),
    productName: ProductNameSchema,
    targetRateLPerHa: TargetRateLPerHaSchema,
    units: DisplayUnitsSchema,
    notes: Type.Optional(NotesSchema),
  },
  { additionalProperties: false },
);
export type JobCreate = Static<typeof JobCreateSchema>;

export const JobUpdateSchema = Type.Object(
  {
    name: Type.Optional(NameSchema),
    boundary: Type.Optional(AreaGeometrySchema),
    exclusions: Type.Optional(ExclusionsSchema),
    productName: Type.Optional(ProductNameSchema),
    targetRateLPerHa: Type.Optional(TargetRateLPerHaSchema),
    units: Type.Optional(DisplayUnitsSchema),
    notes: Type.Optional(NotesSchema),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type JobUpdate = Static<typeof JobUpdateSchema>;
