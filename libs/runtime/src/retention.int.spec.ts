import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCategory, PartnerCode, PartnerLogTrackerState, TaskTrackerState, TaskType, createTaskMessage, type PartnerLogTracker } from '@agair/domain-models';
import { CredentialCipher, LOG_FILES_CHUNKS_COLLECTION, PollRunStatus, createRepositories, ensureIndexes, type Repositories } from '@agair/persistence';
import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetentionSweeper, retentionPolicy, type RetentionSettings } from './retention.js';

const OWNER = 'it-retention';
const KEEP_MS = 1000;

/** A test policy: everything kept one second, small batches so several run. */
function settings(overrides: Partial<RetentionSettings> = {}): Partial<RetentionSettings> {
  return { RETENTION_RAW_LOGS: '1s', RETENTION_TASK_TRACKERS: '1s', RETENTION_POLL_RUNS: '1s', RETENTION_SYNC_REQUESTS: '1s', RETENTION_BATCH_SIZE: 2, RETENTION_BATCH_PAUSE_MS: 0, ...overrides };
}

describe('RetentionSweeper against FerretDB', () => {
  const client = new MongoClient(withDatabase(testServices().mongoUrl, uniqueName('it_retention')), { retryWrites: false });
  const customerId = new ObjectId().toHexString();
  let repositories: Repositories;
  let seq = 0;

  /** A log listed, downloaded (its bytes in GridFS) and taken as far as `to`. */
  async function log(to: 'DOWNLOADED' | 'PROCESSING' | 'PROCESSED' | 'FAILED', bytes: Buffer = randomBytes(3000)): Promise<PartnerLogTracker> {
    const r = repositories.partnerLogTrackers;
    const logId = `LOG-${++seq}`;
    const { tracker } = await r.upsertPending({ partnerCode: PartnerCode.SATLOC, customerId, aircraftId: '101', logId, fileName: `${logId}.log` });
    await r.claimForDownload(tracker.id, OWNER, 60_000);
    const stored = await repositories.logFiles.store(bytes, { fileName: `${logId}.log`, partnerCode: PartnerCode.SATLOC, customerId, logId });
    let current = await r.markDownloaded(tracker.id, OWNER, stored);
    if (to === 'DOWNLOADED') return must(current);
    current = await r.claimForProcessing(tracker.id, OWNER, 60_000);
    if (to === 'PROCESSING') return must(current);
    current =
      to === 'PROCESSED'
        ? await r.markProcessed(tracker.id, OWNER, { applicationFileId: new ObjectId().toHexString() })
        : await r.markFailed(tracker.id, OWNER, { category: ErrorCategory.INTERNAL, message: 'attempts ran out' });
    return must(current);
  }

  async function tracker(id: string): Promise<PartnerLogTracker> {
    return must(await repositories.partnerLogTrackers.findById(customerId, id));
  }

  async function fileExists(storedFileId: string): Promise<boolean> {
    const chunks = await client.db().collection(LOG_FILES_CHUNKS_COLLECTION).countDocuments({ files_id: new ObjectId(storedFileId) });
    const file = await repositories.logFiles.findById(storedFileId);
    return file !== null || chunks > 0;
  }

  const pastRetention = () => sleep(KEEP_MS + 100);

  beforeAll(async () => {
    const db = client.db();
    await ensureIndexes(db);
    repositories = createRepositories(db, { credentialKeys: CredentialCipher.fromConfig({ keys: { k1: randomBytes(32).toString('base64') }, activeKeyId: 'k1' }) });
  });

  beforeEach(async () => {
    // Each test starts from nothing due, so counts are its own.
    await new RetentionSweeper(repositories, retentionPolicy(settings({ RETENTION_RAW_LOGS: '0s', RETENTION_TASK_TRACKERS: '0s', RETENTION_POLL_RUNS: '0s', RETENTION_SYNC_REQUESTS: '0s' }))).sweep();
  });

  afterAll(async () => {
    await client.db().dropDatabase();
    await client.close();
  });

  it('removes finished raw logs, trackers, poll runs and sync requests past retention, and keeps everything unfinished', async () => {
    // Setting all this up can take longer than the retention on a slow machine: the first sweep's clock is pinned before it.
    const setUpFrom = new Date();
    const processed = await log('PROCESSED');
    const failed = await log('FAILED');
    const waiting = await log('DOWNLOADED');
    const working = await log('PROCESSING');

    const taskIds = ['done-1', 'done-2', 'failed-unreplayed', 'queued'].map((name) => `${name}-${randomBytes(4).toString('hex')}`);
    const tasks = repositories.taskTrackers;
    for (const taskId of taskIds) {
      const message = createTaskMessage(
        TaskType.PROCESS_PARTNER_LOG,
        { trackerId: processed.id, partnerCode: PartnerCode.SATLOC, customerId, aircraftId: '101', logId: processed.logId, storedFileId: new ObjectId().toHexString(), contentHash: 'a'.repeat(64) },
        { taskId, createdAt: new Date() },
      );
      if (taskId.startsWith('queued')) {
        await tasks.start(message, 1, OWNER, 60_000);
        await tasks.recordFailure(taskId, OWNER, 1, { action: 'retry', category: ErrorCategory.INTERNAL, reason: 'later', delayMs: 1000 });
        continue;
      }
      await tasks.start(message, 1, OWNER, 60_000);
      if (taskId.startsWith('done')) await tasks.complete(taskId, OWNER);
      else await tasks.recordFailure(taskId, OWNER, 1, { action: 'dead-letter', category: ErrorCategory.INTERNAL, reason: 'no more attempts' });
    }
    const finishedRun = await repositories.pollRuns.start({ owner: OWNER });
    await repositories.pollRuns.finish(finishedRun.id, { counters: {} });
    const runningRun = await repositories.pollRuns.start({ owner: OWNER });
    const served = await repositories.syncRequests.create({ partnerCode: PartnerCode.SATLOC, customerId, requestedBy: 'ops' });
    await repositories.syncRequests.claimNext();
    await repositories.syncRequests.finish(served.id, { pollRunId: finishedRun.id });
    const pending = await repositories.syncRequests.create({ partnerCode: PartnerCode.SATLOC, customerId, requestedBy: 'ops' });

    // Within retention nothing is due.
    const early = await new RetentionSweeper(repositories, retentionPolicy(settings()), () => setUpFrom).sweep();
    expect(Object.values(early.kinds).map((k) => k.removed)).toEqual([0, 0, 0, 0]);

    await pastRetention();
    const report = await new RetentionSweeper(repositories, retentionPolicy(settings())).sweep();
    expect(report).toMatchObject({
      dryRun: false,
      interrupted: false,
      kinds: {
        raw_logs: { due: 2, removed: 2 },
        task_trackers: { due: 2, removed: 2 },
        poll_runs: { due: 1, removed: 1 },
        sync_requests: { due: 1, removed: 1 },
      },
    });

    for (const gone of [processed, failed]) {
      expect(await fileExists(must(gone.storedFileId))).toBe(false);
      const after = await tracker(gone.id);
      // The tracker stays (it is the record that the log was collected), without its file.
      expect(after).toMatchObject({ state: gone.state, storedFileId: null, contentHash: gone.contentHash, logId: gone.logId });
      expect(after.rawLogRemovedAt).not.toBeNull();
    }
    for (const kept of [waiting, working]) {
      expect(await fileExists(must(kept.storedFileId))).toBe(true);
      expect((await tracker(kept.id)).storedFileId).toBe(kept.storedFileId);
    }
    const left = await Promise.all(taskIds.map((taskId) => tasks.findByTaskId(taskId)));
    expect(left.map((t) => t?.state ?? 'removed')).toEqual(['removed', 'removed', TaskTrackerState.FAILED, TaskTrackerState.QUEUED]);
    expect(await repositories.pollRuns.findById(finishedRun.id)).toBeNull();
    expect((await repositories.pollRuns.findById(runningRun.id))?.status).toBe(PollRunStatus.RUNNING);
    expect(await repositories.syncRequests.findById(customerId, served.id)).toBeNull();
    expect(await repositories.syncRequests.findById(customerId, pending.id)).not.toBeNull();

    // A replay of the failed log can no longer claim it; a second sweep finds nothing to do.
    expect(await repositories.partnerLogTrackers.claimForProcessing(failed.id, OWNER, 60_000)).toBeNull();
    expect(await repositories.partnerLogTrackers.holdRawLog(customerId, processed.id)).toBeNull();
    const again = await new RetentionSweeper(repositories, retentionPolicy(settings())).sweep();
    expect(Object.values(again.kinds).map((k) => k.removed)).toEqual([0, 0, 0, 0]);
  });

  it('never removes a raw log being processed again: a replay claimed it, a reprocessing holds it, or either won the race to it', async () => {
    const replayed = await log('FAILED');
    const reprocessed = await log('PROCESSED');
    const raced = await log('FAILED');
    await pastRetention();

    // The sweep has seen `raced` as due; a replay claims it before the sweep marks it.
    const [seen] = (await repositories.partnerLogTrackers.findRawLogsToRemove(new Date(), 100)).filter((t) => t.id === raced.id);
    expect(seen).toBeDefined();
    const claimedFrom = new Date();
    expect(await repositories.partnerLogTrackers.claimForProcessing(raced.id, OWNER, 60_000)).not.toBeNull();
    expect(await repositories.partnerLogTrackers.markRawLogRemoval(must(seen))).toBeNull();

    expect(await repositories.partnerLogTrackers.claimForProcessing(replayed.id, OWNER, 60_000)).toMatchObject({ state: PartnerLogTrackerState.PROCESSING });
    expect(await repositories.partnerLogTrackers.holdRawLog(customerId, reprocessed.id)).not.toBeNull();
    const report = await new RetentionSweeper(repositories, retentionPolicy(settings()), () => claimedFrom).sweep();
    expect(report.kinds.raw_logs).toMatchObject({ due: 0, removed: 0 });
    for (const kept of [replayed, reprocessed, raced]) expect(await fileExists(must(kept.storedFileId))).toBe(true);

    // Once the reprocessing is itself past retention, its log goes.
    await pastRetention();
    const later = await new RetentionSweeper(repositories, retentionPolicy(settings())).sweep();
    expect(later.kinds.raw_logs.removed).toBe(1);
    expect(await fileExists(must(reprocessed.storedFileId))).toBe(false);
  });

  it('a dry run reports what is due and changes nothing', async () => {
    const processed = await log('PROCESSED');
    const run = await repositories.pollRuns.start({ owner: OWNER });
    await repositories.pollRuns.finish(run.id, { counters: {} });
    await pastRetention();
    const report = await new RetentionSweeper(repositories, retentionPolicy(settings({ RETENTION_DRY_RUN: true }))).sweep();
    expect(report).toMatchObject({ dryRun: true, kinds: { raw_logs: { due: 1, removed: 0 }, poll_runs: { due: 1, removed: 0 } } });
    expect(await fileExists(must(processed.storedFileId))).toBe(true);
    expect(await tracker(processed.id)).toEqual(processed);
    expect(await repositories.pollRuns.findById(run.id)).not.toBeNull();
  });

  it('finishes a removal a killed sweep left half-done, keeps bytes another log still uses, and keeps what is set to forever', async () => {
    const halfDone = await log('PROCESSED');
    const bytes = randomBytes(2000);
    const first = await log('PROCESSED', bytes);
    const sameBytes = await log('DOWNLOADED', bytes);
    expect(sameBytes.storedFileId).toBe(first.storedFileId);
    const run = await repositories.pollRuns.start({ owner: OWNER });
    await repositories.pollRuns.finish(run.id, { counters: {} });
    await pastRetention();
    // A sweep marked `halfDone` and died before removing its file.
    expect(await repositories.partnerLogTrackers.markRawLogRemoval(await tracker(halfDone.id))).not.toBeNull();

    const report = await new RetentionSweeper(repositories, retentionPolicy(settings({ RETENTION_POLL_RUNS: 'forever' }))).sweep();
    expect(report.kinds.raw_logs.removed).toBe(2);
    expect(report.kinds.poll_runs).toEqual({ cutoff: null, due: 0, removed: 0 });
    expect(await repositories.pollRuns.findById(run.id)).not.toBeNull();
    expect(await fileExists(must(halfDone.storedFileId))).toBe(false);
    expect((await tracker(halfDone.id)).storedFileId).toBeNull();
    // `first` let go of its file; the bytes stay for `sameBytes`, which is still to be processed.
    expect((await tracker(first.id)).storedFileId).toBeNull();
    expect(await fileExists(must(sameBytes.storedFileId))).toBe(true);
    expect(await repositories.logFiles.read(must(sameBytes.storedFileId))).toEqual(bytes);
  });

  it('stops between batches when told to (the lease is lost), and the next sweep carries on', async () => {
    for (let i = 0; i < 5; i++) await log('PROCESSED');
    await pastRetention();
    let batches = 0;
    const sweeper = new RetentionSweeper(repositories, retentionPolicy(settings({ RETENTION_BATCH_SIZE: 2 })));
    const cut = await sweeper.sweep(() => ++batches <= 2);
    expect(cut.interrupted).toBe(true);
    expect(cut.kinds.raw_logs.removed).toBe(2);
    const rest = await sweeper.sweep();
    expect(rest.kinds.raw_logs).toMatchObject({ due: 3, removed: 3 });
  });
});

function must<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('expected a value');
  return value;
}
