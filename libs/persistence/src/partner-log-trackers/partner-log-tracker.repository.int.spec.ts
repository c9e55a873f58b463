import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ErrorCategory, LogFailureReason, LogSkipReason, PartnerLogTrackerState as State, type PartnerLogTracker } from '@agair/domain-models';
import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { newObjectIdString } from '../infrastructure/object-id.mapper.js';
import { PARTNER_LOG_TRACKERS_COLLECTION } from './partner-log-tracker.indexes.js';
import { PartnerLogTrackerRepository, type ListedPartnerLog } from './partner-log-tracker.repository.js';

const libRoot = new URL('../..', import.meta.url).pathname;
const customerId = newObjectIdString();

function listedLog(logId: string): ListedPartnerLog {
  return { partnerCode: 'SATLOC', customerId, aircraftId: 'N123AB', logId, fileName: `${logId}.log`, loggedAt: '2024-05-02T07:41:09.120Z' };
}

/** Just after the tracker's lease expires. */
function afterLease(tracker: PartnerLogTracker | null): Date {
  if (!tracker?.lease) throw new Error('expected a leased tracker');
  return new Date(Date.parse(tracker.lease.expiresAt) + 1);
}

const storedFile = () => ({ contentHash: 'b'.repeat(64), storedFileId: newObjectIdString(), sizeBytes: 1024 });

