import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { newObjectIdString } from '../infrastructure/object-id.mapper.js';
import { DLQ_ACTION_MAX_TASK_IDS, DlqActionOutcome, DlqActionRepository } from './dlq-action.repository.js';

describe('DlqActionRepository against FerretDB/MongoDB', () => {
  let database: TestDatabase;
  let actions: DlqActionRepository;

  beforeAll(async () => {
    database = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_dlq_actions')));
    actions = new DlqActionRepository(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  const on = (queue: string) => ({ actor: 'ops', queue, deadLetterQueue: `${queue}_failed` });

  it('records an action before it runs and how it ended, once', async () => {
    const started = await actions.start({ ...on('q_one'), action: 'retryByHeader', parameters: { headerName: 'x-partner-code', headerValue: 'SAT\0LOC' } });
    expect(started).toMatchObject({ outcome: DlqActionOutcome.STARTED, finishedAt: null, parameters: { headerValue: 'SAT\uFFFDLOC' } });
    expect(await actions.finish(started.id, { outcome: DlqActionOutcome.SUCCEEDED, counts: { moved: 2, left: 0 }, taskIds: ['t1', 't2'] })).toBe(true);
    expect(await actions.finish(started.id, { outcome: DlqActionOutcome.FAILED, error: 'late' })).toBe(false);
    expect(await actions.finish(newObjectIdString(), { outcome: DlqActionOutcome.FAILED })).toBe(false);
    const [stored] = (await actions.page({ queue: 'q_one', limit: 10 })).items;
    expect(stored).toMatchObject({ id: started.id, actor: 'ops', action: 'retryByHeader', outcome: 'succeeded', counts: { moved: 2, left: 0 }, taskIds: ['t1', 't2'], error: null });
    expect(typeof stored?.finishedAt).toBe('string');
  });

  it('keeps at most DLQ_ACTION_MAX_TASK_IDS task ids and counts the rest', async () => {
    const started = await actions.start({ ...on('q_many'), action: 'purge', parameters: { expectedCount: DLQ_ACTION_MAX_TASK_IDS + 5 } });
    const taskIds = Array.from({ length: DLQ_ACTION_MAX_TASK_IDS + 5 }, (_, i) => `task-${i}`);
    await actions.finish(started.id, { outcome: DlqActionOutcome.SUCCEEDED, counts: { archived: taskIds.length }, taskIds });
    const [stored] = (await actions.page({ queue: 'q_many', limit: 1 })).items;
    expect(stored?.taskIds).toHaveLength(DLQ_ACTION_MAX_TASK_IDS);
    expect(stored?.taskIdsOmitted).toBe(5);
  });

  it('pages newest first, per queue or across queues, by cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await actions.start({ ...on('q_paged'), action: 'retryAll', parameters: {} })).id);
    await actions.start({ ...on('q_other'), action: 'retryAll', parameters: {} });
    const first = await actions.page({ queue: 'q_paged', limit: 2 });
    expect(first.items.map((a) => a.id)).toEqual([ids[2], ids[1]]);
    expect(first.next).toBe(ids[1]);
    const second = await actions.page({ queue: 'q_paged', limit: 2, after: first.next as string });
    expect(second.items.map((a) => a.id)).toEqual([ids[0]]);
    expect(second.next).toBeNull();
    const everyQueue = await actions.page({ limit: 100 });
    expect(new Set(everyQueue.items.map((a) => a.queue))).toEqual(new Set(['q_one', 'q_many', 'q_paged', 'q_other']));
  });
});
