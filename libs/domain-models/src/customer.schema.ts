import { Type, type Static } from 'typebox';
import { EmailSchema, NameSchema, Nullable, ObjectIdStringSchema, PartnerAircraftIdSchema, TimestampSchema } from './common.schema.js';
import { PartnerCodeSchema, type PartnerCode } from './enums.js';

/** A customer's use of one partner system. Credentials live on a PartnerSystemUser, not here. */
export const PartnerSubscriptionSchema = Type.Object(
  {
    partnerCode: PartnerCodeSchema,
    active: Type.Boolean(),
    since: TimestampSchema,
  },
  { additionalProperties: false },
);
export type PartnerSubscription = Static<typeof PartnerSubscriptionSchema>;

const SubscriptionsSchema = Type.Array(PartnerSubscriptionSchema, { maxItems: 10 });

/** An aerial-application company. It owns aircraft (internal users with `partnerInfo`). */
export const CustomerSchema = Type.Object(
  {
    id: ObjectIdStringSchema,
    name: NameSchema,
    email: Nullable(EmailSchema),
    partnerSubscriptions: SubscriptionsSchema,
    active: Type.Boolean(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type Customer = Static<typeof CustomerSchema>;

/**
 * Whether the platform works for this customer at the partner: the customer is active and has an
 * active subscription to it. Without, its jobs are not uploaded there and its logs not polled.
 */
export function isSubscribedTo(
  customer: { active: boolean; partnerSubscriptions: readonly { partnerCode: PartnerCode; active: boolean }[] },
  partnerCode: PartnerCode,
): boolean {
  return customer.active && customer.partnerSubscriptions.some((s) => s.partnerCode === partnerCode && s.active);
}

export const CustomerViewSchema = CustomerSchema;
export type CustomerView = Customer;

const SubscriptionRequestSchema = Type.Object(
  { partnerCode: PartnerCodeSchema, active: Type.Boolean() },
  { additionalProperties: false },
);

export const CustomerCreateSchema = Type.Object(
  {
    name: NameSchema,
    email: Type.Optional(Nullable(EmailSchema)),
    partnerSubscriptions: Type.Optional(Type.Array(SubscriptionRequestSchema, { maxItems: 10 })),
  },
  { additionalProperties: false },
);
export type CustomerCreate = Static<typeof CustomerCreateSchema>;

export const CustomerUpdateSchema = Type.Object(
  {
    name: Type.Optional(NameSchema),
    email: Type.Optional(Nullable(EmailSchema)),
    partnerSubscriptions: Type.Optional(Type.Array(SubscriptionRequestSchema, { maxItems: 10 })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CustomerUpdate = Static<typeof CustomerUpdateSchema>;

/**
 * An aircraft as a partner lists it (`/api/partners/aircraft`), with the internal user it is
 * linked to through `partnerInfo.partnerAircraftId`, if any.
 */
export const PartnerAircraftSchema = Type.Object(
  {
    partnerCode: PartnerCodeSchema,
    customerId: ObjectIdStringSchema,
    partnerAircraftId: PartnerAircraftIdSchema,
    name: Nullable(Type.String({ maxLength: 200 })),
    userId: Nullable(ObjectIdStringSchema),
  },
  { additionalProperties: false },
);
export type PartnerAircraft = Static<typeof PartnerAircraftSchema>;
