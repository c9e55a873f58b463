import {
  ErrorCategory,
  TaskTrackerMachine,
  TaskTrackerState as State,
  assertTransition,
  type PartnerCode,
  type TaskMessage,
  type TaskResultRef,
  type TaskTracker,
  type TaskType,
} from '@agair/domain-models';
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import {
  errorInfoDocument,
  leaseFor,
  toErrorInfo,
  toLease,
  type ErrorInfoDocument,
  type FailureInput,
  type LeaseDocument,
} from '../infrastructure/lease.js';
import { expiringRecords, type ExpiringRecords } from '../infrastructure/expiry.js';
import { GuardedWriter } from '../infrastructure/guarded-write.js';
import { isDuplicateKeyError } from '../infrastructure/mongo-errors.js';
import { fromObjectId, toObjectId } from '../infrastructure/object-id.mapper.js';
import { systemClock, toIso, toIsoOrNull, type Clock } from '../infrastructure/timestamp.mapper.js';
import { TASK_TRACKERS_COLLECTION } from './task-tracker.indexes.js';

/*
 * These two types mirror the messaging library's TaskTrackerPort (which this library may not
 * import): the repository satisfies that interface structurally.
 */
export type TaskStart = { status: 'run'; trackerTaskId: string } | { status: 'completed' } | { status: 'busy' };
export type RetryDecision =
  | { action: 'retry'; delayMs: number; category: ErrorCategory; reason: string }
  | { action: 'dead-letter'; category: ErrorCategory; reason: string };

export interface TaskTrackerDocument {
  _id: ObjectId;
  version: number;
  taskId: string;
  type: TaskType;
  partnerCode: PartnerCode;
  customerId: ObjectId;
  state: State;
  attempt: number;
  maxAttempts: number;
  retryOf: string | null;
  retriedBy: string | null;
  lease: LeaseDocument | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  lastError: ErrorInfoDocument | null;
  result: TaskResultRef | null;
  /** Absent on trackers written before it existed. */
  subject?: TaskResultRef | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TaskTrackerRepositoryOptions {
  /** Stored on each new tracker; the stuck sweeper fails a task that reached it. */
  maxAttempts?: number;
  clock?: Clock;
}

export interface StuckTaskSweepResult {
  requeued: TaskTracker[];
  failed: TaskTracker[];
}

const TASK_ID_MAX_LENGTH = 128;
// Bounds the claim loop: each round follows one hop of a retry chain or re-reads after a lost race.
const MAX_START_ROUNDS = 64;

/**
 * TaskTrackers make an at-least-once delivered task take effect once. `start` decides whether
 * a delivery runs; `complete` and `recordFailure` close the attempt. Every change is one
 * conditional single-document update with a state predicate (plus the lease owner), after
 * `assertTransition`, through `GuardedWriter` (atomic on FerretDB 1.x too).
 */
export class TaskTrackerRepository {
  private readonly trackers: Collection<TaskTrackerDocument>;
  private readonly writer: GuardedWriter;
  private readonly clock: Clock;
  readonly maxAttempts: number;

  constructor(db: Db, options: TaskTrackerRepositoryOptions = {}) {
    this.trackers = db.collection<TaskTrackerDocument>(TASK_TRACKERS_COLLECTION);
    this.finished = expiringRecords(this.trackers, (before) => ({
      $or: [{ state: State.COMPLETED }, { state: State.FAILED, retriedBy: { $ne: null } }],
      finishedAt: { $lt: before },
    }));
    this.writer = new GuardedWriter(db);
    this.clock = options.clock ?? systemClock;
    this.maxAttempts = options.maxAttempts ?? 5;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new RangeError('maxAttempts must be an integer ≥ 1');
  }

