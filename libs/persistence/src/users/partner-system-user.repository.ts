import {
  UserKind,
  isValid,
  PartnerCredentialPlaintextSchema,
  toPartnerSystemUserView,
  type PartnerCode,
  type PartnerSystemUser,
  type PartnerSystemUserCreate,
  type PartnerSystemUserUpdate,
  type PartnerSystemUserView,
} from '@agair/domain-models';
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import type { CredentialCipher } from '../credentials/credential-cipher.js';
import { CredentialDecryptionError } from '../credentials/credential.errors.js';
import { GuardedWriter } from '../infrastructure/guarded-write.js';
import { isDuplicateKeyError } from '../infrastructure/mongo-errors.js';
import { fromObjectId, toObjectId } from '../infrastructure/object-id.mapper.js';
import { DuplicateRecordError } from '../infrastructure/persistence.errors.js';
import { systemClock, toIso, type Clock } from '../infrastructure/timestamp.mapper.js';
import {
  activeSystemUserIdentityKey,
  inactiveSystemUserIdentityKey,
  type PartnerSystemUserDocument,
  type UserDocument,
} from './user.document.js';
import { USERS_COLLECTION } from './user.indexes.js';

/**
 * Decrypted credentials, for the workers that call the partner. `password` is not enumerable,
 * so logging or serialising this object does not print it.
 */
export interface PartnerCredentials {
  systemUserId: string;
  partnerId: string;
  partnerCode: PartnerCode;
  customerId: string;
  username: string;
  readonly password: string;
}

export interface CredentialRotationResult {
  /** Secrets re-encrypted under the active key. */
  rotated: number;
  /** Secrets still under another key (changed concurrently, or beyond `limit`). */
  remaining: number;
}

/**
 * A customer's accounts on partner systems (`users` with `kind: PARTNER_SYSTEM_USER`). The
 * password is encrypted before it reaches the driver; every read returns the view without
 * credentials except `getCredentials*`, which only workers calling a partner should use.
 * At most one active account per (customer, partner).
 */
export class PartnerSystemUserRepository {
  private readonly users: Collection<UserDocument>;
  private readonly writer: GuardedWriter;

  constructor(
    db: Db,
    private readonly cipher: CredentialCipher,
    private readonly clock: Clock = systemClock,
  ) {
    this.users = db.collection<UserDocument>(USERS_COLLECTION);
    this.writer = new GuardedWriter(db);
  }

