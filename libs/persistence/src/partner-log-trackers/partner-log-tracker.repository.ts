import {
  ErrorCategory,
  PartnerLogTrackerMachine,
  PartnerLogTrackerState as State,
  assertTransition,
  type LogMatchOverride,
  type LogSkip,
  type LogSkipReason,
  type PartnerCode,
  type PartnerLogTracker,
} from '@agair/domain-models';
import { ObjectId, type Collection, type Db, type Filter, type UpdateFilter } from 'mongodb';
import {
  errorInfoDocument,
  leaseFor,
  toErrorInfo,
  toLease,
  type ErrorInfoDocument,
  type FailureInput,
  type LeaseDocument,
} from '../infrastructure/lease.js';
import { GuardedWriter } from '../infrastructure/guarded-write.js';
import { isDuplicateKeyError } from '../infrastructure/mongo-errors.js';
import { pageOf, type Page } from '../infrastructure/page.js';
import { fromObjectId, fromObjectIdOrNull, toObjectId } from '../infrastructure/object-id.mapper.js';
import { systemClock, toDateOrNull, toIso, toIsoOrNull, type Clock } from '../infrastructure/timestamp.mapper.js';
import { PARTNER_LOG_TRACKERS_COLLECTION } from './partner-log-tracker.indexes.js';

export interface PartnerLogTrackerDocument {
  _id: ObjectId;
  version: number;
  partnerCode: PartnerCode;
  customerId: ObjectId;
  aircraftId: string;
  logId: string;
  fileName: string;
  loggedAt: Date | null;
  state: State;
  attempts: number;
  lease: LeaseDocument | null;
  contentHash: string | null;
  storedFileId: ObjectId | null;
  sizeBytes: number | null;
  enqueuedAt: Date | null;
  error: ErrorInfoDocument | null;
  /** Absent on trackers written before skip reasons were recorded. */
  skip?: LogSkipDocument | null;
  applicationFileId: ObjectId | null;
  /** Absent on trackers written before operators could name a log's job. */
  matchOverride?: MatchOverrideDocument | null;
  downloadedAt: Date | null;
  processedAt: Date | null;
  /** Absent on trackers written before retention existed. */
  rawLogRemovedAt?: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface LogSkipDocument {
  reason: LogSkipReason;
  message: string;
  at: Date;
}

export interface MatchOverrideDocument {
  jobId: ObjectId;
  by: string;
  at: Date;
}

/** A log as the partner lists it. */
export interface ListedPartnerLog {
  partnerCode: PartnerCode;
  customerId: string;
  aircraftId: string;
  logId: string;
  fileName: string;
  loggedAt?: string | Date | null;
}

export interface StoredLogFile {
  contentHash: string;
  storedFileId: string;
  sizeBytes: number;
}

export interface LeaseSweepResult {
  /** DOWNLOADING → PENDING and PROCESSING → DOWNLOADED: to be tried again. */
  reclaimed: PartnerLogTracker[];
  /** Reached the attempts ceiling: → FAILED. */
  failed: PartnerLogTracker[];
}

type Update = UpdateFilter<PartnerLogTrackerDocument>;

/** What an operator narrows a customer's logs by. */
export interface PartnerLogTrackerFilter {
  partnerCode?: PartnerCode;
  aircraftId?: string;
  state?: State;
  createdFrom?: Date;
  createdTo?: Date;
}

function minId(a: ObjectId | undefined, b: ObjectId): ObjectId {
  return a && a.toHexString() < b.toHexString() ? a : b;
}

/** Work is over for the log: its raw file may go once the retention period has passed. */
const FINISHED_STATES: readonly State[] = [State.PROCESSED, State.FAILED, State.SKIPPED];

/** The raw log is stored and the retention sweep has not started removing it. */
const RAW_LOG_KEPT: Filter<PartnerLogTrackerDocument> = { storedFileId: { $ne: null }, rawLogRemovedAt: null };

function rawLogsToRemoveFilter(before: Date): Filter<PartnerLogTrackerDocument> {
  return { state: { $in: [...FINISHED_STATES] }, ...RAW_LOG_KEPT, updatedAt: { $lt: before } };
}

/**
 * The life of each partner flight log. Every state change asserts the transition on
 * `PartnerLogTrackerMachine`, then applies it as one conditional single-document update whose
 * filter requires the `from` state (and, for leased states, the lease owner) — through
 * `GuardedWriter`, since a bare findOneAndUpdate is not atomic on FerretDB 1.x. A null result
 * means the predicate no longer held — another process won — and is not an error.
 */
export class PartnerLogTrackerRepository {
  private readonly trackers: Collection<PartnerLogTrackerDocument>;
  private readonly writer: GuardedWriter;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.trackers = db.collection<PartnerLogTrackerDocument>(PARTNER_LOG_TRACKERS_COLLECTION);
    this.writer = new GuardedWriter(db);
  }

