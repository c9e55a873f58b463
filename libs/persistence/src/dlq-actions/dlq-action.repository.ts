import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import { fromObjectId, toObjectId } from '../infrastructure/object-id.mapper.js';
import { pageOf, type Page } from '../infrastructure/page.js';
import { systemClock, toIso, toIsoOrNull, type Clock } from '../infrastructure/timestamp.mapper.js';
import { DLQ_ACTIONS_COLLECTION } from './dlq-action.indexes.js';

export const DlqActionOutcome = {
  /** Recorded before the action ran; stays so when the process died or the database went away before the end was recorded. */
  STARTED: 'started',
  SUCCEEDED: 'succeeded',
  /** Some of the chosen messages could not be moved (their queue does not exist) and stayed where they were. */
  PARTIAL: 'partial',
  /** Refused before anything moved: a stale confirmation, another mover on the queue, no such queue. */
  REFUSED: 'refused',
  FAILED: 'failed',
} as const;
export type DlqActionOutcome = (typeof DlqActionOutcome)[keyof typeof DlqActionOutcome];

/** Task ids kept per action; the count of the others is kept instead. */
export const DLQ_ACTION_MAX_TASK_IDS = 1000;

export type DlqActionValue = string | number | boolean | null | string[];

/**
 * What an operator did to a dead-letter queue (retry, purge into the archive, restore): who, when,
 * on which queue, what was asked, and how it ended, with the ids of the tasks it moved. Unlike an
 * `OperatorAction` it belongs to no customer: a DLQ holds every customer's tasks.
 */
export interface DlqAction {
  id: string;
  at: string;
  finishedAt: string | null;
  /** The token's subject. */
  actor: string;
  action: string;
  /** The work queue; its DLQ is `deadLetterQueue`. */
  queue: string;
  deadLetterQueue: string;
  /** What was asked: a position, a header and value, a confirmation, archive ids. */
  parameters: Record<string, DlqActionValue>;
  outcome: DlqActionOutcome;
  /** moved, archived, restored, left, failed… */
  counts: Record<string, number>;
  taskIds: string[];
  /** Task ids beyond `DLQ_ACTION_MAX_TASK_IDS`, counted but not kept. */
  taskIdsOmitted: number;
  /** `CODE: message` when refused or failed. */
  error: string | null;
}

export type DlqActionStart = Pick<DlqAction, 'actor' | 'action' | 'queue' | 'deadLetterQueue' | 'parameters'>;
export interface DlqActionEnd {
  outcome: Exclude<DlqActionOutcome, 'started'>;
  counts?: Record<string, number>;
  taskIds?: readonly string[];
  error?: string | null;
}

/** Stored as the view, with the database's id and dates. */
type DlqActionDocument = Omit<DlqAction, 'id' | 'at' | 'finishedAt'> & { _id: ObjectId; at: Date; finishedAt: Date | null };

export class DlqActionRepository {
  private readonly actions: Collection<DlqActionDocument>;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.actions = db.collection<DlqActionDocument>(DLQ_ACTIONS_COLLECTION);
  }

  /** Records an action about to run (outcome `started`); `finish` records how it ended. */
  async start(input: DlqActionStart): Promise<DlqAction> {
    const doc: DlqActionDocument = {
      _id: new ObjectId(),
      at: this.clock(),
      finishedAt: null,
      actor: storableText(input.actor),
      action: input.action,
      queue: storableText(input.queue),
      deadLetterQueue: storableText(input.deadLetterQueue),
      parameters: Object.fromEntries(Object.entries(input.parameters).map(([key, value]) => [key, storableValue(value)])),
      outcome: DlqActionOutcome.STARTED,
      counts: {},
      taskIds: [],
      taskIdsOmitted: 0,
      error: null,
    };
    await this.actions.insertOne(doc);
    return toDlqAction(doc);
  }

  /** Records the end of a started action; false when there is no such started action. */
  async finish(id: string, end: DlqActionEnd): Promise<boolean> {
    const taskIds = end.taskIds ?? [];
    const result = await this.actions.updateOne(
      { _id: toObjectId(id, 'id'), outcome: DlqActionOutcome.STARTED },
      {
        $set: {
          finishedAt: this.clock(),
          outcome: end.outcome,
          counts: end.counts ?? {},
          taskIds: taskIds.slice(0, DLQ_ACTION_MAX_TASK_IDS).map(storableText),
          taskIdsOmitted: Math.max(0, taskIds.length - DLQ_ACTION_MAX_TASK_IDS),
          error: end.error === undefined || end.error === null ? null : storableText(end.error),
        },
      },
    );
    return result.matchedCount === 1;
  }

  /** Actions newest first, every queue's or one work queue's. */
  async page(options: { queue?: string; after?: string; limit: number }): Promise<Page<DlqAction>> {
    const filter: Filter<DlqActionDocument> = {};
    if (options.queue !== undefined) filter.queue = options.queue;
    if (options.after) filter._id = { $lt: toObjectId(options.after, 'cursor') };
    const docs = await this.actions.find(filter).sort({ _id: -1 }).limit(options.limit + 1).toArray();
    return pageOf(docs, options.limit, toDlqAction);
  }
}

// Header values and queue names come from the broker or the caller: FerretDB stores no NUL in a string.
function storableText(value: string): string {
  return value.replaceAll('\0', '\uFFFD');
}

function storableValue(value: DlqActionValue): DlqActionValue {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storableText);
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

function toDlqAction(doc: DlqActionDocument): DlqAction {
  const { _id, at, finishedAt, ...rest } = doc;
  return { id: fromObjectId(_id), at: toIso(at), finishedAt: toIsoOrNull(finishedAt), ...rest };
}