  /** Throws `DuplicateRecordError` when the customer already has an active account on this partner. */
  async create(input: PartnerSystemUserCreate & { partnerCode: PartnerCode }): Promise<PartnerSystemUserView> {
    const now = this.clock();
    const _id = new ObjectId();
    const id = fromObjectId(_id);
    const doc: PartnerSystemUserDocument = {
      _id,
      version: 0,
      kind: UserKind.PARTNER_SYSTEM_USER,
      identityKey: activeSystemUserIdentityKey(input.customerId, input.partnerCode),
      username: input.username,
      customerId: toObjectId(input.customerId, 'customerId'),
      partnerId: toObjectId(input.partnerId, 'partnerId'),
      partnerCode: input.partnerCode,
      credentials: this.encryptPassword(id, input.password),
      active: true,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.users.insertOne(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw duplicateAccount(input.partnerCode, err);
      throw err;
    }
    return toPartnerSystemUserView(toPartnerSystemUser(doc));
  }

  async findById(id: string): Promise<PartnerSystemUserView | null> {
    const doc = await this.findDocument({ _id: toObjectId(id) });
    return doc && toPartnerSystemUserView(toPartnerSystemUser(doc));
  }

  async findByIdForCustomer(customerId: string, id: string): Promise<PartnerSystemUserView | null> {
    const doc = await this.findDocument({ _id: toObjectId(id), customerId: toObjectId(customerId, 'customerId') });
    return doc && toPartnerSystemUserView(toPartnerSystemUser(doc));
  }

  async listByCustomer(
    customerId: string,
    options: { partnerCode?: PartnerCode; includeInactive?: boolean } = {},
  ): Promise<PartnerSystemUserView[]> {
    const filter: Filter<UserDocument> = { customerId: toObjectId(customerId, 'customerId'), kind: UserKind.PARTNER_SYSTEM_USER };
    if (options.partnerCode) filter['partnerCode'] = options.partnerCode;
    if (!options.includeInactive) filter.active = true;
    return this.listViews(filter);
  }

  /** Every customer's accounts, for operators. */
  async list(options: { partnerCode?: PartnerCode; includeInactive?: boolean; limit?: number; skip?: number } = {}): Promise<PartnerSystemUserView[]> {
    const filter: Filter<UserDocument> = { kind: UserKind.PARTNER_SYSTEM_USER };
    if (options.partnerCode) filter['partnerCode'] = options.partnerCode;
    if (!options.includeInactive) filter.active = true;
    return this.listViews(filter, options.limit, options.skip);
  }

  /**
   * Null when there is no such account. A new password replaces the stored one (encrypted
   * under the active key); reactivating fails with `DuplicateRecordError` if another account
   * of the customer on that partner is active meanwhile.
   */
  async update(id: string, patch: PartnerSystemUserUpdate): Promise<PartnerSystemUserView | null> {
    const _id = toObjectId(id);
    const current = await this.findDocument({ _id });
    if (!current) return null;
    const set: Partial<PartnerSystemUserDocument> = { updatedAt: this.clock() };
    if (patch.username !== undefined) set.username = patch.username;
    if (patch.password !== undefined) set.credentials = this.encryptPassword(id, patch.password);
    if (patch.active !== undefined) {
      set.active = patch.active;
      set.identityKey = patch.active
        ? activeSystemUserIdentityKey(fromObjectId(current.customerId), current.partnerCode)
        : inactiveSystemUserIdentityKey(id);
    }
    try {
      const doc = await this.writer.update(this.users, { _id, kind: UserKind.PARTNER_SYSTEM_USER }, { $set: set });
      return doc && toPartnerSystemUserView(toPartnerSystemUser(doc as PartnerSystemUserDocument));
    } catch (err) {
      if (isDuplicateKeyError(err)) throw duplicateAccount(current.partnerCode, err);
      throw err;
    }
  }

  /** Soft delete; the customer may then add another account on the same partner. */
  async deactivate(id: string): Promise<PartnerSystemUserView | null> {
    return this.update(id, { active: false });
  }

  /** For workers calling the partner: the customer's active account on it, decrypted. */
  async getCredentials(customerId: string, partnerCode: PartnerCode): Promise<PartnerCredentials | null> {
    const doc = await this.findDocument({
      identityKey: activeSystemUserIdentityKey(customerId, partnerCode),
      customerId: toObjectId(customerId, 'customerId'),
    });
    return doc && this.decryptCredentials(doc);
  }

  /** For an operator's auth test of one stored account (active or not). */
  async getCredentialsBySystemUserId(id: string): Promise<PartnerCredentials | null> {
    const doc = await this.findDocument({ _id: toObjectId(id) });
    return doc && this.decryptCredentials(doc);
  }

  /**
   * Re-encrypts up to `limit` secrets that are under a key other than the active one. Each
   * write requires the secret it read, so a password changed meanwhile is not overwritten.
   * Run until `remaining` is 0, then the old key can be removed from configuration.
   */
  async rotateCredentials(options: { limit?: number } = {}): Promise<CredentialRotationResult> {
    const stale: Filter<UserDocument> = { kind: UserKind.PARTNER_SYSTEM_USER, 'credentials.keyId': { $ne: this.cipher.activeKeyId } };
    const docs = (await this.users.find(stale).limit(options.limit ?? 1000).toArray()) as PartnerSystemUserDocument[];
    let rotated = 0;
    for (const doc of docs) {
      const id = fromObjectId(doc._id);
      const credentials = this.cipher.rotate(doc.credentials, { associatedData: credentialContext(id) });
      const updated = await this.writer.update(
        this.users,
        { _id: doc._id, 'credentials.ciphertext': doc.credentials.ciphertext, 'credentials.keyId': doc.credentials.keyId },
        { $set: { credentials, updatedAt: this.clock() } },
      );
      if (updated) rotated++;
    }
    return { rotated, remaining: await this.users.countDocuments(stale) };
  }

  private async findDocument(filter: Filter<UserDocument>): Promise<PartnerSystemUserDocument | null> {
    const doc = await this.users.findOne({ ...filter, kind: UserKind.PARTNER_SYSTEM_USER });
    return doc as PartnerSystemUserDocument | null;
  }

  private async listViews(filter: Filter<UserDocument>, limit = 500, skip = 0): Promise<PartnerSystemUserView[]> {
    const docs = await this.users.find(filter).sort({ partnerCode: 1, username: 1 }).skip(skip).limit(limit).toArray();
    return docs.map((doc) => toPartnerSystemUserView(toPartnerSystemUser(doc as PartnerSystemUserDocument)));
  }

  private encryptPassword(id: string, password: string) {
    return this.cipher.encrypt(JSON.stringify({ password }), { associatedData: credentialContext(id) });
  }

  private decryptCredentials(doc: PartnerSystemUserDocument): PartnerCredentials {
    const id = fromObjectId(doc._id);
    const plaintext = this.cipher.decrypt(doc.credentials, { associatedData: credentialContext(id) });
    let parsed: unknown;
    try {
      parsed = JSON.parse(plaintext);
    } catch {
      parsed = undefined;
    }
    if (!isValid(PartnerCredentialPlaintextSchema, parsed)) throw new CredentialDecryptionError(doc.credentials.keyId);
    const credentials = {
      systemUserId: id,
      partnerId: fromObjectId(doc.partnerId),
      partnerCode: doc.partnerCode,
      customerId: fromObjectId(doc.customerId),
      username: doc.username,
    };
    Object.defineProperty(credentials, 'password', { value: parsed.password, enumerable: false });
    return credentials as PartnerCredentials;
  }
}

/** The stored record in the domain's shape, credentials still encrypted. */
export function toPartnerSystemUser(doc: PartnerSystemUserDocument): PartnerSystemUser {
  return {
    id: fromObjectId(doc._id),
    kind: UserKind.PARTNER_SYSTEM_USER,
    partnerId: fromObjectId(doc.partnerId),
    partnerCode: doc.partnerCode,
    customerId: fromObjectId(doc.customerId),
    username: doc.username,
    credentials: { ...doc.credentials },
    active: doc.active,
    createdAt: toIso(doc.createdAt),
    updatedAt: toIso(doc.updatedAt),
  };
}

function credentialContext(id: string): string {
  return `users/${id}`;
}

function duplicateAccount(partnerCode: PartnerCode, cause: unknown): DuplicateRecordError {
  return new DuplicateRecordError(USERS_COLLECTION, `an active ${partnerCode} system user for this customer`, { cause });
}
