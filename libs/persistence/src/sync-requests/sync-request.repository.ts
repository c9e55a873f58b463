import type { PartnerCode, ValueOf } from '@agair/domain-models';
import { ObjectId, type Collection, type Db } from 'mongodb';
import { expiringRecords, type ExpiringRecords } from '../infrastructure/expiry.js';
import { GuardedWriter } from '../infrastructure/guarded-write.js';
import { fromObjectId, toObjectId } from '../infrastructure/object-id.mapper.js';
import { systemClock, toIso, toIsoOrNull, type Clock } from '../infrastructure/timestamp.mapper.js';
import { SYNC_REQUESTS_COLLECTION } from './sync-request.indexes.js';

export const SyncRequestState = { PENDING: 'PENDING', RUNNING: 'RUNNING', DONE: 'DONE', FAILED: 'FAILED' } as const;
export type SyncRequestState = ValueOf<typeof SyncRequestState>;

/** An out-of-cycle collection run asked for through the API, served by the poller's leader. */
export interface SyncRequest {
  id: string;
  partnerCode: PartnerCode;
  customerId: string;
  /** One partner aircraft, or every aircraft of the customer. */
  aircraftId: string | null;
  requestedBy: string;
  state: SyncRequestState;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The poll run that served it. */
  pollRunId: string | null;
  error: string | null;
}

export interface SyncRequestDocument {
  _id: ObjectId;
  version: number;
  partnerCode: PartnerCode;
  customerId: ObjectId;
  aircraftId: string | null;
  requestedBy: string;
  state: SyncRequestState;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  pollRunId: ObjectId | null;
  error: string | null;
}

/** Waiting requests looked at to pick a fair next one, and served requests looked at to know who went last. */
const FAIRNESS_WINDOW = 100;

