import { Type, type Static } from 'typebox';
import { Nullable, ObjectIdStringSchema, TimestampSchema } from './common.schema.js';
import { ErrorCategorySchema, PartnerCodeSchema, UserKind } from './enums.js';
import { UsernameSchema } from './internal-user.schema.js';

const base64 = (options: { minLength: number; maxLength: number; description: string }) =>
  Type.String({ pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$', ...options });

/**
 * AES-256-GCM output, each part base64. `keyId` names the key so keys can rotate: records
 * encrypted under an old key stay readable until re-encrypted. Sizes are GCM's: a 96-bit IV
 * and a 128-bit tag.
 */
export const EncryptedSecretSchema = Type.Object(
  {
    keyId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    iv: base64({ minLength: 16, maxLength: 16, description: '12-byte IV, base64' }),
    tag: base64({ minLength: 24, maxLength: 24, description: '16-byte authentication tag, base64' }),
    ciphertext: base64({ minLength: 4, maxLength: 8192, description: 'encrypted PartnerCredentialPlaintext JSON, base64' }),
  },
  { additionalProperties: false },
);
export type EncryptedSecret = Static<typeof EncryptedSecretSchema>;

/** A partner password: write-only, never stored in clear, never returned, never logged. */
export const PartnerPasswordSchema = Type.String({ minLength: 1, maxLength: 256, writeOnly: true });

/** What `credentials.ciphertext` decrypts to (UTF-8 JSON). */
export const PartnerCredentialPlaintextSchema = Type.Object(
  { password: PartnerPasswordSchema },
  { additionalProperties: false },
);
export type PartnerCredentialPlaintext = Static<typeof PartnerCredentialPlaintextSchema>;

/**
 * A customer's account on a partner system (`users` collection, `kind: PARTNER_SYSTEM_USER`).
 * `partnerCode` is kept beside `partnerId` because partner codes never change and every
 * credential lookup is by (customerId, partnerCode). The password exists only inside
 * `credentials`; use `PartnerSystemUserViewSchema` / `toPartnerSystemUserView` for responses.
 */
export const PartnerSystemUserSchema = Type.Object(
  {
    id: ObjectIdStringSchema,
    kind: Type.Literal(UserKind.PARTNER_SYSTEM_USER),
    partnerId: ObjectIdStringSchema,
    partnerCode: PartnerCodeSchema,
    customerId: ObjectIdStringSchema,
    username: UsernameSchema,
    credentials: EncryptedSecretSchema,
    active: Type.Boolean(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type PartnerSystemUser = Static<typeof PartnerSystemUserSchema>;

/** Response body. It has no credentials at any depth, by construction: see the spec. */
export const PartnerSystemUserViewSchema = Type.Object(
  {
    id: ObjectIdStringSchema,
    kind: Type.Literal(UserKind.PARTNER_SYSTEM_USER),
    partnerId: ObjectIdStringSchema,
    partnerCode: PartnerCodeSchema,
    customerId: ObjectIdStringSchema,
    username: UsernameSchema,
    hasPassword: Type.Literal(true),
    active: Type.Boolean(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type PartnerSystemUserView = Static<typeof PartnerSystemUserViewSchema>;

/** Builds the response shape field by field, so nothing added to the stored shape can leak. */
export function toPartnerSystemUserView(user: PartnerSystemUser): PartnerSystemUserView {
  return {
    id: user.id,
    kind: user.kind,
    partnerId: user.partnerId,
    partnerCode: user.partnerCode,
    customerId: user.customerId,
    username: user.username,
    hasPassword: true,
    active: user.active,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** `POST /api/partners/systemUsers` */
export const PartnerSystemUserCreateSchema = Type.Object(
  {
    partnerId: ObjectIdStringSchema,
    customerId: ObjectIdStringSchema,
    username: UsernameSchema,
    password: PartnerPasswordSchema,
  },
  { additionalProperties: false },
);
export type PartnerSystemUserCreate = Static<typeof PartnerSystemUserCreateSchema>;

/** `PATCH /api/partners/systemUsers/:id` — a new password replaces the stored one. */
export const PartnerSystemUserUpdateSchema = Type.Object(
  {
    username: Type.Optional(UsernameSchema),
    password: Type.Optional(PartnerPasswordSchema),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PartnerSystemUserUpdate = Static<typeof PartnerSystemUserUpdateSchema>;

/**
 * `POST /api/partners/systemUsers/testAuth`: test a stored account, or credentials before
 * saving them.
 */
export const PartnerAuthTestRequestSchema = Type.Union([
  Type.Object({ systemUserId: ObjectIdStringSchema }, { additionalProperties: false }),
  Type.Object(
    { partnerId: ObjectIdStringSchema, username: UsernameSchema, password: PartnerPasswordSchema },
    { additionalProperties: false },
  ),
]);
export type PartnerAuthTestRequest = Static<typeof PartnerAuthTestRequestSchema>;

export const PartnerAuthTestResultSchema = Type.Object(
  {
    ok: Type.Boolean(),
    partnerCode: PartnerCodeSchema,
    errorCategory: Nullable(ErrorCategorySchema),
    message: Nullable(Type.String({ maxLength: 500 })),
    checkedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type PartnerAuthTestResult = Static<typeof PartnerAuthTestResultSchema>;
