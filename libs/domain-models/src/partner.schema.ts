import { Type, type Static } from 'typebox';
import { NameSchema, ObjectIdStringSchema, TimestampSchema } from './common.schema.js';
import { PartnerCapabilitySchema, PartnerCodeSchema } from './enums.js';

export const PartnerBaseUrlSchema = Type.String({
  format: 'uri',
  pattern: '^https?://',
  maxLength: 2048,
  description: 'root of the partner API, e.g. https://cloud.satloc.example/api/Satloc',
});

const CapabilitiesSchema = Type.Array(PartnerCapabilitySchema, { uniqueItems: true, maxItems: 4 });

/**
 * A partner guidance system. `code` is immutable and unique: other records refer to it.
 * Soft delete is `active: false`.
 */
export const PartnerSchema = Type.Object(
  {
    id: ObjectIdStringSchema,
    code: PartnerCodeSchema,
    name: NameSchema,
    baseUrl: PartnerBaseUrlSchema,
    capabilities: CapabilitiesSchema,
    active: Type.Boolean(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type Partner = Static<typeof PartnerSchema>;

/** Response body: a partner holds no secret, so the view is the stored shape. */
export const PartnerViewSchema = PartnerSchema;
export type PartnerView = Partner;

/** `POST /api/partners` */
export const PartnerCreateSchema = Type.Object(
  {
    code: PartnerCodeSchema,
    name: NameSchema,
    baseUrl: PartnerBaseUrlSchema,
    capabilities: CapabilitiesSchema,
    active: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type PartnerCreate = Static<typeof PartnerCreateSchema>;

/** `PATCH /api/partners/:id` — the code cannot change. */
export const PartnerUpdateSchema = Type.Object(
  {
    name: Type.Optional(NameSchema),
    baseUrl: Type.Optional(PartnerBaseUrlSchema),
    capabilities: Type.Optional(CapabilitiesSchema),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PartnerUpdate = Static<typeof PartnerUpdateSchema>;