export class SyncRequestRepository {
  private readonly requests: Collection<SyncRequestDocument>;
  private readonly writer: GuardedWriter;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.requests = db.collection<SyncRequestDocument>(SYNC_REQUESTS_COLLECTION);
    this.finished = expiringRecords(this.requests, (before) => ({
      state: { $in: [SyncRequestState.DONE, SyncRequestState.FAILED] },
      finishedAt: { $lt: before },
    }));
    this.writer = new GuardedWriter(db);
  }

  async create(input: { partnerCode: PartnerCode; customerId: string; aircraftId?: string | null; requestedBy: string }): Promise<SyncRequest> {
    const doc: SyncRequestDocument = {
      _id: new ObjectId(),
      version: 0,
      partnerCode: input.partnerCode,
      customerId: toObjectId(input.customerId, 'customerId'),
      aircraftId: input.aircraftId ?? null,
      requestedBy: input.requestedBy,
      state: SyncRequestState.PENDING,
      requestedAt: this.clock(),
      startedAt: null,
      finishedAt: null,
      pollRunId: null,
      error: null,
    };
    await this.requests.insertOne(doc);
    return toSyncRequest(doc);
  }

  /**
   * A request unless an equal or wider one is already waiting: a PENDING request of the same
   * partner and customer for the same aircraft, or for all of them, is returned instead
   * (`deduplicated`), so repeated clicks and retries queue one collection. Two requests racing in
   * the same instant may both be written; both are served, the second finding little new.
   */
  async requestOnce(input: { partnerCode: PartnerCode; customerId: string; aircraftId?: string | null; requestedBy: string }): Promise<{ request: SyncRequest; deduplicated: boolean }> {
    const aircraftId = input.aircraftId ?? null;
    const waiting = await this.requests.findOne(
      {
        state: SyncRequestState.PENDING,
        partnerCode: input.partnerCode,
        customerId: toObjectId(input.customerId, 'customerId'),
        aircraftId: aircraftId === null ? null : { $in: [aircraftId, null] },
      },
      { sort: { requestedAt: 1, _id: 1 } },
    );
    if (waiting) return { request: toSyncRequest(waiting), deduplicated: true };
    return { request: await this.create(input), deduplicated: false };
  }

  /** Retention: requests served (DONE or FAILED), by `finishedAt`. */
  readonly finished: ExpiringRecords;

  async findById(customerId: string, id: string): Promise<SyncRequest | null> {
    const doc = await this.requests.findOne({ _id: toObjectId(id, 'id'), customerId: toObjectId(customerId, 'customerId') });
    return doc && toSyncRequest(doc);
  }

  /**
   * PENDING → RUNNING for the next request in fair order; null when there is none (or another
   * poller took it). Fair across customers: among the oldest waiting requests, the customer served
   * longest ago (or never, lately) goes first, so one customer's many requests do not keep the
   * others waiting; within a customer, oldest first.
   */
  async claimNext(): Promise<SyncRequest | null> {
    const waiting = await this.requests.find({ state: SyncRequestState.PENDING }).sort({ requestedAt: 1, _id: 1 }).limit(FAIRNESS_WINDOW).toArray();
    if (waiting.length === 0) return null;
    const served = await this.requests
      .find({ state: { $ne: SyncRequestState.PENDING }, startedAt: { $ne: null } }, { projection: { customerId: 1 } })
      .sort({ startedAt: -1, _id: -1 })
      .limit(FAIRNESS_WINDOW)
      .toArray();
    // How recently each customer was served: its position in the latest served (0 = just now); unseen ones first.
    const recency = new Map<string, number>();
    served.forEach((doc, i) => {
      const key = doc.customerId.toHexString();
      if (!recency.has(key)) recency.set(key, i);
    });
    // Lower goes first: the customer served longest ago; the oldest request on a tie.
    const rank = (doc: SyncRequestDocument) => -(recency.get(doc.customerId.toHexString()) ?? Number.MAX_SAFE_INTEGER);
    const next = waiting.reduce((best, doc) => (rank(doc) < rank(best) ? doc : best));
    const doc = await this.writer.update(
      this.requests,
      { _id: next._id, state: SyncRequestState.PENDING },
      { $set: { state: SyncRequestState.RUNNING, startedAt: this.clock() } },
    );
    return doc && toSyncRequest(doc);
  }

  async finish(id: string, result: { pollRunId: string | null; error?: string | null }): Promise<SyncRequest | null> {
    const doc = await this.writer.update(
      this.requests,
      { _id: toObjectId(id, 'id'), state: SyncRequestState.RUNNING },
      {
        $set: {
          state: result.error ? SyncRequestState.FAILED : SyncRequestState.DONE,
          finishedAt: this.clock(),
          pollRunId: result.pollRunId ? toObjectId(result.pollRunId, 'pollRunId') : null,
          error: result.error ? result.error.slice(0, 2000) : null,
        },
      },
    );
    return doc && toSyncRequest(doc);
  }

  /** RUNNING requests whose poller died: back to PENDING. */
  async requeueStale(startedBefore: Date): Promise<number> {
    const result = await this.requests.updateMany(
      { state: SyncRequestState.RUNNING, startedAt: { $lt: startedBefore } },
      { $set: { state: SyncRequestState.PENDING, startedAt: null }, $inc: { version: 1 } },
    );
    return result.modifiedCount;
  }
}

function toSyncRequest(doc: SyncRequestDocument): SyncRequest {
  return {
    id: fromObjectId(doc._id),
    partnerCode: doc.partnerCode,
    customerId: fromObjectId(doc.customerId),
    aircraftId: doc.aircraftId,
    requestedBy: doc.requestedBy,
    state: doc.state,
    requestedAt: toIso(doc.requestedAt),
    startedAt: toIsoOrNull(doc.startedAt),
    finishedAt: toIsoOrNull(doc.finishedAt),
    pollRunId: doc.pollRunId ? fromObjectId(doc.pollRunId) : null,
    error: doc.error,
  };
}
