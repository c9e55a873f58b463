import type { ErrorCategory, PartnerCode } from '@agair/domain-models';
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import { expiringRecords, type ExpiringRecords } from '../infrastructure/expiry.js';
import { fromObjectId, toObjectId } from '../infrastructure/object-id.mapper.js';
import { assertStorable } from '../infrastructure/storable.js';
import { systemClock, toDate, toIso, toIsoOrNull, type Clock } from '../infrastructure/timestamp.mapper.js';
import { POLL_RUNS_COLLECTION } from './poll-run.indexes.js';
import { MAX_POLL_RUN_ERRORS, PollRunStatus, type PollRun } from './poll-run.model.js';

interface PollRunErrorDocument {
  partnerCode: PartnerCode | null;
  customerId: string | null;
  category: ErrorCategory;
  message: string;
  at: Date;
}

export interface PollRunDocument {
  _id: ObjectId;
  owner: string;
  partnerCode: PartnerCode | null;
  /** Absent on runs written before cycles recorded their customer scope. */
  customerId?: ObjectId | null;
  status: PollRunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  counters: Record<string, number>;
  errors: PollRunErrorDocument[];
  errorCount: number;
}

export interface PollRunErrorInput {
  partnerCode?: PartnerCode | null;
  customerId?: string | null;
  category: ErrorCategory;
  message: string;
  at?: string | Date;
}

export interface PollRunOutcome {
  counters: Record<string, number>;
  errors?: readonly PollRunErrorInput[];
  /** Defaults to `succeeded` without errors and `partial` with some. */
  status?: typeof PollRunStatus.SUCCEEDED | typeof PollRunStatus.PARTIAL | typeof PollRunStatus.FAILED;
}

const MAX_MESSAGE = 2000;

/** One record per poll cycle: started, finished, counters, errors. */
export class PollRunRepository {
  private readonly runs: Collection<PollRunDocument>;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.runs = db.collection<PollRunDocument>(POLL_RUNS_COLLECTION);
    this.finished = expiringRecords(this.runs, (before) => ({ status: { $ne: PollRunStatus.RUNNING }, finishedAt: { $lt: before } }));
  }

  async start(input: { owner: string; partnerCode?: PartnerCode | null; customerId?: string | null }): Promise<PollRun> {
    const doc: PollRunDocument = {
      _id: new ObjectId(),
      owner: input.owner,
      partnerCode: input.partnerCode ?? null,
      customerId: input.customerId ? toObjectId(input.customerId, 'customerId') : null,
      status: PollRunStatus.RUNNING,
      startedAt: this.clock(),
      finishedAt: null,
      durationMs: null,
      counters: {},
      errors: [],
      errorCount: 0,
    };
    await this.runs.insertOne(doc);
    return toPollRun(doc);
  }

  /** Closes a running cycle. Null when it is unknown or already closed. */
  async finish(runId: string, outcome: PollRunOutcome): Promise<PollRun | null> {
    const _id = toObjectId(runId, 'runId');
    const now = this.clock();
    const current = await this.runs.findOne({ _id, status: PollRunStatus.RUNNING }, { projection: { startedAt: 1 } });
    if (!current) return null;
    const errors = (outcome.errors ?? []).slice(0, MAX_POLL_RUN_ERRORS).map((e) => ({
      partnerCode: e.partnerCode ?? null,
      customerId: e.customerId ?? null,
      category: e.category,
      message: e.message.slice(0, MAX_MESSAGE),
      at: e.at === undefined ? now : toDate(e.at, 'errors.at'),
    }));
    const counters = { ...outcome.counters };
    assertStorable(counters, '/counters');
    const errorCount = outcome.errors?.length ?? 0;
    const status = outcome.status ?? (errorCount > 0 ? PollRunStatus.PARTIAL : PollRunStatus.SUCCEEDED);
    const doc = await this.runs.findOneAndUpdate(
      { _id, status: PollRunStatus.RUNNING },
      { $set: { status, finishedAt: now, durationMs: Math.max(0, now.getTime() - current.startedAt.getTime()), counters, errors, errorCount } },
      { returnDocument: 'after' },
    );
    return doc && toPollRun(doc);
  }

  /** Retention: finished runs (any status but running), by `finishedAt`. */
  readonly finished: ExpiringRecords;

  async findById(runId: string): Promise<PollRun | null> {
    const doc = await this.runs.findOne({ _id: toObjectId(runId, 'runId') });
    return doc && toPollRun(doc);
  }

  /** Newest first. */
  async listRecent(options: { limit?: number; partnerCode?: PartnerCode } = {}): Promise<PollRun[]> {
    const filter: Filter<PollRunDocument> = {};
    if (options.partnerCode) filter.partnerCode = options.partnerCode;
    const docs = await this.runs.find(filter).sort({ startedAt: -1, _id: -1 }).limit(options.limit ?? 20).toArray();
    return docs.map(toPollRun);
  }

  /** Runs still `running` that started before `startedBefore`: their poller died. → failed. */
  async abandonStale(startedBefore: Date): Promise<number> {
    const now = this.clock();
    const result = await this.runs.updateMany(
      { status: PollRunStatus.RUNNING, startedAt: { $lt: startedBefore } },
      { $set: { status: PollRunStatus.FAILED, finishedAt: now } },
    );
    return result.modifiedCount;
  }
}

export function toPollRun(doc: PollRunDocument): PollRun {
  return {
    id: fromObjectId(doc._id),
    owner: doc.owner,
    partnerCode: doc.partnerCode,
    customerId: doc.customerId ? fromObjectId(doc.customerId) : null,
    status: doc.status,
    startedAt: toIso(doc.startedAt),
    finishedAt: toIsoOrNull(doc.finishedAt),
    durationMs: doc.durationMs,
    counters: { ...doc.counters },
    errors: doc.errors.map((e) => ({ partnerCode: e.partnerCode, customerId: e.customerId, category: e.category, message: e.message, at: toIso(e.at) })),
    errorCount: doc.errorCount,
  };
}
