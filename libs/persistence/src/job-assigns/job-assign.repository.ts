import {
  AssignStatus,
  AssignStatusMachine,
  UploadSyncStatus,
  assertTransition,
  type JobAssign,
  type PartnerCode,
} from '@agair/domain-models';
import { ObjectId, type Collection, type Db, type Filter, type UpdateFilter } from 'mongodb';
import { GuardedWriter } from '../infrastructure/guarded-write.js';
import { isDuplicateKeyError } from '../infrastructure/mongo-errors.js';
import { fromObjectId, toObjectId } from '../infrastructure/object-id.mapper.js';
import { systemClock, toIso, toIsoOrNull, type Clock } from '../infrastructure/timestamp.mapper.js';
import { JOB_ASSIGNS_COLLECTION } from './job-assign.indexes.js';

interface UploadStateDocument {
  attempts: number;
  lastError: string | null;
  lastAttemptAt: Date | null;
  uploadedAt: Date | null;
  syncStatus: UploadSyncStatus;
}

export interface JobAssignDocument {
  _id: ObjectId;
  version: number;
  jobId: ObjectId;
  userId: ObjectId;
  customerId: ObjectId;
  partnerCode: PartnerCode | null;
  partnerAircraftId: string | null;
  status: AssignStatus;
  extJobId: string | null;
  notes: string;
  upload: UploadStateDocument;
  /** Absent on assignments written before polling could end. */
  pollingEndedAt?: Date | null;
  /**
   * Who is calling the partner with this assignment's job right now, and until when (`claimUpload`).
   * Internal to the upload: not part of the domain's JobAssign. Absent on older documents.
   */
  uploadClaim?: { owner: string; expiresAt: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What the assign API knows when it assigns: the user's partner fields are copied here. */
export interface JobAssignInput {
  jobId: string;
  userId: string;
  customerId: string;
  partnerCode: PartnerCode | null;
  partnerAircraftId: string | null;
  notes?: string;
}

/** UPLOADED assignments of one customer on one partner: what the poller collects logs for. */
export interface UploadedAssignmentGroup {
  partnerCode: PartnerCode;
  customerId: string;
  /** Distinct partner aircraft ids, sorted. */
  partnerAircraftIds: string[];
  assigns: JobAssign[];
}

const MAX_ERROR_TEXT = 2000;
/** The claim owner of an assignment being removed (no upload may start meanwhile). */
const REMOVAL_CLAIM = 'removal';

/**
 * Job assignments. `status` changes go through `AssignStatusMachine` and a single conditional
 * update requiring the `from` status (`GuardedWriter`); a lost race returns null.
 */
export class JobAssignRepository {
  private readonly assigns: Collection<JobAssignDocument>;
  private readonly writer: GuardedWriter;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.assigns = db.collection<JobAssignDocument>(JOB_ASSIGNS_COLLECTION);
    this.writer = new GuardedWriter(db);
  }

  /** Idempotent on (jobId, userId): assigning again returns the existing assignment with `created: false`. */
  async assign(input: JobAssignInput): Promise<{ assign: JobAssign; created: boolean }> {
    const now = this.clock();
    const doc: JobAssignDocument = {
      _id: new ObjectId(),
      version: 0,
      jobId: toObjectId(input.jobId, 'jobId'),
      userId: toObjectId(input.userId, 'userId'),
      customerId: toObjectId(input.customerId, 'customerId'),
      partnerCode: input.partnerCode,
      partnerAircraftId: input.partnerCode ? input.partnerAircraftId : null,
      status: AssignStatusMachine.initial,
      extJobId: null,
      notes: input.notes ?? '',
      upload: {
        attempts: 0,
        lastError: null,
        lastAttemptAt: null,
        uploadedAt: null,
        syncStatus: input.partnerCode ? UploadSyncStatus.QUEUED : UploadSyncStatus.NOT_APPLICABLE,
      },
      pollingEndedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.assigns.insertOne(doc);
      return { assign: toJobAssign(doc), created: true };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await this.assigns.findOne({ jobId: doc.jobId, userId: doc.userId, customerId: doc.customerId });
      if (!existing) throw err;
      return { assign: toJobAssign(existing), created: false };
    }
  }

  /** The customer an assignment belongs to, for callers that may reach any customer's (admins). */
  async customerOf(assignId: string): Promise<string | null> {
    const doc = await this.assigns.findOne({ _id: toObjectId(assignId, 'assignId') }, { projection: { customerId: 1 } });
    return doc ? fromObjectId(doc.customerId) : null;
  }

  async findById(customerId: string, assignId: string): Promise<JobAssign | null> {
    const doc = await this.assigns.findOne(this.scoped(customerId, assignId));
    return doc && toJobAssign(doc);
  }

  async listByCustomer(
    customerId: string,
    options: { jobId?: string; userId?: string; status?: AssignStatus; limit?: number; skip?: number } = {},
  ): Promise<JobAssign[]> {
    const filter: Filter<JobAssignDocument> = { customerId: toObjectId(customerId, 'customerId') };
    if (options.jobId) filter.jobId = toObjectId(options.jobId, 'jobId');
    if (options.userId) filter.userId = toObjectId(options.userId, 'userId');
    if (options.status !== undefined) filter.status = options.status;
    const docs = await this.assigns.find(filter).sort({ createdAt: -1, _id: -1 }).skip(options.skip ?? 0).limit(options.limit ?? 100).toArray();
    return docs.map(toJobAssign);
  }

  /** The assignment the partner knows by `extJobId` (what a flight log's header names). */
  async findByExtJobId(customerId: string, partnerCode: PartnerCode, extJobId: string): Promise<JobAssign | null> {
    const doc = await this.assigns.findOne(
      { customerId: toObjectId(customerId, 'customerId'), partnerCode, extJobId },
      { sort: { 'upload.uploadedAt': -1, _id: -1 } },
    );
    return doc && toJobAssign(doc);
  }

  /** UPLOADED assignments flown by one partner aircraft, newest upload first: log-matching candidates. */
  async listUploadedForAircraft(customerId: string, partnerCode: PartnerCode, partnerAircraftId: string, limit = 20): Promise<JobAssign[]> {
    const docs = await this.assigns
      .find({ customerId: toObjectId(customerId, 'customerId'), partnerCode, partnerAircraftId, status: AssignStatus.UPLOADED })
      .sort({ 'upload.uploadedAt': -1, _id: -1 })
      .limit(limit)
      .toArray();
    return docs.map(toJobAssign);
  }

  /** How many assignments of a partner are in `status` (and upload `syncStatus`), for status pages; all customers unless one is named. */
  async countByPartner(filter: { partnerCode: PartnerCode; status: AssignStatus; syncStatus?: UploadSyncStatus; customerId?: string }): Promise<number> {
    const query: Filter<JobAssignDocument> = { partnerCode: filter.partnerCode, status: filter.status };
    if (filter.customerId) query.customerId = toObjectId(filter.customerId, 'customerId');
    if (filter.syncStatus) query['upload.syncStatus'] = filter.syncStatus;
    return this.assigns.countDocuments(query);
  }

  /**
   * Deletes an assignment that has not reached the partner (NEW or DOWNLOADED); false when it is
   * gone or was uploaded meanwhile. An UPLOADED one is kept: the poller collects its logs.
   */
  async removeUnsent(customerId: string, assignId: string): Promise<boolean> {
    // The removal claims the assignment the way an upload does (a guarded write), so it and an
    // upload cannot both go ahead: a job on its way to the aircraft keeps its assignment.
    const now = this.clock();
    const held = await this.writer.update(
      this.assigns,
      { ...this.scoped(customerId, assignId), status: { $in: [AssignStatus.NEW, AssignStatus.DOWNLOADED] }, $or: [{ uploadClaim: null }, { 'uploadClaim.expiresAt': { $lte: now } }] },
      { $set: { uploadClaim: { owner: REMOVAL_CLAIM, expiresAt: new Date(now.getTime() + 60_000) }, updatedAt: now } },
    );
    if (!held) return false;
    const result = await this.assigns.deleteOne({ _id: held._id, version: held.version, 'uploadClaim.owner': REMOVAL_CLAIM });
    return result.deletedCount === 1;
  }

  async listByJob(customerId: string, jobId: string): Promise<JobAssign[]> {
    return this.listByCustomer(customerId, { jobId, limit: 1000 });
  }

  /**
   * `from → to` if the assignment is still in `from`. Throws `IllegalTransitionError` when the
   * machine forbids the move; returns null when the assignment is missing or no longer in `from`.
   */
  async changeStatus(customerId: string, assignId: string, from: AssignStatus, to: AssignStatus): Promise<JobAssign | null> {
    return this.transition(customerId, assignId, from, to, {});
  }

  /** NEW → UPLOADED: the partner accepted the job under `extJobId`. */
  async markUploaded(customerId: string, assignId: string, extJobId: string): Promise<JobAssign | null> {
    const now = this.clock();
    return this.transition(customerId, assignId, AssignStatus.NEW, AssignStatus.UPLOADED, {
      $set: {
        extJobId,
        'upload.lastError': null,
        'upload.lastAttemptAt': now,
        'upload.uploadedAt': now,
        'upload.syncStatus': UploadSyncStatus.SYNCED,
        pollingEndedAt: null,
        uploadClaim: null,
      },
      $inc: { 'upload.attempts': 1 },
    });
  }

  /**
   * The right to call the partner with this NEW assignment's job, for `leaseMs`: the partner has no
   * idempotency key, so two callers (an assign request, `uploadJob`, a queued task) must not both
   * send it. False while another caller holds a live claim, or when the assignment is not NEW.
   * A claimant that dies leaves its claim to expire; only then can another caller send the job.
   */
  async claimUpload(customerId: string, assignId: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const doc = await this.writer.update(
      this.assigns,
      { ...this.scoped(customerId, assignId), status: AssignStatus.NEW, $or: [{ uploadClaim: null }, { 'uploadClaim.expiresAt': { $lte: now } }] },
      { $set: { uploadClaim: { owner, expiresAt: new Date(now.getTime() + leaseMs) }, updatedAt: now } },
    );
    return doc !== null;
  }

  /** Gives up `owner`'s claim after an upload that did not happen (uploading clears it itself). */
  async releaseUploadClaim(customerId: string, assignId: string, owner: string): Promise<boolean> {
    const doc = await this.writer.update(this.assigns, { ...this.scoped(customerId, assignId), 'uploadClaim.owner': owner }, { $set: { uploadClaim: null } });
    return doc !== null;
  }

  /** Until when a caller may be sending this assignment's job to the partner (its live claim), or null. */
  async uploadClaimedUntil(customerId: string, assignId: string): Promise<Date | null> {
    const now = this.clock();
    const doc = await this.assigns.findOne({ ...this.scoped(customerId, assignId), 'uploadClaim.expiresAt': { $gt: now } }, { projection: { uploadClaim: 1 } });
    return doc?.uploadClaim?.expiresAt ?? null;
  }

  /** NEW → DOWNLOADED: our own client fetched the job. */
  async markDownloaded(customerId: string, assignId: string): Promise<JobAssign | null> {
    return this.transition(customerId, assignId, AssignStatus.NEW, AssignStatus.DOWNLOADED, {});
  }

  /**
   * DOWNLOADED/UPLOADED → NEW after the job or assignment changed: it must be sent again. The
   * status read first is required by the write, so a concurrent change makes this return null.
   */
  async reopen(customerId: string, assignId: string): Promise<JobAssign | null> {
    const current = await this.assigns.findOne(this.scoped(customerId, assignId), { projection: { status: 1, partnerCode: 1 } });
    if (!current || current.status === AssignStatus.NEW) return current ? this.findById(customerId, assignId) : null;
    return this.transition(customerId, assignId, current.status, AssignStatus.NEW, {
      $set: { 'upload.syncStatus': current.partnerCode ? UploadSyncStatus.QUEUED : UploadSyncStatus.NOT_APPLICABLE },
    });
  }

  /**
   * A failed upload attempt: counts it and keeps the error text (which must hold no
   * credential). `syncStatus` is QUEUED while retries go on, FAILED when they are over.
   */
  async recordUploadFailure(
    customerId: string,
    assignId: string,
    failure: { error: string; syncStatus: typeof UploadSyncStatus.QUEUED | typeof UploadSyncStatus.FAILED },
  ): Promise<JobAssign | null> {
    const now = this.clock();
    const doc = await this.writer.update(
      this.assigns,
      { ...this.scoped(customerId, assignId), status: AssignStatus.NEW },
      {
        $set: {
          'upload.lastError': failure.error.slice(0, MAX_ERROR_TEXT),
          'upload.lastAttemptAt': now,
          'upload.syncStatus': failure.syncStatus,
          updatedAt: now,
        },
        $inc: { 'upload.attempts': 1 },
      },
    );
    return doc && toJobAssign(doc);
  }

  /**
   * A queued upload's retries ran out (its task went to the DLQ): `failed`, with the reason, so
   * the assignment no longer looks on its way. Attempts are not counted again (each was recorded
   * when it failed). Null when it is no longer a queued NEW assignment.
   */
  async markUploadGivenUp(customerId: string, assignId: string, error: string): Promise<JobAssign | null> {
    const now = this.clock();
    const doc = await this.writer.update(
      this.assigns,
      { ...this.scoped(customerId, assignId), status: AssignStatus.NEW, 'upload.syncStatus': UploadSyncStatus.QUEUED },
      { $set: { 'upload.lastError': error.slice(0, MAX_ERROR_TEXT), 'upload.syncStatus': UploadSyncStatus.FAILED, updatedAt: now } },
    );
    return doc && toJobAssign(doc);
  }

  /** The upload was (re)queued, e.g. an operator retrying a FAILED one. */
  async markUploadQueued(customerId: string, assignId: string): Promise<JobAssign | null> {
    const doc = await this.writer.update(
      this.assigns,
      { ...this.scoped(customerId, assignId), status: AssignStatus.NEW, partnerCode: { $ne: null } },
      { $set: { 'upload.syncStatus': UploadSyncStatus.QUEUED, updatedAt: this.clock() } },
    );
    return doc && toJobAssign(doc);
  }

  /**
   * Every UPLOADED assignment with a partner, grouped by (partnerCode, customerId) in code
   * (FerretDB 1.x has no `$addToSet`-style expressions worth relying on). Optionally only
   * those uploaded after `uploadedAfter` (the collection horizon).
   */
  async findUploadedGroupedByPartnerCustomer(options: { partnerCode?: PartnerCode; uploadedAfter?: Date } = {}): Promise<UploadedAssignmentGroup[]> {
    const filter: Filter<JobAssignDocument> = { status: AssignStatus.UPLOADED, partnerCode: options.partnerCode ?? { $ne: null }, pollingEndedAt: null };
    if (options.uploadedAfter) filter['upload.uploadedAt'] = { $gte: options.uploadedAfter };
    const docs = await this.assigns.find(filter).sort({ partnerCode: 1, customerId: 1, _id: 1 }).toArray();
    const groups = new Map<string, UploadedAssignmentGroup>();
    for (const doc of docs) {
      if (!doc.partnerCode) continue;
      const customerId = fromObjectId(doc.customerId);
      const key = `${doc.partnerCode}:${customerId}`;
      let group = groups.get(key);
      if (!group) {
        group = { partnerCode: doc.partnerCode, customerId, partnerAircraftIds: [], assigns: [] };
        groups.set(key, group);
      }
      group.assigns.push(toJobAssign(doc));
      if (doc.partnerAircraftId && !group.partnerAircraftIds.includes(doc.partnerAircraftId)) group.partnerAircraftIds.push(doc.partnerAircraftId);
    }
    for (const group of groups.values()) group.partnerAircraftIds.sort();
    return [...groups.values()];
  }

  /** UPLOADED assignments still polled, uploaded before `uploadedBefore`: may have gone quiet. */
  async findPolledUploadedBefore(uploadedBefore: Date, limit: number): Promise<JobAssign[]> {
    const docs = await this.assigns
      .find({ status: AssignStatus.UPLOADED, pollingEndedAt: null, 'upload.uploadedAt': { $lt: uploadedBefore } })
      .limit(limit)
      .toArray();
    return docs.map(toJobAssign);
  }

  /**
   * Stops polling for an assignment, if it is still UPLOADED as seen (same upload time) and
   * polled. Null when it changed meanwhile (uploaded again, reopened).
   */
  async endPolling(seen: JobAssign): Promise<JobAssign | null> {
    const now = this.clock();
    const doc = await this.writer.update(
      this.assigns,
      {
        ...this.scoped(seen.customerId, seen.id),
        status: AssignStatus.UPLOADED,
        'upload.uploadedAt': seen.upload.uploadedAt ? new Date(seen.upload.uploadedAt) : null,
        pollingEndedAt: null,
      },
      { $set: { pollingEndedAt: now, updatedAt: now } },
    );
    return doc && toJobAssign(doc);
  }

  private scoped(customerId: string, assignId: string): Filter<JobAssignDocument> {
    return { _id: toObjectId(assignId, 'assignId'), customerId: toObjectId(customerId, 'customerId') };
  }

  private async transition(
    customerId: string,
    assignId: string,
    from: AssignStatus,
    to: AssignStatus,
    update: { $set?: Record<string, unknown>; $inc?: Record<string, number> },
  ): Promise<JobAssign | null> {
    assertTransition(AssignStatusMachine, from, to);
    const set = { ...update.$set, status: to, updatedAt: this.clock() };
    const doc = await this.writer.update(
      this.assigns,
      { ...this.scoped(customerId, assignId), status: from },
      { $set: set, ...(update.$inc ? { $inc: update.$inc } : {}) } as UpdateFilter<JobAssignDocument>,
    );
    return doc && toJobAssign(doc);
  }
}

export function toJobAssign(doc: JobAssignDocument): JobAssign {
  return {
    id: fromObjectId(doc._id),
    jobId: fromObjectId(doc.jobId),
    userId: fromObjectId(doc.userId),
    customerId: fromObjectId(doc.customerId),
    partnerCode: doc.partnerCode,
    partnerAircraftId: doc.partnerAircraftId,
    status: doc.status,
    extJobId: doc.extJobId,
    notes: doc.notes,
    upload: {
      attempts: doc.upload.attempts,
      lastError: doc.upload.lastError,
      lastAttemptAt: toIsoOrNull(doc.upload.lastAttemptAt),
      uploadedAt: toIsoOrNull(doc.upload.uploadedAt),
      syncStatus: doc.upload.syncStatus,
    },
    pollingEndedAt: toIsoOrNull(doc.pollingEndedAt ?? null),
    createdAt: toIso(doc.createdAt),
    updatedAt: toIso(doc.updatedAt),
  };
}
