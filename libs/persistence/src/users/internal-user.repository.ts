import {
  UserKind,
  type InternalUser,
  type InternalUserCreate,
  type InternalUserUpdate,
  type PartnerCode,
} from '@agair/domain-models';
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import { GuardedWriter } from '../infrastructure/guarded-write.js';
import { isDuplicateKeyError } from '../infrastructure/mongo-errors.js';
import { fromObjectId, fromObjectIdOrNull, toObjectId, toObjectIdOrNull } from '../infrastructure/object-id.mapper.js';
import { DuplicateRecordError } from '../infrastructure/persistence.errors.js';
import { systemClock, toIso, type Clock } from '../infrastructure/timestamp.mapper.js';
import { internalIdentityKey, type InternalUserDocument, type UserDocument } from './user.document.js';
import { USERS_COLLECTION } from './user.indexes.js';

/** Operators, customer staff and pilots/aircraft (`users` with `kind: INTERNAL`). */
export class InternalUserRepository {
  private readonly users: Collection<UserDocument>;
  private readonly writer: GuardedWriter;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.users = db.collection<UserDocument>(USERS_COLLECTION);
    this.writer = new GuardedWriter(db);
  }

  /** Throws `DuplicateRecordError` when the username (case-insensitive) is taken. */
  async create(input: InternalUserCreate): Promise<InternalUser> {
    const now = this.clock();
    const doc: InternalUserDocument = {
      _id: new ObjectId(),
      version: 0,
      kind: UserKind.INTERNAL,
      identityKey: internalIdentityKey(input.username),
      username: input.username,
      name: input.name,
      email: input.email ?? null,
      role: input.role,
      customerId: toObjectIdOrNull(input.customerId, 'customerId'),
      partnerInfo: input.partnerInfo ? { partnerCode: input.partnerInfo.partnerCode, partnerAircraftId: input.partnerInfo.partnerAircraftId } : null,
      active: true,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.users.insertOne(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new DuplicateRecordError(USERS_COLLECTION, `username ${input.username}`, { cause: err });
      throw err;
    }
    return toInternalUser(doc);
  }

  /** Any customer's user: for operators. Null for an unknown id or a partner system user. */
  async findById(id: string): Promise<InternalUser | null> {
    const doc = await this.users.findOne({ _id: toObjectId(id), kind: UserKind.INTERNAL });
    return doc && toInternalUser(doc as InternalUserDocument);
  }

  /** One customer's user. */
  async findByIdForCustomer(customerId: string, id: string): Promise<InternalUser | null> {
    const doc = await this.users.findOne({ _id: toObjectId(id), customerId: toObjectId(customerId, 'customerId'), kind: UserKind.INTERNAL });
    return doc && toInternalUser(doc as InternalUserDocument);
  }

  async listByCustomer(customerId: string, options: { includeInactive?: boolean; limit?: number; skip?: number } = {}): Promise<InternalUser[]> {
    const filter: Filter<UserDocument> = { customerId: toObjectId(customerId, 'customerId'), kind: UserKind.INTERNAL };
    if (!options.includeInactive) filter.active = true;
    const docs = await this.users.find(filter).sort({ username: 1 }).skip(options.skip ?? 0).limit(options.limit ?? 500).toArray();
    return docs.map((doc) => toInternalUser(doc as InternalUserDocument));
  }

  /** A customer's active aircraft flying with the partner (users with that `partnerInfo.partnerCode`). */
  async listPartnerAircraft(customerId: string, partnerCode: PartnerCode): Promise<InternalUser[]> {
    const docs = await this.users
      .find({ customerId: toObjectId(customerId, 'customerId'), kind: UserKind.INTERNAL, active: true, 'partnerInfo.partnerCode': partnerCode })
      .sort({ 'partnerInfo.partnerAircraftId': 1 })
      .toArray();
    return docs.map((doc) => toInternalUser(doc as InternalUserDocument));
  }

  /** The active user linked to a partner's aircraft, if any. */
  async findByPartnerAircraft(customerId: string, partnerCode: PartnerCode, partnerAircraftId: string): Promise<InternalUser | null> {
    const doc = await this.users.findOne({
      'partnerInfo.partnerCode': partnerCode,
      'partnerInfo.partnerAircraftId': partnerAircraftId,
      customerId: toObjectId(customerId, 'customerId'),
      kind: UserKind.INTERNAL,
      active: true,
    });
    return doc && toInternalUser(doc as InternalUserDocument);
  }

  /** Null when there is no such internal user. */
  async update(id: string, patch: InternalUserUpdate): Promise<InternalUser | null> {
    const set: Partial<InternalUserDocument> = { updatedAt: this.clock() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.email !== undefined) set.email = patch.email;
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.active !== undefined) set.active = patch.active;
    if (patch.partnerInfo !== undefined) {
      set.partnerInfo = patch.partnerInfo && { partnerCode: patch.partnerInfo.partnerCode, partnerAircraftId: patch.partnerInfo.partnerAircraftId };
    }
    const doc = await this.writer.update(this.users, { _id: toObjectId(id), kind: UserKind.INTERNAL }, { $set: set });
    return doc && toInternalUser(doc as InternalUserDocument);
  }

  /** Soft delete. */
  async deactivate(id: string): Promise<InternalUser | null> {
    return this.update(id, { active: false });
  }
}

export function toInternalUser(doc: InternalUserDocument): InternalUser {
  return {
    id: fromObjectId(doc._id),
    kind: UserKind.INTERNAL,
    username: doc.username,
    name: doc.name,
    email: doc.email,
    role: doc.role,
    customerId: fromObjectIdOrNull(doc.customerId),
    partnerInfo: doc.partnerInfo && { partnerCode: doc.partnerInfo.partnerCode, partnerAircraftId: doc.partnerInfo.partnerAircraftId },
    active: doc.active,
    createdAt: toIso(doc.createdAt),
    updatedAt: toIso(doc.updatedAt),
  };
}
