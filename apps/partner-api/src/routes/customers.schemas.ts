import { NameSchema, Nullable, ObjectIdStringSchema, PartnerCodeSchema, PartnerSubscriptionSchema, UsernameSchema } from '@agair/domain-models';
import { Type } from 'typebox';

export const PartnerCustomersQuery = Type.Object({ partnerCode: PartnerCodeSchema }, { additionalProperties: false });

/** A customer of a partner: its subscription, and the account it uses there if one is stored. */
export const PartnerCustomerSchema = Type.Object(
  {
    id: ObjectIdStringSchema,
    name: NameSchema,
    active: Type.Boolean(),
    subscription: PartnerSubscriptionSchema,
    systemUser: Nullable(
      Type.Object({ id: ObjectIdStringSchema, username: UsernameSchema, active: Type.Boolean() }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export const CustomerListQuery = Type.Object(
  {
    includeInactive: Type.Optional(Type.Boolean({ default: false })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    skip: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
  },
  { additionalProperties: false },
);