describe('PartnerLogTrackerRepository against FerretDB/MongoDB', () => {
  let mongoUrl: string;
  let database: TestDatabase;
  let trackers: PartnerLogTrackerRepository;

  beforeAll(async () => {
    mongoUrl = withDatabase(testServices().mongoUrl, uniqueName('it_trackers'));
    database = await openTestDatabase(mongoUrl);
    trackers = new PartnerLogTrackerRepository(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  /** A tracker whose file is stored, ready for a worker. */
  async function downloadedTracker(logId: string): Promise<string> {
    const { tracker } = await trackers.upsertPending(listedLog(logId));
    expect(await trackers.claimForDownload(tracker.id, 'poller-1', 60_000)).not.toBeNull();
    expect(await trackers.markDownloaded(tracker.id, 'poller-1', storedFile())).not.toBeNull();
    return tracker.id;
  }

  it('keeps one tracker per (partner, customer, log) however often and concurrently the log is listed', async () => {
    const first = await trackers.upsertPending(listedLog('L-unique'));
    const again = await trackers.upsertPending(listedLog('L-unique'));
    expect(first.created).toBe(true);
    expect(again).toEqual({ tracker: first.tracker, created: false });

    const concurrent = await Promise.all(Array.from({ length: 10 }, () => trackers.upsertPending(listedLog('L-concurrent'))));
    expect(concurrent.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(concurrent.map((r) => r.tracker.id)).size).toBe(1);

    const raw = database.db.collection(PARTNER_LOG_TRACKERS_COLLECTION);
    expect(await raw.countDocuments({ logId: { $in: ['L-unique', 'L-concurrent'] } })).toBe(2);
    // The same log id of another customer is another log.
    const other = await trackers.upsertPending({ ...listedLog('L-unique'), customerId: newObjectIdString() });
    expect(other.created).toBe(true);
  });

  it('walks a log through download and processing, stamping each step', async () => {
    const { tracker } = await trackers.upsertPending(listedLog('L-happy'));
    expect(tracker).toMatchObject({ state: State.PENDING, attempts: 0, lease: null, loggedAt: '2024-05-02T07:41:09.120Z' });

    const downloading = await trackers.claimForDownload(tracker.id, 'poller-1', 60_000);
    expect(downloading).toMatchObject({ state: State.DOWNLOADING, attempts: 1, lease: { owner: 'poller-1' } });

    const file = storedFile();
    const downloaded = await trackers.markDownloaded(tracker.id, 'poller-1', file);
    expect(downloaded).toMatchObject({ state: State.DOWNLOADED, lease: null, ...file, enqueuedAt: null });
    expect(downloaded?.downloadedAt).not.toBeNull();

    expect((await trackers.markEnqueued(tracker.id))?.enqueuedAt).not.toBeNull();

    const processing = await trackers.claimForProcessing(tracker.id, 'worker-1', 60_000);
    expect(processing).toMatchObject({ state: State.PROCESSING, attempts: 2, lease: { owner: 'worker-1' } });

    const applicationFileId = newObjectIdString();
    const processed = await trackers.markProcessed(tracker.id, 'worker-1', { applicationFileId });
    expect(processed).toMatchObject({ state: State.PROCESSED, lease: null, applicationFileId });
    expect(await trackers.findById(customerId, tracker.id)).toEqual(processed);
    expect(await trackers.findById(newObjectIdString(), tracker.id)).toBeNull();
  });

  it("finds a log with the same bytes among the customer's own logs only", async () => {
    const file = { ...storedFile(), contentHash: 'c'.repeat(64) };
    const downloadedAs = async (log: ListedPartnerLog) => {
      const { tracker } = await trackers.upsertPending(log);
      await trackers.claimForDownload(tracker.id, 'poller-1', 60_000);
      return trackers.markDownloaded(tracker.id, 'poller-1', file);
    };
    const mine = await downloadedAs(listedLog('L-bytes-1'));
    const theirs = await downloadedAs({ ...listedLog('L-bytes-1'), customerId: newObjectIdString() });
    if (!mine || !theirs) throw new Error('not downloaded');
    expect(await trackers.findByContentHash(customerId, file.contentHash)).toMatchObject({ id: mine.id });
    expect(await trackers.findByContentHash(customerId, file.contentHash, mine.id)).toBeNull();
    expect(await trackers.findByContentHash(theirs.customerId, file.contentHash, theirs.id)).toBeNull();
  });

  it('lets exactly one of two processes claim the same tracker at the same moment', async () => {
    const trackerId = await downloadedTracker('L-two-processes');
    const dir = mkdtempSync(join(tmpdir(), 'claim-race-'));
    const goFile = join(dir, 'go');
    try {
      const children = ['proc-a', 'proc-b'].map((owner) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', '--conditions=@agair/source', 'test/claim-for-processing.child.ts', mongoUrl, trackerId, owner, goFile],
          { cwd: libRoot, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const lines = createInterface({ input: child.stdout });
        const ready = new Promise<void>((resolve) => lines.once('line', () => resolve()));
        const result = new Promise<{ owner: string; won: boolean; leaseOwner: string | null }>((resolve, reject) => {
          lines.on('line', (line) => {
            if (line.startsWith('{')) resolve(JSON.parse(line) as { owner: string; won: boolean; leaseOwner: string | null });
          });
          child.once('exit', (code) => reject(new Error(`${owner} exited with ${code} before answering: ${stderr}`)));
        });
        return { ready, result };
      });
      await Promise.all(children.map((c) => c.ready));
      writeFileSync(goFile, 'go');
      const results = await Promise.all(children.map((c) => c.result));

      const winners = results.filter((r) => r.won);
      expect(winners).toHaveLength(1);
      const stored = await trackers.findById(customerId, trackerId);
      expect(stored).toMatchObject({ state: State.PROCESSING, attempts: 2, lease: { owner: winners[0].owner } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets exactly one of 20 concurrent in-process claims win', async () => {
    const trackerId = await downloadedTracker('L-twenty');
    const owners = Array.from({ length: 20 }, (_, i) => `worker-${i}`);
    const results = await Promise.all(owners.map((owner) => trackers.claimForProcessing(trackerId, owner, 60_000)));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect((await trackers.findById(customerId, trackerId))?.lease?.owner).toBe(winners[0]?.lease?.owner);
  });

  it('reclaims an expired processing lease with the sweeper, and the late owner can no longer finish', async () => {
    const trackerId = await downloadedTracker('L-expired');
    await trackers.markEnqueued(trackerId);
    const expired = afterLease(await trackers.claimForProcessing(trackerId, 'dead-worker', 1_000));

    // Not yet expired: nothing to sweep.
    const early = await trackers.sweepExpiredLeases(new Date(expired.getTime() - 2), 5);
    expect(early.reclaimed.map((t) => t.id)).not.toContain(trackerId);

    const swept = await trackers.sweepExpiredLeases(expired, 5);
    expect(swept.reclaimed.map((t) => t.id)).toContain(trackerId);
    const reclaimed = await trackers.findById(customerId, trackerId);
    expect(reclaimed).toMatchObject({ state: State.DOWNLOADED, lease: null, enqueuedAt: null, error: { category: ErrorCategory.INTERNAL } });

    // The file is stored, so the tracker is found for re-enqueueing rather than downloaded again.
    const toEnqueue = await trackers.findDownloadedNotEnqueued(new Date(Date.now() + 60_000));
    expect(toEnqueue.map((t) => t.id)).toContain(trackerId);

    expect(await trackers.markProcessed(trackerId, 'dead-worker', { applicationFileId: newObjectIdString() })).toBeNull();
    // Another worker takes it up.
    expect(await trackers.claimForProcessing(trackerId, 'worker-2', 60_000)).toMatchObject({ lease: { owner: 'worker-2' }, attempts: 3 });
  });

  it('renews a processing or download lease for its owner only; the sweeper leaves a renewed lease alone; a lost lease cannot be renewed', async () => {
    const trackerId = await downloadedTracker('L-renewed');
    const firstExpiry = afterLease(await trackers.claimForProcessing(trackerId, 'worker-1', 60_000));
    expect(await trackers.renewLease(trackerId, 'worker-2', 600_000)).toBe(false);
    expect(await trackers.renewLease(trackerId, 'worker-1', 600_000)).toBe(true);
    const renewed = await trackers.findById(customerId, trackerId);
    expect(renewed).toMatchObject({ state: State.PROCESSING, lease: { owner: 'worker-1' } });
    expect(afterLease(renewed).getTime()).toBeGreaterThan(firstExpiry.getTime() + 500_000);
    expect((await trackers.sweepExpiredLeases(firstExpiry, 5)).reclaimed.map((t) => t.id)).not.toContain(trackerId);
    expect(await trackers.markProcessed(trackerId, 'worker-1', { applicationFileId: newObjectIdString() })).not.toBeNull();
    expect(await trackers.renewLease(trackerId, 'worker-1', 600_000)).toBe(false);

    // A download lease is renewed the same way (a big file on a slow link).
    const { tracker: pending } = await trackers.upsertPending(listedLog('L-renew-download'));
    const downloadExpiry = afterLease(await trackers.claimForDownload(pending.id, 'poller-1', 60_000));
    expect(await trackers.renewLease(pending.id, 'poller-1', 600_000)).toBe(true);
    expect((await trackers.sweepExpiredLeases(downloadExpiry, 5)).reclaimed.map((t) => t.id)).not.toContain(pending.id);
    expect(await trackers.findById(customerId, pending.id)).toMatchObject({ state: State.DOWNLOADING, lease: { owner: 'poller-1' } });

    // A lease that already ran out is not revived: the sweeper or another worker may own the log by now.
    const other = await downloadedTracker('L-renew-too-late');
    expect(await trackers.claimForProcessing(other, 'slow-worker', 1)).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await trackers.renewLease(other, 'slow-worker', 600_000)).toBe(false);
  });

  it('sweeps an expired download back to PENDING, and to FAILED at the attempts ceiling', async () => {
    const { tracker } = await trackers.upsertPending(listedLog('L-download-expired'));
    const afterFirst = afterLease(await trackers.claimForDownload(tracker.id, 'dead-poller', 1_000));
    expect((await trackers.sweepExpiredLeases(afterFirst, 2)).reclaimed.map((t) => t.id)).toContain(tracker.id);
    expect(await trackers.findById(customerId, tracker.id)).toMatchObject({ state: State.PENDING, attempts: 1 });

    const afterSecond = afterLease(await trackers.claimForDownload(tracker.id, 'dead-poller', 1_000));
    const swept = await trackers.sweepExpiredLeases(afterSecond, 2);
    expect(swept.failed.map((t) => t.id)).toContain(tracker.id);
    expect(await trackers.findById(customerId, tracker.id)).toMatchObject({ state: State.FAILED, attempts: 2, lease: null });
  });

  it('refuses moves the state does not allow, leaving the record untouched', async () => {
    const { tracker } = await trackers.upsertPending(listedLog('L-illegal'));
    expect(await trackers.claimForProcessing(tracker.id, 'worker-1', 60_000)).toBeNull();
    expect(await trackers.markDownloaded(tracker.id, 'poller-1', storedFile())).toBeNull();
    expect(await trackers.markEnqueued(tracker.id)).toBeNull();
    expect(await trackers.findById(customerId, tracker.id)).toEqual(tracker);

    await trackers.claimForDownload(tracker.id, 'poller-1', 60_000);
    // Only the lease owner may finish the download.
    expect(await trackers.markDownloaded(tracker.id, 'someone-else', storedFile())).toBeNull();
    expect(await trackers.markSkipped(tracker.id, 'poller-1')).toMatchObject({ state: State.SKIPPED });
    // SKIPPED is terminal.
    expect(await trackers.claimForDownload(tracker.id, 'poller-1', 60_000)).toBeNull();
    expect(await trackers.retryDownload(tracker.id)).toBeNull();
  });

  it('records why a log was skipped and the reason code of a failure, and reads them back', async () => {
    const skippedId = await downloadedTracker('L-ferry');
    await trackers.claimForProcessing(skippedId, 'worker-1', 60_000);
    const skipped = await trackers.markSkipped(skippedId, 'worker-1', { reason: LogSkipReason.NOTHING_APPLIED, message: 'ferry flight, spray never on' });
    expect(skipped).toMatchObject({ state: State.SKIPPED, lease: null, error: null, skip: { reason: 'nothing_applied', message: 'ferry flight, spray never on' } });
    expect((await trackers.findById(customerId, skippedId))?.skip).toEqual(skipped?.skip);

    const failedId = await downloadedTracker('L-air-log');
    await trackers.claimForProcessing(failedId, 'worker-1', 60_000);
    const failure = { category: ErrorCategory.DATA_FORMAT, reason: LogFailureReason.UNSUPPORTED_FORMAT, message: 'unsupported_format: UNKNOWN_FORMAT: no decoder recognises this file' };
    expect(await trackers.markFailed(failedId, 'worker-1', failure)).toMatchObject({ state: State.FAILED, skip: null, error: failure });
    expect((await trackers.findById(customerId, failedId))?.error).toMatchObject({ reason: 'unsupported_format' });
    // A failure without a code has no reason field at all.
    const plainId = await downloadedTracker('L-plain');
    await trackers.claimForProcessing(plainId, 'worker-1', 60_000);
    expect((await trackers.markFailed(plainId, 'worker-1', { category: ErrorCategory.DATA_FORMAT, message: 'TOO_DAMAGED' }))?.error).not.toHaveProperty('reason');
  });

  it('releases a failed download for the next poll, and replays a failed processing from the stored file', async () => {
    const { tracker } = await trackers.upsertPending(listedLog('L-release'));
    await trackers.claimForDownload(tracker.id, 'poller-1', 60_000);
    const released = await trackers.releaseDownload(tracker.id, 'poller-1', { category: ErrorCategory.NETWORK_TIMEOUT, message: 'timed out after 30000 ms' });
    expect(released).toMatchObject({ state: State.PENDING, lease: null, error: { category: ErrorCategory.NETWORK_TIMEOUT, message: 'timed out after 30000 ms' } });

    const trackerId = await downloadedTracker('L-replay');
    await trackers.claimForProcessing(trackerId, 'worker-1', 60_000);
    const failed = await trackers.markFailed(trackerId, 'worker-1', { category: ErrorCategory.DATA_FORMAT, message: 'bad header' });
    expect(failed).toMatchObject({ state: State.FAILED, error: { category: ErrorCategory.DATA_FORMAT } });
    const replayed = await trackers.claimForProcessing(trackerId, 'worker-2', 60_000);
    expect(replayed).toMatchObject({ state: State.PROCESSING, attempts: 1, lease: { owner: 'worker-2' } });

    // A download that failed has no file: it cannot be replayed into processing.
    const { tracker: noFile } = await trackers.upsertPending(listedLog('L-no-file'));
    await trackers.claimForDownload(noFile.id, 'poller-1', 60_000);
    await trackers.markFailed(noFile.id, 'poller-1', { category: ErrorCategory.NOT_FOUND, message: 'log gone' });
    expect(await trackers.claimForProcessing(noFile.id, 'worker-1', 60_000)).toBeNull();
    expect(await trackers.retryDownload(noFile.id)).toMatchObject({ state: State.PENDING, attempts: 0 });
  });

  it('fails a log whose processing was given up (DOWNLOADED → FAILED, nothing else), and a replay claims it again', async () => {
    const trackerId = await downloadedTracker('L-given-up');
    expect(await trackers.claimForProcessing(trackerId, 'worker-1', 60_000)).not.toBeNull();
    const failure = { category: ErrorCategory.INTERNAL, message: 'database went away (gave up after 8 attempts)' };
    // Still being processed: not the worker's to fail now.
    expect(await trackers.failDownloaded(trackerId, failure)).toBeNull();
    await trackers.releaseProcessing(trackerId, 'worker-1', { category: ErrorCategory.INTERNAL, message: 'database went away' });
    expect(await trackers.failDownloaded(trackerId, failure)).toMatchObject({ state: State.FAILED, lease: null, error: failure });
    expect(await trackers.failDownloaded(trackerId, failure)).toBeNull();
    expect(await trackers.claimForProcessing(trackerId, 'worker-2', 60_000)).toMatchObject({ state: State.PROCESSING, attempts: 1, lease: { owner: 'worker-2' } });
  });

  it('hands a processing failure back for the retry: PROCESSING → DOWNLOADED, by the lease owner only', async () => {
    const trackerId = await downloadedTracker('L-release-processing');
    await trackers.markEnqueued(trackerId);
    const claimed = await trackers.claimForProcessing(trackerId, 'worker-1', 60_000);
    const failure = { category: ErrorCategory.INTERNAL, message: 'database went away' };
    expect(await trackers.releaseProcessing(trackerId, 'worker-2', failure)).toBeNull();
    const released = await trackers.releaseProcessing(trackerId, 'worker-1', failure);
    expect(released).toMatchObject({ state: State.DOWNLOADED, lease: null, error: failure });
    expect(released?.enqueuedAt).not.toBeNull();
    expect(await trackers.claimForProcessing(trackerId, 'worker-2', 60_000)).toMatchObject({
      state: State.PROCESSING,
      attempts: (claimed?.attempts ?? 0) + 1,
      lease: { owner: 'worker-2' },
    });
  });
});
