import type { EncryptedSecret, PartnerCode, PartnerInfo, Role, UserKind } from '@agair/domain-models';
import type { ObjectId } from 'mongodb';

interface UserDocumentBase {
  _id: ObjectId;
  /** Bumped by guarded writes (see infrastructure/guarded-write.ts). */
  version: number;
  kind: UserKind;
  /** See user.indexes.ts. */
  identityKey: string;
  username: string;
  customerId: ObjectId | null;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface InternalUserDocument extends UserDocumentBase {
  kind: 'INTERNAL';
  name: string;
  email: string | null;
  role: Role;
  partnerInfo: PartnerInfo | null;
}

export interface PartnerSystemUserDocument extends UserDocumentBase {
  kind: 'PARTNER_SYSTEM_USER';
  customerId: ObjectId;
  partnerId: ObjectId;
  partnerCode: PartnerCode;
  credentials: EncryptedSecret;
}

export type UserDocument = InternalUserDocument | PartnerSystemUserDocument;

export function internalIdentityKey(username: string): string {
  return `internal:${username.toLowerCase()}`;
}

export function activeSystemUserIdentityKey(customerId: string, partnerCode: PartnerCode): string {
  return `psu:${customerId}:${partnerCode}`;
}

export function inactiveSystemUserIdentityKey(id: string): string {
  return `psu-inactive:${id}`;
}
