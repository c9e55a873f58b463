import { ErrorCategory, TaskTrackerState as State } from '@agair/domain-models';
import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processLogMessage } from '../../test/builders.js';
import { openTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { TASK_TRACKERS_COLLECTION } from './task-tracker.indexes.js';
import { TaskTrackerRepository, type RetryDecision, type TaskStart } from './task-tracker.repository.js';

const LEASE_MS = 60_000;
const retry: RetryDecision = { action: 'retry', delayMs: 1000, category: ErrorCategory.NETWORK_TIMEOUT, reason: 'partner timed out' };
const deadLetter: RetryDecision = { action: 'dead-letter', category: ErrorCategory.DATA_FORMAT, reason: 'log header unreadable' };

/** The shape the messaging library's consumer calls; the repository must fit it without adapters. */
interface TaskTrackerPortShape {
  start(message: ReturnType<typeof processLogMessage>, attempt: number, owner: string, leaseMs: number): Promise<TaskStart>;
  complete(trackerTaskId: string, owner: string): Promise<void>;
  renew(trackerTaskId: string, owner: string, leaseMs: number): Promise<boolean>;
  recordFailure(trackerTaskId: string, owner: string, attempt: number, decision: RetryDecision): Promise<void>;
}

describe('TaskTrackerRepository against FerretDB/MongoDB', () => {
  let database: TestDatabase;
  let tasks: TaskTrackerRepository;
  let clockMs = Date.parse('2024-05-02T07:00:00.000Z');

  beforeAll(async () => {
    database = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_tasks')));
    tasks = new TaskTrackerRepository(database.db, { maxAttempts: 3, clock: () => new Date(clockMs) });
  });

  afterAll(async () => {
    await database.drop();
  });

  it('fits the consumer port structurally', () => {
    const port: TaskTrackerPortShape = tasks;
    expect(typeof port.start).toBe('function');
    expect(typeof port.complete).toBe('function');
    expect(typeof port.renew).toBe('function');
    expect(typeof port.recordFailure).toBe('function');
  });

  it('runs a new task once, then reports duplicates of it as completed', async () => {
    const message = processLogMessage('task-complete-0001');
    expect(await tasks.start(message, 1, 'worker-a', LEASE_MS)).toEqual({ status: 'run', trackerTaskId: message.taskId });
    expect(await tasks.findByTaskId(message.taskId)).toMatchObject({
      state: State.PROCESSING,
      attempt: 1,
      maxAttempts: 3,
      lease: { owner: 'worker-a' },
      type: message.type,
      partnerCode: 'SATLOC',
      customerId: message.payload.customerId,
    });
    expect(await tasks.start(message, 1, 'worker-b', LEASE_MS)).toEqual({ status: 'busy' });

    await tasks.complete(message.taskId, 'worker-a');
    expect(await tasks.findByTaskId(message.taskId)).toMatchObject({ state: State.COMPLETED, lease: null });
    expect(await tasks.start(message, 2, 'worker-b', LEASE_MS)).toEqual({ status: 'completed' });
  });

  it('starts exactly one of 50 concurrent deliveries of the same task', async () => {
    const message = processLogMessage('task-fifty-00001');
    const starts = await Promise.all(Array.from({ length: 50 }, (_, i) => tasks.start(message, 1, `worker-${i}`, LEASE_MS)));
    expect(starts.filter((s) => s.status === 'run')).toHaveLength(1);
    expect(starts.filter((s) => s.status === 'busy')).toHaveLength(49);
    expect(await database.db.collection(TASK_TRACKERS_COLLECTION).countDocuments({ taskId: message.taskId })).toBe(1);
  });

  it('requeues on a retryable failure and dead-letters after, only for the lease owner', async () => {
    const message = processLogMessage('task-failure-0001');
    await tasks.start(message, 1, 'worker-a', LEASE_MS);
    expect(await tasks.tryRecordFailure(message.taskId, 'intruder', 1, retry)).toBe(false);
    expect(await tasks.tryRecordFailure(message.taskId, 'worker-a', 1, retry)).toBe(true);
    expect(await tasks.findByTaskId(message.taskId)).toMatchObject({
      state: State.QUEUED,
      lease: null,
      lastError: { category: ErrorCategory.NETWORK_TIMEOUT, message: 'partner timed out' },
    });

    expect(await tasks.start(message, 2, 'worker-b', LEASE_MS)).toEqual({ status: 'run', trackerTaskId: message.taskId });
    expect((await tasks.findByTaskId(message.taskId))?.attempt).toBe(2);
    expect(await tasks.tryRecordFailure(message.taskId, 'worker-b', 2, deadLetter)).toBe(true);
    const failed = await tasks.findByTaskId(message.taskId);
    expect(failed).toMatchObject({ state: State.FAILED, lastError: { category: ErrorCategory.DATA_FORMAT } });
    expect(failed?.finishedAt).not.toBeNull();
    // Closing a closed attempt changes nothing.
    expect(await tasks.tryComplete(message.taskId, 'worker-b')).toBe(false);
  });

  it('replays a failed task under a new tracker, chained, and only once for a replay delivered twice', async () => {
    const message = processLogMessage('task-replay-00001');
    await tasks.start(message, 1, 'worker-a', LEASE_MS);
    await tasks.tryRecordFailure(message.taskId, 'worker-a', 1, deadLetter);

    const replays = await Promise.all([tasks.start(message, 1, 'worker-b', LEASE_MS), tasks.start(message, 1, 'worker-c', LEASE_MS)]);
    const runs = replays.filter((s): s is Extract<TaskStart, { status: 'run' }> => s.status === 'run');
    expect(runs).toHaveLength(1);
    expect(replays.filter((s) => s.status === 'busy')).toHaveLength(1);
    const replayId = runs[0].trackerTaskId;
    expect(replayId).toBe(`${message.taskId}:r1`);

    const chain = await tasks.findChain(message.taskId);
    expect(chain.map((t) => [t.taskId, t.state, t.retryOf, t.retriedBy])).toEqual([
      [message.taskId, State.FAILED, null, replayId],
      [replayId, State.PROCESSING, message.taskId, null],
    ]);

    // The replay fails too; a second replay extends the chain.
    const replayOwner = chain[1].lease?.owner ?? '';
    expect(['worker-b', 'worker-c']).toContain(replayOwner);
    await tasks.recordFailure(replayId, replayOwner, 1, deadLetter);
    expect(await tasks.start(message, 1, 'worker-d', LEASE_MS)).toEqual({ status: 'run', trackerTaskId: `${message.taskId}:r2` });
    expect(await tasks.tryComplete(`${message.taskId}:r2`, 'worker-d')).toBe(true);
    // Once the newest of the chain completed, the replay message is a duplicate.
    expect(await tasks.start(message, 1, 'worker-e', LEASE_MS)).toEqual({ status: 'completed' });
    expect((await tasks.findChain(message.taskId)).map((t) => t.state)).toEqual([State.FAILED, State.FAILED, State.COMPLETED]);
  });

  it('takes over a task whose owner died once its lease expired, not before', async () => {
    const message = processLogMessage('task-takeover-001');
    await tasks.start(message, 1, 'dead-worker', 5_000);
    clockMs += 4_000;
    expect(await tasks.start(message, 1, 'worker-b', LEASE_MS)).toEqual({ status: 'busy' });
    clockMs += 2_000;
    expect(await tasks.start(message, 2, 'worker-b', LEASE_MS)).toEqual({ status: 'run', trackerTaskId: message.taskId });
    expect(await tasks.tryComplete(message.taskId, 'dead-worker')).toBe(false);
    expect(await tasks.tryComplete(message.taskId, 'worker-b')).toBe(true);
  });

  it('renews a running task\'s lease for its owner only, so neither a takeover nor the sweeper takes it', async () => {
    const message = processLogMessage('task-renewal-0001');
    await tasks.start(message, 1, 'worker-a', 5_000);
    clockMs += 4_000;
    expect(await tasks.renew(message.taskId, 'worker-b', 5_000)).toBe(false);
    expect(await tasks.renew(message.taskId, 'worker-a', 5_000)).toBe(true);
    clockMs += 4_000; // 8 s after the start: past the first lease, within the renewed one
    expect(await tasks.start(message, 1, 'worker-b', LEASE_MS)).toEqual({ status: 'busy' });
    expect((await tasks.findStuck(new Date(clockMs))).map((t) => t.taskId)).not.toContain(message.taskId);
    clockMs += 2_000; // the renewed lease has expired: too late to renew, the task can be taken over
    expect(await tasks.renew(message.taskId, 'worker-a', 5_000)).toBe(false);
    expect(await tasks.start(message, 2, 'worker-b', LEASE_MS)).toEqual({ status: 'run', trackerTaskId: message.taskId });
    expect(await tasks.tryComplete(message.taskId, 'worker-b')).toBe(true);
    expect(await tasks.renew(message.taskId, 'worker-b', 5_000)).toBe(false);
  });

  it('finds stuck tasks and sweeps them to QUEUED, or FAILED at the attempts ceiling', async () => {
    const young = processLogMessage('task-stuck-young1');
    const old = processLogMessage('task-stuck-old001');
    await tasks.start(young, 1, 'dead-worker', 1_000);
    await tasks.start(old, 3, 'dead-worker', 1_000);
    const later = new Date(clockMs + 1_001);

    const stuck = await tasks.findStuck(later);
    expect(stuck.map((t) => t.taskId)).toEqual(expect.arrayContaining([young.taskId, old.taskId]));
    expect(await tasks.findStuck(new Date(clockMs))).toEqual([]);

    const swept = await tasks.sweepStuck(later);
    expect(swept.requeued.map((t) => t.taskId)).toContain(young.taskId);
    expect(swept.failed.map((t) => t.taskId)).toContain(old.taskId);
    expect(await tasks.findByTaskId(young.taskId)).toMatchObject({ state: State.QUEUED, lease: null });
    expect(await tasks.findByTaskId(old.taskId)).toMatchObject({ state: State.FAILED, lease: null });
    expect((await tasks.sweepStuck(later)).requeued).toEqual([]);
  });
});