  /**
   * - `run`: this delivery owns the tracker `trackerTaskId` now — a new task, a retry, a dead
   *   owner's expired lease, or an operator's replay of a FAILED task (run under a new id
   *   `<taskId>:r<n>` with `retryOf`; a replay delivered twice starts one new task);
   * - `completed`: the task (or the newest replay of it) already took effect;
   * - `busy`: another consumer holds a live lease on it.
   */
  async start(message: TaskMessage, attempt: number, owner: string, leaseMs: number): Promise<TaskStart> {
    // The first delivery inserts its tracker already claimed: the unique task id makes it the only claimer.
    if (await this.insertClaimed(message, message.taskId, null, attempt, leaseFor(owner, leaseMs, this.clock()))) return { status: 'run', trackerTaskId: message.taskId };
    let taskId = message.taskId;
    let chainIndex = 0;
    for (let round = 0; round < MAX_START_ROUNDS; round++) {
      const now = this.clock();
      if (await this.claim(taskId, attempt, leaseFor(owner, leaseMs, now), now)) return { status: 'run', trackerTaskId: taskId };

      const current = await this.trackers.findOne({ taskId });
      if (!current) throw new Error(`task tracker ${taskId} vanished while starting it`);
      switch (current.state) {
        case State.COMPLETED:
          return { status: 'completed' };
        case State.QUEUED:
          continue;
        case State.PROCESSING:
          if (current.lease && current.lease.expiresAt.getTime() > now.getTime()) return { status: 'busy' };
          continue;
        case State.FAILED: {
          if (current.retriedBy) {
            // Follow the chain to its newest tracker; insert it if its creator died before doing so.
            await this.insertQueued(message, current.retriedBy, current.taskId);
            taskId = current.retriedBy;
            chainIndex++;
            continue;
          }
          const replayId = replayTaskId(message.taskId, chainIndex + 1);
          const started = await this.startReplay(message, current.taskId, replayId, attempt, owner, leaseMs);
          if (started) return { status: 'run', trackerTaskId: replayId };
          continue;
        }
      }
    }
    return { status: 'busy' };
  }

  /**
   * PROCESSING → COMPLETED if `owner` still holds the lease; otherwise (the lease expired and
   * another consumer took the task over, or it was already closed) nothing changes. Use
   * `tryComplete` to learn which.
   */
  async complete(trackerTaskId: string, owner: string): Promise<void> {
    await this.tryComplete(trackerTaskId, owner);
  }

