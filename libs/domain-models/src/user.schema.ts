import { Type, type Static } from 'typebox';
import { InternalUserSchema, InternalUserViewSchema } from './internal-user.schema.js';
import { PartnerSystemUserSchema, PartnerSystemUserViewSchema } from './partner-system-user.schema.js';

/** A record of the `users` collection, told apart by `kind`. */
export const UserSchema = Type.Union([InternalUserSchema, PartnerSystemUserSchema]);
export type User = Static<typeof UserSchema>;

/** `GET /api/users/:id` — either kind, never with credentials. */
export const UserViewSchema = Type.Union([InternalUserViewSchema, PartnerSystemUserViewSchema]);
export type UserView = Static<typeof UserViewSchema>;
