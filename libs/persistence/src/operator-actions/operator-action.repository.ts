import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import { fromObjectId, toObjectId } from '../infrastructure/object-id.mapper.js';
import { pageOf, type Page } from '../infrastructure/page.js';
import { systemClock, toIso, type Clock } from '../infrastructure/timestamp.mapper.js';
import { OPERATOR_ACTIONS_COLLECTION } from './operator-action.indexes.js';

/** What an operator did to a record: kept for the audit trail (who, when, what, and the outcome). */
export interface OperatorAction {
  id: string;
  at: string;
  /** The token's subject. */
  actor: string;
  action: string;
  customerId: string;
  target: { kind: string; id: string };
  reason: string | null;
  /** What came of it: the task queued, the state before and after, "unchanged" for a repeat. */
  outcome: Record<string, string | number | boolean | null>;
}

export type OperatorActionInput = Omit<OperatorAction, 'id' | 'at'>;

interface OperatorActionDocument {
  _id: ObjectId;
  at: Date;
  actor: string;
  action: string;
  customerId: ObjectId;
  target: { kind: string; id: string };
  reason: string | null;
  outcome: Record<string, string | number | boolean | null>;
}

export class OperatorActionRepository {
  private readonly actions: Collection<OperatorActionDocument>;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.actions = db.collection<OperatorActionDocument>(OPERATOR_ACTIONS_COLLECTION);
  }

  async record(input: OperatorActionInput): Promise<OperatorAction> {
    const doc: OperatorActionDocument = { _id: new ObjectId(), at: this.clock(), ...input, customerId: toObjectId(input.customerId, 'customerId') };
    await this.actions.insertOne(doc);
    return toOperatorAction(doc);
  }

  /** The customer's actions, newest first; `targetId` narrows to one record's. */
  async page(customerId: string, options: { targetId?: string; after?: string; limit: number }): Promise<Page<OperatorAction>> {
    const filter: Filter<OperatorActionDocument> = { customerId: toObjectId(customerId, 'customerId') };
    if (options.targetId) filter['target.id'] = options.targetId;
    if (options.after) filter._id = { $lt: toObjectId(options.after, 'cursor') };
    const docs = await this.actions.find(filter).sort({ _id: -1 }).limit(options.limit + 1).toArray();
    return pageOf(docs, options.limit, toOperatorAction);
  }
}

function toOperatorAction(doc: OperatorActionDocument): OperatorAction {
  return {
    id: fromObjectId(doc._id),
    at: toIso(doc.at),
    actor: doc.actor,
    action: doc.action,
    customerId: fromObjectId(doc.customerId),
    target: doc.target,
    reason: doc.reason,
    outcome: doc.outcome,
  };
}
