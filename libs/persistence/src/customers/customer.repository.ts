import { isSubscribedTo, type Customer, type CustomerCreate, type CustomerUpdate, type PartnerCode } from '@agair/domain-models';
import { ObjectId, type Collection, type Db } from 'mongodb';
import { fromObjectId, toObjectId } from '../infrastructure/object-id.mapper.js';
import { systemClock, toIso, type Clock } from '../infrastructure/timestamp.mapper.js';
import { CUSTOMERS_COLLECTION } from './customer.indexes.js';

interface SubscriptionDocument {
  partnerCode: PartnerCode;
  active: boolean;
  since: Date;
}

export interface CustomerDocument {
  _id: ObjectId;
  name: string;
  email: string | null;
  partnerSubscriptions: SubscriptionDocument[];
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

type SubscriptionRequest = NonNullable<CustomerCreate['partnerSubscriptions']>[number];

/** Aerial-application companies. The customer id is the scope of most other data. */
export class CustomerRepository {
  private readonly customers: Collection<CustomerDocument>;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.customers = db.collection<CustomerDocument>(CUSTOMERS_COLLECTION);
  }

  async create(input: CustomerCreate): Promise<Customer> {
    const now = this.clock();
    const doc: CustomerDocument = {
      _id: new ObjectId(),
      name: input.name,
      email: input.email ?? null,
      partnerSubscriptions: mergeSubscriptions([], input.partnerSubscriptions ?? [], now),
      active: true,
      createdAt: now,
      updatedAt: now,
    };
    await this.customers.insertOne(doc);
    return toCustomer(doc);
  }

  async findById(customerId: string): Promise<Customer | null> {
    const doc = await this.customers.findOne({ _id: toObjectId(customerId, 'customerId') });
    return doc && toCustomer(doc);
  }

  async list(options: { includeInactive?: boolean; limit?: number; skip?: number } = {}): Promise<Customer[]> {
    const docs = await this.customers
      .find(options.includeInactive ? {} : { active: true })
      .sort({ name: 1, _id: 1 })
      .skip(options.skip ?? 0)
      .limit(options.limit ?? 100)
      .toArray();
    return docs.map(toCustomer);
  }

  /** Active customers with an active subscription to the partner. */
  async listSubscribedTo(partnerCode: PartnerCode): Promise<Customer[]> {
    const docs = await this.customers.find({ active: true, 'partnerSubscriptions.partnerCode': partnerCode }).sort({ _id: 1 }).toArray();
    // The subscription's own `active` is checked here: matching two fields of one array element
    // would need $elemMatch, which FerretDB 1.x lacks.
    return docs.filter((doc) => isSubscribedTo(doc, partnerCode)).map(toCustomer);
  }

  /**
   * Null when there is no such customer. A subscription keeps its `since` while it stays
   * listed; a re-added one starts again.
   */
  async update(customerId: string, patch: CustomerUpdate): Promise<Customer | null> {
    const _id = toObjectId(customerId, 'customerId');
    const now = this.clock();
    const set: Partial<CustomerDocument> = { updatedAt: now };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.email !== undefined) set.email = patch.email;
    if (patch.active !== undefined) set.active = patch.active;
    if (patch.partnerSubscriptions !== undefined) {
      const current = await this.customers.findOne({ _id }, { projection: { partnerSubscriptions: 1 } });
      if (!current) return null;
      set.partnerSubscriptions = mergeSubscriptions(current.partnerSubscriptions, patch.partnerSubscriptions, now);
    }
    const doc = await this.customers.findOneAndUpdate({ _id }, { $set: set }, { returnDocument: 'after' });
    return doc && toCustomer(doc);
  }

  async deactivate(customerId: string): Promise<Customer | null> {
    return this.update(customerId, { active: false });
  }
}

function mergeSubscriptions(current: readonly SubscriptionDocument[], requested: readonly SubscriptionRequest[], now: Date): SubscriptionDocument[] {
  const seen = new Set<PartnerCode>();
  const result: SubscriptionDocument[] = [];
  for (const request of requested) {
    if (seen.has(request.partnerCode)) continue;
    seen.add(request.partnerCode);
    const existing = current.find((s) => s.partnerCode === request.partnerCode);
    result.push({ partnerCode: request.partnerCode, active: request.active, since: existing?.since ?? now });
  }
  return result;
}

export function toCustomer(doc: CustomerDocument): Customer {
  return {
    id: fromObjectId(doc._id),
    name: doc.name,
    email: doc.email,
    partnerSubscriptions: doc.partnerSubscriptions.map((s) => ({ partnerCode: s.partnerCode, active: s.active, since: toIso(s.since) })),
    active: doc.active,
    createdAt: toIso(doc.createdAt),
    updatedAt: toIso(doc.updatedAt),
  };
}
