import {
  ErrorCategorySchema,
  InternalUserUpdateSchema,
  InternalUserViewSchema,
  NameSchema,
  Nullable,
  ObjectIdStringSchema,
  PartnerCodeSchema,
  PartnerPasswordSchema,
  PartnerSystemUserUpdateSchema,
  PartnerSystemUserViewSchema,
  TimestampSchema,
  UsernameSchema,
} from '@agair/domain-models';
import { Type } from 'typebox';
import { OptionalCustomerId } from './common.schemas.js';

/** `POST /api/partners/systemUsers`: customerId is implied by a customer's token. */
export const SystemUserCreateBody = Type.Object(
  { partnerId: ObjectIdStringSchema, customerId: OptionalCustomerId, username: UsernameSchema, password: PartnerPasswordSchema },
  { additionalProperties: false },
);

export const SystemUserListQuery = Type.Object(
  {
    customerId: OptionalCustomerId,
    partnerCode: Type.Optional(PartnerCodeSchema),
    includeInactive: Type.Optional(Type.Boolean({ default: false })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    skip: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
  },
  { additionalProperties: false },
);

/** `POST /api/partners/systemUsers/testAuth` */
export const TestAuthBody = Type.Object(
  { partnerCode: PartnerCodeSchema, customerId: OptionalCustomerId, username: UsernameSchema, password: PartnerPasswordSchema },
  { additionalProperties: false },
);

export const TestAuthResult = Type.Object(
  {
    ok: Type.Boolean(),
    partnerCode: PartnerCodeSchema,
    category: Type.Optional(ErrorCategorySchema),
    message: Type.Optional(Type.String({ maxLength: 500 })),
    checkedAt: TimestampSchema,
  },
  { additionalProperties: false, description: 'ok, or why the partner refused; a refusal is a result (200), not an error' },
);

const PartnerRef = Type.Object({ id: ObjectIdStringSchema, code: PartnerCodeSchema, name: NameSchema }, { additionalProperties: false });
const CustomerRef = Type.Object({ id: ObjectIdStringSchema, name: NameSchema }, { additionalProperties: false });

/** `GET /api/users/:id` for a partner system user: the view with its partner and customer. */
export const PopulatedSystemUserSchema = Type.Object(
  { ...PartnerSystemUserViewSchema.properties, partner: Nullable(PartnerRef), customer: Nullable(CustomerRef) },
  { additionalProperties: false },
);

export const UserByIdSchema = Type.Union([PopulatedSystemUserSchema, InternalUserViewSchema]);
export const UserViewResponse = Type.Union([PartnerSystemUserViewSchema, InternalUserViewSchema]);

/** `PUT /api/users/:id`: the fields of the record's kind. */
export const UserUpdateBody = Type.Union([PartnerSystemUserUpdateSchema, InternalUserUpdateSchema]);

export const InternalUserListQuery = Type.Object(
  {
    customerId: OptionalCustomerId,
    includeInactive: Type.Optional(Type.Boolean({ default: false })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    skip: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
  },
  { additionalProperties: false },
);