  /**
   * The tracker of a listed log, created PENDING the first time the log is seen. Unique on
   * (partnerCode, customerId, logId): concurrent pollers listing the same log get one tracker.
   */
  async upsertPending(log: ListedPartnerLog): Promise<{ tracker: PartnerLogTracker; created: boolean }> {
    return this.insertOnce(this.newDocument(log));
  }

  /**
   * The tracker of a log an operator uploaded by hand, created DOWNLOADED with its stored file
   * (it has nothing to download), and the operator's job when one was named. A manual log's id
   * is derived from its content, so uploading the same bytes again finds the same tracker
   * (`created: false`).
   */
  async insertUploaded(log: ListedPartnerLog, file: StoredLogFile, matchOverride: { jobId: string; by: string } | null): Promise<{ tracker: PartnerLogTracker; created: boolean }> {
    const doc = this.newDocument(log);
    Object.assign(doc, {
      state: State.DOWNLOADED,
      contentHash: file.contentHash,
      storedFileId: toObjectId(file.storedFileId, 'storedFileId'),
      sizeBytes: file.sizeBytes,
      downloadedAt: doc.createdAt,
      matchOverride: matchOverride && this.overrideDocument(matchOverride),
    });
    return this.insertOnce(doc);
  }

  /**
   * Sets (or with null clears) the job an operator chose for the log; processing it again uses
   * it. A guarded write like the state changes, so a concurrent transition is not overwritten.
   */
  async setMatchOverride(customerId: string, trackerId: string, matchOverride: { jobId: string; by: string } | null): Promise<PartnerLogTracker | null> {
    const doc = await this.writer.update(
      this.trackers,
      { _id: toObjectId(trackerId, 'trackerId'), customerId: toObjectId(customerId, 'customerId') },
      { $set: { matchOverride: matchOverride && this.overrideDocument(matchOverride), updatedAt: this.clock() } },
    );
    return doc && toPartnerLogTracker(doc);
  }

  private overrideDocument(matchOverride: { jobId: string; by: string }): MatchOverrideDocument {
    return { jobId: toObjectId(matchOverride.jobId, 'jobId'), by: matchOverride.by, at: this.clock() };
  }

