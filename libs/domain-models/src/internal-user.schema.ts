import { Type, type Static } from 'typebox';
import { EmailSchema, NameSchema, Nullable, ObjectIdStringSchema, PartnerAircraftIdSchema, TimestampSchema } from './common.schema.js';
import { PartnerCodeSchema, RoleSchema, UserKind } from './enums.js';

/** Login name: letters, digits and `. _ @ -`, so it is safe in logs and URLs. */
export const UsernameSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._@-]+$' });

/**
 * Links a pilot/aircraft to the partner guidance system it flies with. Jobs assigned to a user
 * with `partnerInfo` are sent to that partner for `partnerAircraftId`.
 */
export const PartnerInfoSchema = Type.Object(
  {
    partnerCode: PartnerCodeSchema,
    partnerAircraftId: PartnerAircraftIdSchema,
  },
  { additionalProperties: false },
);
export type PartnerInfo = Static<typeof PartnerInfoSchema>;

/**
 * A person or aircraft account of ours (`users` collection, `kind: INTERNAL`): operators,
 * customer staff and pilots. `customerId` is the parent customer; null for operators.
 * Soft delete is `active: false`. Authentication data is not part of this model.
 */
export const InternalUserSchema = Type.Object(
  {
    id: ObjectIdStringSchema,
    kind: Type.Literal(UserKind.INTERNAL),
    username: UsernameSchema,
    name: NameSchema,
    email: Nullable(EmailSchema),
    role: RoleSchema,
    customerId: Nullable(ObjectIdStringSchema),
    partnerInfo: Nullable(PartnerInfoSchema),
    active: Type.Boolean(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type InternalUser = Static<typeof InternalUserSchema>;

export const InternalUserViewSchema = InternalUserSchema;
export type InternalUserView = InternalUser;

export const InternalUserCreateSchema = Type.Object(
  {
    username: UsernameSchema,
    name: NameSchema,
    email: Type.Optional(Nullable(EmailSchema)),
    role: RoleSchema,
    customerId: Type.Optional(Nullable(ObjectIdStringSchema)),
    partnerInfo: Type.Optional(Nullable(PartnerInfoSchema)),
  },
  { additionalProperties: false },
);
export type InternalUserCreate = Static<typeof InternalUserCreateSchema>;

/** `partnerInfo: null` unlinks the aircraft from its partner. */
export const InternalUserUpdateSchema = Type.Object(
  {
    name: Type.Optional(NameSchema),
    email: Type.Optional(Nullable(EmailSchema)),
    role: Type.Optional(RoleSchema),
    partnerInfo: Type.Optional(Nullable(PartnerInfoSchema)),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type InternalUserUpdate = Static<typeof InternalUserUpdateSchema>;