  /** `complete`, saying whether it applied, optionally recording what the task produced. */
  /** The customer's tasks that worked on any of `subjectIds` (replays included), oldest first. */
  async listBySubjects(customerId: string, subjectIds: readonly string[], limit = 1000): Promise<TaskTracker[]> {
    if (subjectIds.length === 0) return [];
    const docs = await this.trackers
      .find({ 'subject.id': { $in: [...subjectIds] }, customerId: toObjectId(customerId, 'customerId') })
      .sort({ createdAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toTaskTracker);
  }

  async tryComplete(trackerTaskId: string, owner: string, result: TaskResultRef | null = null): Promise<boolean> {
    const now = this.clock();
    return this.transition(trackerTaskId, State.PROCESSING, State.COMPLETED, owner, {
      lease: null,
      finishedAt: now,
      result: result && { kind: result.kind, id: result.id },
    });
  }

  /**
   * A failed attempt: `retry` → QUEUED (the message is republished with a delay), `dead-letter`
   * → FAILED. Requires `owner`'s lease; nothing changes when it was lost (see `tryRecordFailure`).
   */
  async recordFailure(trackerTaskId: string, owner: string, attempt: number, decision: RetryDecision): Promise<void> {
    await this.tryRecordFailure(trackerTaskId, owner, attempt, decision);
  }

  /** `recordFailure`, saying whether it applied. */
  async tryRecordFailure(trackerTaskId: string, owner: string, attempt: number, decision: RetryDecision): Promise<boolean> {
    const now = this.clock();
    const lastError = errorInfoDocument({ category: decision.category, message: decision.reason }, now);
    if (decision.action === 'retry') {
      return this.transition(trackerTaskId, State.PROCESSING, State.QUEUED, owner, { lease: null, attempt, lastError });
    }
    return this.transition(trackerTaskId, State.PROCESSING, State.FAILED, owner, { lease: null, attempt, lastError, finishedAt: now });
  }

  /** QUEUED → FAILED: the broker dead-lettered the message before any consumer claimed it. */
  async failQueued(taskId: string, failure: FailureInput): Promise<boolean> {
    const now = this.clock();
    return this.transition(taskId, State.QUEUED, State.FAILED, null, { lastError: errorInfoDocument(failure, now), finishedAt: now });
  }

  /**
   * Retention: trackers of finished work — COMPLETED, or FAILED and already replayed (the replay
   * carries the task on) — by `finishedAt`. A FAILED task nobody replayed stays: it is work an
   * operator still has to decide on.
   */
  readonly finished: ExpiringRecords;

  async findByTaskId(taskId: string): Promise<TaskTracker | null> {
    const doc = await this.trackers.findOne({ taskId });
    return doc && toTaskTracker(doc);
  }

  /** The task and its replays, oldest first. */
  async findChain(taskId: string): Promise<TaskTracker[]> {
    const chain: TaskTracker[] = [];
    let next: string | null = taskId;
    while (next && chain.length < MAX_START_ROUNDS) {
      const doc: TaskTrackerDocument | null = await this.trackers.findOne({ taskId: next });
      if (!doc) break;
      chain.push(toTaskTracker(doc));
      next = doc.retriedBy;
    }
    return chain;
  }

  async listByCustomer(customerId: string, options: { state?: State; limit?: number; skip?: number } = {}): Promise<TaskTracker[]> {
    const filter: Filter<TaskTrackerDocument> = { customerId: toObjectId(customerId, 'customerId') };
    if (options.state) filter.state = options.state;
    const docs = await this.trackers.find(filter).sort({ createdAt: -1, _id: -1 }).skip(options.skip ?? 0).limit(options.limit ?? 100).toArray();
    return docs.map(toTaskTracker);
  }

  /**
   * Extends the lease of a PROCESSING task that `owner` still holds, unexpired, to `leaseMs` from
   * now (the consumer calls it while a long handler runs). False when the lease is lost.
   */
  async renew(trackerTaskId: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const doc = await this.writer.update(
      this.trackers,
      { taskId: trackerTaskId, state: State.PROCESSING, 'lease.owner': owner, 'lease.expiresAt': { $gt: now } },
      { $set: { lease: leaseFor(owner, leaseMs, now), updatedAt: now } },
      { key: trackerTaskId },
    );
    return doc !== null;
  }

  /** PROCESSING trackers whose lease expired before `now`: their consumer is presumably gone. */
  async findStuck(now: Date, options: { limit?: number } = {}): Promise<TaskTracker[]> {
    const docs = await this.findStuckDocuments(now, options.limit ?? 500);
    return docs.map(toTaskTracker);
  }

  /**
   * Stuck trackers → QUEUED below their attempts ceiling (a redelivery, or the DLQ, picks the
   * task up again), → FAILED at it. Each move requires the lease it saw.
   */
  async sweepStuck(now: Date, options: { limit?: number } = {}): Promise<StuckTaskSweepResult> {
    const result: StuckTaskSweepResult = { requeued: [], failed: [] };
    for (const doc of await this.findStuckDocuments(now, options.limit ?? 500)) {
      if (!doc.lease) continue;
      const exhausted = doc.attempt >= doc.maxAttempts;
      const to = exhausted ? State.FAILED : State.QUEUED;
      const message = exhausted
        ? `lease of ${doc.lease.owner} expired at attempt ${doc.attempt} of ${doc.maxAttempts}`
        : `lease of ${doc.lease.owner} expired; requeued`;
      assertTransition(TaskTrackerMachine, State.PROCESSING, to);
      const moved = await this.writer.update(
        this.trackers,
        { _id: doc._id, state: State.PROCESSING, 'lease.owner': doc.lease.owner, 'lease.expiresAt': doc.lease.expiresAt },
        {
          $set: {
            state: to,
            lease: null,
            lastError: errorInfoDocument({ category: ErrorCategory.INTERNAL, message }, now),
            ...(exhausted ? { finishedAt: now } : {}),
            updatedAt: this.clock(),
          },
        },
      );
      if (moved) (exhausted ? result.failed : result.requeued).push(toTaskTracker(moved));
    }
    return result;
  }

  private findStuckDocuments(now: Date, limit: number): Promise<TaskTrackerDocument[]> {
    return this.trackers
      .find({ state: State.PROCESSING, 'lease.expiresAt': { $lt: now } })
      .sort({ 'lease.expiresAt': 1 })
      .limit(limit)
      .toArray();
  }

  /** QUEUED, or PROCESSING with an expired lease (its owner died) → PROCESSING under `lease`. */
  private async claim(taskId: string, attempt: number, lease: LeaseDocument, now: Date): Promise<boolean> {
    assertTransition(TaskTrackerMachine, State.QUEUED, State.PROCESSING);
    const doc = await this.writer.update(
      this.trackers,
      { taskId, $or: [{ state: State.QUEUED }, { state: State.PROCESSING, 'lease.expiresAt': { $lte: now } }] },
      { $set: { state: State.PROCESSING, lease, attempt, startedAt: now, finishedAt: null, updatedAt: now } },
      { key: taskId },
    );
    return doc !== null;
  }

  /**
   * Marks the FAILED tracker `failedTaskId` as replayed by `replayId` — only if nobody did yet
   * (`retriedBy: null`) — and inserts the replay already claimed. False when another delivery
   * of the replay won either step.
   */
  private async startReplay(message: TaskMessage, failedTaskId: string, replayId: string, attempt: number, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const marked = await this.writer.update(
      this.trackers,
      { taskId: failedTaskId, state: State.FAILED, retriedBy: null },
      { $set: { retriedBy: replayId, updatedAt: now } },
      { key: failedTaskId },
    );
    if (!marked) return false;
    // Another delivery saw `retriedBy` first and inserted the replay: false, and it is claimed normally.
    return this.insertClaimed(message, replayId, failedTaskId, attempt, leaseFor(owner, leaseMs, now));
  }

  /** Inserts a new tracker already PROCESSING under `lease`; false when `taskId` has one already. */
  private async insertClaimed(message: TaskMessage, taskId: string, retryOf: string | null, attempt: number, lease: LeaseDocument): Promise<boolean> {
    assertTransition(TaskTrackerMachine, State.QUEUED, State.PROCESSING);
    const now = this.clock();
    const doc = this.newTracker(message, taskId, retryOf, now);
    Object.assign(doc, { state: State.PROCESSING, lease, attempt, startedAt: now });
    try {
      await this.trackers.insertOne(doc);
      this.writer.remember(this.trackers, doc, taskId);
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  private async insertQueued(message: TaskMessage, taskId: string, retryOf: string | null): Promise<void> {
    try {
      await this.trackers.insertOne(this.newTracker(message, taskId, retryOf, this.clock()));
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  private newTracker(message: TaskMessage, taskId: string, retryOf: string | null, now: Date): TaskTrackerDocument {
    return {
      _id: new ObjectId(),
      version: 0,
      taskId,
      type: message.type,
      partnerCode: message.payload.partnerCode,
      customerId: toObjectId(message.payload.customerId, 'payload.customerId'),
      state: TaskTrackerMachine.initial,
      attempt: 1,
      maxAttempts: this.maxAttempts,
      retryOf,
      retriedBy: null,
      lease: null,
      startedAt: null,
      finishedAt: null,
      lastError: null,
      result: null,
      subject: subjectOf(message),
      createdAt: now,
      updatedAt: now,
    };
  }

  private async transition(taskId: string, from: State, to: State, owner: string | null, set: Partial<TaskTrackerDocument>): Promise<boolean> {
    assertTransition(TaskTrackerMachine, from, to);
    const filter: Filter<TaskTrackerDocument> = { taskId, state: from };
    if (owner !== null) filter['lease.owner'] = owner;
    const doc = await this.writer.update(this.trackers, filter, { $set: { ...set, state: to, updatedAt: this.clock() } }, { key: taskId });
    return doc !== null;
  }
}

/** The record a task works on, from its payload. */
function subjectOf(message: TaskMessage): TaskResultRef | null {
  const payload = message.payload as { assignId?: string; trackerId?: string | null };
  if (payload.assignId) return { kind: 'job_assign', id: payload.assignId };
  if (payload.trackerId) return { kind: 'partner_log_tracker', id: payload.trackerId };
  return null;
}

/** `<taskId>:r<n>`, shortened from the left of `taskId` to stay within the task id's 128 characters. */
export function replayTaskId(taskId: string, replayNumber: number): string {
  const suffix = `:r${replayNumber}`;
  return taskId.slice(0, TASK_ID_MAX_LENGTH - suffix.length) + suffix;
}

export function toTaskTracker(doc: TaskTrackerDocument): TaskTracker {
  return {
    taskId: doc.taskId,
    type: doc.type,
    partnerCode: doc.partnerCode,
    customerId: fromObjectId(doc.customerId),
    state: doc.state,
    attempt: doc.attempt,
    maxAttempts: doc.maxAttempts,
    retryOf: doc.retryOf,
    retriedBy: doc.retriedBy,
    lease: toLease(doc.lease),
    startedAt: toIsoOrNull(doc.startedAt),
    finishedAt: toIsoOrNull(doc.finishedAt),
    lastError: toErrorInfo(doc.lastError),
    result: doc.result && { kind: doc.result.kind, id: doc.result.id },
    subject: doc.subject ? { kind: doc.subject.kind, id: doc.subject.id } : null,
    createdAt: toIso(doc.createdAt),
    updatedAt: toIso(doc.updatedAt),
  };
}