  private newDocument(log: ListedPartnerLog): PartnerLogTrackerDocument {
    const now = this.clock();
    return {
      _id: new ObjectId(),
      version: 0,
      partnerCode: log.partnerCode,
      customerId: toObjectId(log.customerId, 'customerId'),
      aircraftId: log.aircraftId,
      logId: log.logId,
      fileName: log.fileName,
      loggedAt: toDateOrNull(log.loggedAt, 'loggedAt'),
      state: PartnerLogTrackerMachine.initial,
      attempts: 0,
      lease: null,
      contentHash: null,
      storedFileId: null,
      sizeBytes: null,
      enqueuedAt: null,
      error: null,
      skip: null,
      applicationFileId: null,
      matchOverride: null,
      downloadedAt: null,
      processedAt: null,
      rawLogRemovedAt: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** Unique on (partnerCode, customerId, logId): a second insert of the same log returns the first. */
  private async insertOnce(doc: PartnerLogTrackerDocument): Promise<{ tracker: PartnerLogTracker; created: boolean }> {
    try {
      await this.trackers.insertOne(doc);
      this.writer.remember(this.trackers, doc);
      return { tracker: toPartnerLogTracker(doc), created: true };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await this.trackers.findOne({ partnerCode: doc.partnerCode, customerId: doc.customerId, logId: doc.logId });
      if (!existing) throw err;
      return { tracker: toPartnerLogTracker(existing), created: false };
    }
  }

  async findById(customerId: string, trackerId: string): Promise<PartnerLogTracker | null> {
    const doc = await this.trackers.findOne({ _id: toObjectId(trackerId, 'trackerId'), customerId: toObjectId(customerId, 'customerId') });
    return doc && toPartnerLogTracker(doc);
  }

  /** The customer a tracker belongs to, for callers that may reach any customer's (admins); null when there is no such tracker. */
  async customerOf(trackerId: string): Promise<string | null> {
    const doc = await this.trackers.findOne({ _id: toObjectId(trackerId, 'trackerId') }, { projection: { customerId: 1 } });
    return doc ? fromObjectId(doc.customerId) : null;
  }

  async findByLog(partnerCode: PartnerCode, customerId: string, logId: string): Promise<PartnerLogTracker | null> {
    const doc = await this.trackers.findOne({ partnerCode, customerId: toObjectId(customerId, 'customerId'), logId });
    return doc && toPartnerLogTracker(doc);
  }

  /** The customer's first tracker (other than `exceptTrackerId`) whose file has these bytes. */
  async findByContentHash(customerId: string, contentHash: string, exceptTrackerId?: string): Promise<PartnerLogTracker | null> {
    const filter: Filter<PartnerLogTrackerDocument> = { customerId: toObjectId(customerId, 'customerId'), contentHash };
    if (exceptTrackerId) filter._id = { $ne: toObjectId(exceptTrackerId, 'trackerId') };
    const doc = await this.trackers.find(filter).sort({ createdAt: 1 }).limit(1).next();
    return doc && toPartnerLogTracker(doc);
  }

  async listByCustomer(customerId: string, options: { state?: State; limit?: number; skip?: number } = {}): Promise<PartnerLogTracker[]> {
    const filter: Filter<PartnerLogTrackerDocument> = { customerId: toObjectId(customerId, 'customerId') };
    if (options.state) filter.state = options.state;
    const docs = await this.trackers.find(filter).sort({ createdAt: -1, _id: -1 }).skip(options.skip ?? 0).limit(options.limit ?? 100).toArray();
    return docs.map(toPartnerLogTracker);
  }

  /** Operators' view of a customer's logs, newest first, narrowed by `filter`; `after` is the previous page's `next`. */
  async page(customerId: string, filter: PartnerLogTrackerFilter, options: { after?: string; limit: number }): Promise<Page<PartnerLogTracker>> {
    const query: Filter<PartnerLogTrackerDocument> = { customerId: toObjectId(customerId, 'customerId') };
    if (filter.partnerCode) query.partnerCode = filter.partnerCode;
    if (filter.aircraftId) query.aircraftId = filter.aircraftId;
    if (filter.state) query.state = filter.state;
    const ids: { $lt?: ObjectId; $gte?: ObjectId } = {};
    if (options.after) ids.$lt = toObjectId(options.after, 'cursor');
    // Creation time is in the id: a time range is an id range, served by the same index.
    if (filter.createdFrom) ids.$gte = ObjectId.createFromTime(Math.floor(filter.createdFrom.getTime() / 1000));
    if (filter.createdTo) ids.$lt = minId(ids.$lt, ObjectId.createFromTime(Math.ceil(filter.createdTo.getTime() / 1000)));
    if (ids.$lt || ids.$gte) query._id = ids;
    const docs = await this.trackers.find(query).sort({ _id: -1 }).limit(options.limit + 1).toArray();
    return pageOf(docs, options.limit, toPartnerLogTracker);
  }

  /** The most recently failed logs of a partner (all customers unless one is named), newest first. */
  async listRecentFailed(filter: { partnerCode: PartnerCode; customerId?: string; limit?: number }): Promise<PartnerLogTracker[]> {
    const query: Filter<PartnerLogTrackerDocument> = { partnerCode: filter.partnerCode, state: State.FAILED };
    if (filter.customerId) query.customerId = toObjectId(filter.customerId, 'customerId');
    const docs = await this.trackers.find(query).sort({ updatedAt: -1, _id: -1 }).limit(filter.limit ?? 10).toArray();
    return docs.map(toPartnerLogTracker);
  }

  /** PENDING → DOWNLOADING under a lease, attempts + 1. Null if someone else claimed it. */
  async claimForDownload(trackerId: string, owner: string, leaseMs: number): Promise<PartnerLogTracker | null> {
    const now = this.clock();
    return this.transition(trackerId, State.PENDING, State.DOWNLOADING, null, {
      $set: { lease: leaseFor(owner, leaseMs, now) },
      $inc: { attempts: 1 },
    });
  }

  /** DOWNLOADING → DOWNLOADED with the stored file; the lease is released. */
  async markDownloaded(trackerId: string, owner: string, file: StoredLogFile): Promise<PartnerLogTracker | null> {
    const now = this.clock();
    return this.transition(trackerId, State.DOWNLOADING, State.DOWNLOADED, owner, {
      $set: {
        lease: null,
        contentHash: file.contentHash,
        storedFileId: toObjectId(file.storedFileId, 'storedFileId'),
        sizeBytes: file.sizeBytes,
        downloadedAt: now,
        enqueuedAt: null,
        error: null,
        rawLogRemovedAt: null,
      },
    });
  }

  /** Records that PROCESS_PARTNER_LOG was published for a DOWNLOADED tracker (no state change). */
  async markEnqueued(trackerId: string): Promise<PartnerLogTracker | null> {
    const now = this.clock();
    const doc = await this.writer.update(
      this.trackers,
      { _id: toObjectId(trackerId, 'trackerId'), state: State.DOWNLOADED },
      { $set: { enqueuedAt: now, updatedAt: now } },
    );
    return doc && toPartnerLogTracker(doc);
  }

  /** DOWNLOADING → PENDING after a retryable download failure: the next poll tries again. */
  async releaseDownload(trackerId: string, owner: string, failure: FailureInput): Promise<PartnerLogTracker | null> {
    return this.transition(trackerId, State.DOWNLOADING, State.PENDING, owner, {
      $set: { lease: null, error: errorInfoDocument(failure, this.clock()) },
    });
  }

  /**
   * DOWNLOADED → PROCESSING under a lease, attempts + 1; or FAILED → PROCESSING for a replayed
   * task when the file is stored (attempts start again at 1). Null if someone else holds it or
   * there is nothing to process.
   */
  async claimForProcessing(trackerId: string, owner: string, leaseMs: number): Promise<PartnerLogTracker | null> {
    const now = this.clock();
    const lease = leaseFor(owner, leaseMs, now);
    const claimed = await this.transition(trackerId, State.DOWNLOADED, State.PROCESSING, null, { $set: { lease }, $inc: { attempts: 1 } });
    if (claimed) return claimed;
    return this.transition(trackerId, State.FAILED, State.PROCESSING, null, { $set: { lease, attempts: 1 } }, RAW_LOG_KEPT);
  }

  /**
   * Extends the lease of a DOWNLOADING or PROCESSING tracker that `owner` still holds, unexpired,
   * to `leaseMs` from now: what a long download or processing calls while it runs. False when the
   * lease is lost (expired, swept, or the tracker moved on); the caller's work is then no longer
   * exclusive and its final transition will fail.
   */
  async renewLease(trackerId: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const doc = await this.writer.update(
      this.trackers,
      {
        _id: toObjectId(trackerId, 'trackerId'),
        state: { $in: [State.DOWNLOADING, State.PROCESSING] },
        'lease.owner': owner,
        'lease.expiresAt': { $gt: now },
      },
      { $set: { lease: leaseFor(owner, leaseMs, now), updatedAt: now } },
    );
    return doc !== null;
  }

  /**
   * PROCESSING → DOWNLOADED after a retryable processing failure, so the task's retry can claim
   * it at once. `enqueuedAt` is kept: the retry is already on its way through the queue.
   */
  async releaseProcessing(trackerId: string, owner: string, failure: FailureInput): Promise<PartnerLogTracker | null> {
    return this.transition(trackerId, State.PROCESSING, State.DOWNLOADED, owner, {
      $set: { lease: null, error: errorInfoDocument(failure, this.clock()) },
    });
  }

  /** PROCESSING → PROCESSED with the application record it produced. */
  async markProcessed(trackerId: string, owner: string, result: { applicationFileId: string }): Promise<PartnerLogTracker | null> {
    return this.transition(trackerId, State.PROCESSING, State.PROCESSED, owner, {
      $set: {
        lease: null,
        error: null,
        applicationFileId: toObjectId(result.applicationFileId, 'applicationFileId'),
        processedAt: this.clock(),
      },
    });
  }

  /**
   * DOWNLOADED → FAILED: processing failed (each failure handed the log back to DOWNLOADED) until
   * the worker gave up on its task. Null when the log has moved on (a sweep or a replay has it).
   */
  async failDownloaded(trackerId: string, failure: FailureInput): Promise<PartnerLogTracker | null> {
    return this.transition(trackerId, State.DOWNLOADED, State.FAILED, null, { $set: { lease: null, error: errorInfoDocument(failure, this.clock()) } });
  }

  /** DOWNLOADING or PROCESSING → FAILED: retrying cannot help (or the attempts ceiling is reached). */
  async markFailed(trackerId: string, owner: string, failure: FailureInput): Promise<PartnerLogTracker | null> {
    return this.transition(trackerId, [State.DOWNLOADING, State.PROCESSING], State.FAILED, owner, {
      $set: { lease: null, error: errorInfoDocument(failure, this.clock()) },
    });
  }

  /**
   * DOWNLOADING or PROCESSING → SKIPPED: duplicate content, or no application in the log. The
   * reason, when given, is kept on the tracker (`skip`) for operators and filters.
   */
  async markSkipped(trackerId: string, owner: string, skip?: { reason: LogSkipReason; message: string }): Promise<PartnerLogTracker | null> {
    const recorded: LogSkipDocument | null = skip ? { reason: skip.reason, message: skip.message.slice(0, 2000), at: this.clock() } : null;
    return this.transition(trackerId, [State.DOWNLOADING, State.PROCESSING], State.SKIPPED, owner, { $set: { lease: null, error: null, skip: recorded } });
  }

  /** PENDING → SKIPPED: listed but out of scope (too old, no uploaded assignment). */
  async skipPending(trackerId: string): Promise<PartnerLogTracker | null> {
    return this.transition(trackerId, State.PENDING, State.SKIPPED, null, {});
  }

  /**
   * FAILED → PENDING: an operator asks to download again. Attempts start from 0. Refused (null)
   * while the retention sweep is removing the raw log (marked, file not yet gone).
   */
  async retryDownload(trackerId: string): Promise<PartnerLogTracker | null> {
    return this.transition(trackerId, State.FAILED, State.PENDING, null, { $set: { attempts: 0, lease: null } }, { $or: [{ rawLogRemovedAt: null }, { storedFileId: null }] });
  }

  /**
   * Keeps a finished tracker's raw log out of the retention sweep while it is read again (a
   * PROCESS_PARTNER_DATA_FILE reprocessing): touches `updatedAt`, which the sweep's age and its
   * guarded mark both look at. Null when the raw log is gone or being removed.
   */
  async holdRawLog(customerId: string, trackerId: string): Promise<PartnerLogTracker | null> {
    const now = this.clock();
    const doc = await this.writer.update(
      this.trackers,
      { _id: toObjectId(trackerId, 'trackerId'), customerId: toObjectId(customerId, 'customerId'), ...RAW_LOG_KEPT },
      { $set: { updatedAt: now } },
    );
    return doc && toPartnerLogTracker(doc);
  }

  // Retention of raw logs, in three steps so a sweep killed half-way is finished by the next:
  // mark (guarded: from then on nothing claims or holds the log), remove the file, clear the reference.

  /**
   * Finished trackers (PROCESSED, FAILED, SKIPPED) holding a raw log, unchanged since `before`,
   * and not yet marked: what the retention sweep may remove.
   */
  async findRawLogsToRemove(before: Date, limit: number): Promise<PartnerLogTracker[]> {
    const docs = await this.trackers.find(rawLogsToRemoveFilter(before)).limit(limit).toArray();
    return docs.map(toPartnerLogTracker);
  }

  async countRawLogsToRemove(before: Date): Promise<number> {
    return this.trackers.countDocuments(rawLogsToRemoveFilter(before));
  }

  /**
   * Marks the raw log of `seen` as being removed, if the tracker is still as it was seen (same
   * state and `updatedAt`): a replay or reprocessing that claimed or held it in between wins.
   */
  async markRawLogRemoval(seen: PartnerLogTracker): Promise<PartnerLogTracker | null> {
    if (!seen.storedFileId || !FINISHED_STATES.includes(seen.state)) return null;
    const now = this.clock();
    const doc = await this.writer.update(
      this.trackers,
      {
        _id: toObjectId(seen.id, 'trackerId'),
        state: seen.state,
        updatedAt: new Date(seen.updatedAt),
        storedFileId: toObjectId(seen.storedFileId, 'storedFileId'),
        rawLogRemovedAt: null,
      },
      { $set: { rawLogRemovedAt: now, updatedAt: now } },
    );
    return doc && toPartnerLogTracker(doc);
  }

  /** Marked trackers whose file reference is not cleared yet: a sweep that stopped half-way. */
  async findRawLogRemovalsUnfinished(limit: number): Promise<PartnerLogTracker[]> {
    const docs = await this.trackers.find({ rawLogRemovedAt: { $ne: null }, storedFileId: { $ne: null } }).limit(limit).toArray();
    return docs.filter((doc) => doc.rawLogRemovedAt != null).map(toPartnerLogTracker);
  }

  /** Trackers other than `exceptTrackerId` that still use the file and are not giving it up. */
  async countUsersOfFile(storedFileId: string, exceptTrackerId: string): Promise<number> {
    return this.trackers.countDocuments({
      storedFileId: toObjectId(storedFileId, 'storedFileId'),
      _id: { $ne: toObjectId(exceptTrackerId, 'trackerId') },
      rawLogRemovedAt: null,
    });
  }

  /** The last step: the marked tracker no longer points at the removed file. */
  async clearRemovedRawLog(trackerId: string, storedFileId: string): Promise<PartnerLogTracker | null> {
    const doc = await this.writer.update(
      this.trackers,
      { _id: toObjectId(trackerId, 'trackerId'), storedFileId: toObjectId(storedFileId, 'storedFileId'), rawLogRemovedAt: { $ne: null } },
      { $set: { storedFileId: null, updatedAt: this.clock() } },
    );
    return doc && toPartnerLogTracker(doc);
  }

  /**
   * Reclaims trackers whose lease expired before `now` (their owner died): DOWNLOADING →
   * PENDING and PROCESSING → DOWNLOADED (the file is stored; `enqueuedAt` is cleared so it is
   * re-enqueued), or → FAILED once `attempts` has reached `maxAttempts`. Each move requires
   * the lease it saw, so a sweeper racing a late owner or another sweeper changes nothing twice.
   */
  async sweepExpiredLeases(now: Date, maxAttempts: number, options: { limit?: number } = {}): Promise<LeaseSweepResult> {
    const expired = await this.trackers
      .find({ state: { $in: [State.DOWNLOADING, State.PROCESSING] }, 'lease.expiresAt': { $lt: now } })
      .sort({ 'lease.expiresAt': 1 })
      .limit(options.limit ?? 500)
      .toArray();
    const result: LeaseSweepResult = { reclaimed: [], failed: [] };
    for (const doc of expired) {
      if (!doc.lease) continue;
      const exhausted = doc.attempts >= maxAttempts;
      const to = exhausted ? State.FAILED : doc.state === State.DOWNLOADING ? State.PENDING : State.DOWNLOADED;
      const message = exhausted
        ? `lease of ${doc.lease.owner} expired; ${doc.attempts} attempts reached the ceiling of ${maxAttempts}`
        : `lease of ${doc.lease.owner} expired; reclaimed`;
      const set: Record<string, unknown> = { lease: null, error: errorInfoDocument({ category: ErrorCategory.INTERNAL, message }, now) };
      if (to === State.DOWNLOADED) set['enqueuedAt'] = null;
      const moved = await this.transition(
        fromObjectId(doc._id),
        doc.state,
        to,
        doc.lease.owner,
        { $set: set },
        { 'lease.expiresAt': doc.lease.expiresAt },
      );
      if (moved) (exhausted ? result.failed : result.reclaimed).push(moved);
    }
    return result;
  }

  /** DOWNLOADED trackers never enqueued and last changed before `olderThan`: publish them (again). */
  async findDownloadedNotEnqueued(olderThan: Date, options: { limit?: number } = {}): Promise<PartnerLogTracker[]> {
    const docs = await this.trackers
      .find({ state: State.DOWNLOADED, enqueuedAt: null, updatedAt: { $lt: olderThan } })
      .sort({ updatedAt: 1 })
      .limit(options.limit ?? 500)
      .toArray();
    return docs.map(toPartnerLogTracker);
  }

  private async transition(
    trackerId: string,
    from: State | readonly State[],
    to: State,
    owner: string | null,
    update: Update,
    extraFilter: Filter<PartnerLogTrackerDocument> = {},
  ): Promise<PartnerLogTracker | null> {
    const froms = typeof from === 'string' ? [from] : from;
    for (const state of froms) assertTransition(PartnerLogTrackerMachine, state, to);
    const filter: Filter<PartnerLogTrackerDocument> = {
      ...extraFilter,
      _id: toObjectId(trackerId, 'trackerId'),
      state: froms.length === 1 ? froms[0] : { $in: [...froms] },
    };
    if (owner !== null) filter['lease.owner'] = owner;
    const doc = await this.writer.update(this.trackers, filter, { ...update, $set: { ...update.$set, state: to, updatedAt: this.clock() } });
    return doc && toPartnerLogTracker(doc);
  }
}

export function toPartnerLogTracker(doc: PartnerLogTrackerDocument): PartnerLogTracker {
  return {
    id: fromObjectId(doc._id),
    partnerCode: doc.partnerCode,
    customerId: fromObjectId(doc.customerId),
    aircraftId: doc.aircraftId,
    logId: doc.logId,
    fileName: doc.fileName,
    loggedAt: toIsoOrNull(doc.loggedAt),
    state: doc.state,
    attempts: doc.attempts,
    lease: toLease(doc.lease),
    contentHash: doc.contentHash,
    storedFileId: fromObjectIdOrNull(doc.storedFileId),
    sizeBytes: doc.sizeBytes,
    enqueuedAt: toIsoOrNull(doc.enqueuedAt),
    error: toErrorInfo(doc.error),
    skip: toLogSkip(doc.skip ?? null),
    applicationFileId: fromObjectIdOrNull(doc.applicationFileId),
    matchOverride: toMatchOverride(doc.matchOverride ?? null),
    downloadedAt: toIsoOrNull(doc.downloadedAt),
    processedAt: toIsoOrNull(doc.processedAt),
    rawLogRemovedAt: toIsoOrNull(doc.rawLogRemovedAt ?? null),
    createdAt: toIso(doc.createdAt),
    updatedAt: toIso(doc.updatedAt),
  };
}

function toMatchOverride(doc: MatchOverrideDocument | null): LogMatchOverride | null {
  return doc && { jobId: fromObjectId(doc.jobId), by: doc.by, at: toIso(doc.at) };
}

function toLogSkip(doc: LogSkipDocument | null): LogSkip | null {
  return doc && { reason: doc.reason, message: doc.message, at: toIso(doc.at) };
}
