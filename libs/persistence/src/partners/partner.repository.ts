import type { Partner, PartnerCapability, PartnerCode, PartnerCreate, PartnerUpdate } from '@agair/domain-models';
import { ObjectId, type Collection, type Db } from 'mongodb';
import { isDuplicateKeyError } from '../infrastructure/mongo-errors.js';
import { fromObjectId, toObjectId } from '../infrastructure/object-id.mapper.js';
import { DuplicateRecordError } from '../infrastructure/persistence.errors.js';
import { systemClock, toIso, type Clock } from '../infrastructure/timestamp.mapper.js';
import { PARTNERS_COLLECTION } from './partner.indexes.js';

export interface PartnerDocument {
  _id: ObjectId;
  code: PartnerCode;
  name: string;
  baseUrl: string;
  capabilities: PartnerCapability[];
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Partner guidance systems. `code` is unique and immutable; delete is `active: false`. */
export class PartnerRepository {
  private readonly partners: Collection<PartnerDocument>;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.partners = db.collection<PartnerDocument>(PARTNERS_COLLECTION);
  }

  /** Throws `DuplicateRecordError` when a partner with this code exists (active or not). */
  async create(input: PartnerCreate): Promise<Partner> {
    const now = this.clock();
    const doc: PartnerDocument = {
      _id: new ObjectId(),
      code: input.code,
      name: input.name,
      baseUrl: input.baseUrl,
      capabilities: [...input.capabilities],
      active: input.active ?? true,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.partners.insertOne(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new DuplicateRecordError(PARTNERS_COLLECTION, `partner ${input.code}`, { cause: err });
      throw err;
    }
    return toPartner(doc);
  }

  async findById(id: string): Promise<Partner | null> {
    const doc = await this.partners.findOne({ _id: toObjectId(id) });
    return doc && toPartner(doc);
  }

  async findByCode(code: PartnerCode): Promise<Partner | null> {
    const doc = await this.partners.findOne({ code });
    return doc && toPartner(doc);
  }

  async listActive(): Promise<Partner[]> {
    const docs = await this.partners.find({ active: true }).sort({ code: 1 }).toArray();
    return docs.map(toPartner);
  }

  async list(options: { includeInactive?: boolean } = {}): Promise<Partner[]> {
    const docs = await this.partners.find(options.includeInactive ? {} : { active: true }).sort({ code: 1 }).toArray();
    return docs.map(toPartner);
  }

  /** Null when there is no such partner. */
  async update(id: string, patch: PartnerUpdate): Promise<Partner | null> {
    const set: Partial<PartnerDocument> = { updatedAt: this.clock() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.baseUrl !== undefined) set.baseUrl = patch.baseUrl;
    if (patch.capabilities !== undefined) set.capabilities = [...patch.capabilities];
    if (patch.active !== undefined) set.active = patch.active;
    const doc = await this.partners.findOneAndUpdate({ _id: toObjectId(id) }, { $set: set }, { returnDocument: 'after' });
    return doc && toPartner(doc);
  }

  /** Soft delete. Null when there is no such partner. */
  async deactivate(id: string): Promise<Partner | null> {
    return this.update(id, { active: false });
  }
}

export function toPartner(doc: PartnerDocument): Partner {
  return {
    id: fromObjectId(doc._id),
    code: doc.code,
    name: doc.name,
    baseUrl: doc.baseUrl,
    capabilities: [...doc.capabilities],
    active: doc.active,
    createdAt: toIso(doc.createdAt),
    updatedAt: toIso(doc.updatedAt),
  };
}
