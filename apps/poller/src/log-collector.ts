import {
  ErrorCategory,
  PartnerCapability,
  PartnerLogTrackerState,
  TaskType,
  createTaskMessage,
  type JobAssign,
  type PartnerCode,
  type PartnerLogTracker,
} from '@agair/domain-models';
import { keepLeaseAlive, type TaskPublisher } from '@agair/messaging';
import {
  isPartnerError,
  toDomainErrorCategory,
  type PartnerCredentials,
  type PartnerLogSummary,
  type PartnerService,
  type PartnerServiceFactory,
} from '@agair/partner-sdk';
import type { PollRun, PollRunErrorInput, Repositories, StoredLogFileInfo } from '@agair/persistence';
import { PartnerNotEnabledError, assertPartnerEnabled } from '@agair/runtime';
import type { Logger } from '@agair/service-kit';
import type { PollerMetrics } from './metrics.js';

export interface CollectorSettings {
  owner: string;
  concurrency: number;
  downloadLeaseMs: number;
  maxAttempts: number;
  maxLogBytes: number;
  lookbackMs: number;
}

/** What one cycle covers: everything, or what a syncData request named. */
export interface CollectionScope {
  partnerCode?: PartnerCode;
  customerId?: string;
  aircraftId?: string | null;
}

type Counters = Record<'customers' | 'aircraft' | 'logsListed' | 'logsNew' | 'downloaded' | 'enqueued' | 'skipped' | 'failed' | 'reEnqueued', number>;

/** The partner said it is down (or its breaker is open): stop calling it for this cycle. */
class PartnerUnavailable extends Error {}

/** The task id of a log's processing: one per tracker, so publishing twice is harmless. */
export function processLogTaskId(trackerId: string): string {
  return `plog:${trackerId}`;
}

export async function mapWithConcurrency<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/**
 * One collection cycle: UPLOADED assignments → per partner and customer → per aircraft, list
 * the partner's logs → a tracker per log → download each new log into GridFS → publish
 * PROCESS_PARTNER_LOG. Every step is guarded by the tracker's state, so a cycle that overlaps
 * another (two pollers for a moment) downloads each log once.
 */
export class LogCollector {
  constructor(
    private readonly deps: {
      repositories: Repositories;
      partners: PartnerServiceFactory;
      publisher: TaskPublisher;
      logger: Logger;
      metrics: PollerMetrics;
    },
    private readonly settings: CollectorSettings,
  ) {}

  async runCycle(scope: CollectionScope = {}): Promise<PollRun> {
    const { repositories, logger, metrics } = this.deps;
    const run = await repositories.pollRuns.start({ owner: this.settings.owner, partnerCode: scope.partnerCode ?? null, customerId: scope.customerId ?? null });
    const counters: Counters = { customers: 0, aircraft: 0, logsListed: 0, logsNew: 0, downloaded: 0, enqueued: 0, skipped: 0, failed: 0, reEnqueued: 0 };
    const errors: PollRunErrorInput[] = [];
    const log = logger.child({ pollRunId: run.id });
    try {
      const groups = (await repositories.jobAssigns.findUploadedGroupedByPartnerCustomer(scope.partnerCode ? { partnerCode: scope.partnerCode } : {})).filter(
        (g) => !scope.customerId || g.customerId === scope.customerId,
      );
      const notPolled = await this.notPolledReasons(groups.map((g) => g.partnerCode));
      for (const group of groups) {
        const reason = notPolled(group.partnerCode, group.customerId);
        if (reason !== undefined) {
          // An admin's decision, not a failure: no call to the partner, no error on the run.
          log.info({ partnerCode: group.partnerCode, customerId: group.customerId, reason }, 'partner not enabled for log download; not polled');
          continue;
        }
        counters.customers += 1;
        const aircraftIds = scope.aircraftId ? group.partnerAircraftIds.filter((a) => a === scope.aircraftId) : group.partnerAircraftIds;
        try {
          await this.collectCustomer(group.partnerCode, group.customerId, aircraftIds, group.assigns, counters, errors);
        } catch (err) {
          errors.push(this.errorOf(err, group.partnerCode, group.customerId));
          log.warn({ partnerCode: group.partnerCode, customerId: group.customerId, reason: (err as Error).message }, 'collection stopped for this customer');
        }
      }
      counters.reEnqueued = await this.reEnqueueStranded(errors);
    } catch (err) {
      errors.push(this.errorOf(err, scope.partnerCode ?? null, scope.customerId ?? null));
      const finished = await repositories.pollRuns.finish(run.id, { counters, errors, status: 'failed' });
      metrics.runs.inc({ outcome: 'failed' });
      log.error({ err }, 'poll cycle failed');
      return finished ?? run;
    }
    const finished = await repositories.pollRuns.finish(run.id, { counters, errors });
    const outcome = errors.length === 0 ? 'success' : 'partial';
    metrics.runs.inc({ outcome });
    // One customer's failure (bad credentials) is its own error, not the platform's: the cycle still synced the others.
    metrics.lastSuccess.set(Date.now() / 1000);
    for (const e of errors) metrics.customerErrors.inc({ partner_code: e.partnerCode ?? 'unknown', error_category: e.category });
    log.info({ ...counters, errors: errors.length }, 'poll cycle finished');
    return finished ?? run;
  }

  /**
   * Why the registry does not let the poller collect a customer's logs at a partner now (the
   * partner is inactive or lacks log_download, or the customer has no active subscription to
   * it), undefined when it does. One read of each partner and of its subscribers per cycle,
   * however many customers and aircraft the cycle covers.
   */
  private async notPolledReasons(codes: readonly PartnerCode[]): Promise<(partnerCode: PartnerCode, customerId: string) => string | undefined> {
    const partnerReasons = new Map<PartnerCode, string>();
    const subscribers = new Map<PartnerCode, ReadonlySet<string>>();
    for (const code of new Set(codes)) {
      try {
        await assertPartnerEnabled(this.deps.repositories, code, PartnerCapability.LOG_DOWNLOAD);
      } catch (err) {
        if (!(err instanceof PartnerNotEnabledError)) throw err;
        partnerReasons.set(code, err.message);
        continue;
      }
      subscribers.set(code, new Set((await this.deps.repositories.customers.listSubscribedTo(code)).map((c) => c.id)));
    }
    return (partnerCode, customerId) =>
      partnerReasons.get(partnerCode) ??
      (subscribers.get(partnerCode)?.has(customerId) ? undefined : `customer ${customerId} has no active ${partnerCode} subscription`);
  }

  private async collectCustomer(
    partnerCode: PartnerCode,
    customerId: string,
    aircraftIds: readonly string[],
    assigns: readonly JobAssign[],
    counters: Counters,
    errors: PollRunErrorInput[],
  ): Promise<void> {
    const credentials = await this.deps.repositories.partnerSystemUsers.getCredentials(customerId, partnerCode);
    if (!credentials) {
      errors.push({ partnerCode, customerId, category: ErrorCategory.AUTH, message: `no active ${partnerCode} credentials for customer ${customerId}` });
      return;
    }
    const partner = this.deps.partners.get(partnerCode);
    let unavailable = false;
    await mapWithConcurrency(aircraftIds, this.settings.concurrency, async (aircraftId) => {
      if (unavailable) return;
      counters.aircraft += 1;
      try {
        await this.collectAircraft(partner, credentials, customerId, aircraftId, this.sinceFor(assigns, aircraftId), counters, errors);
      } catch (err) {
        errors.push(this.errorOf(err, partnerCode, customerId));
        if (err instanceof PartnerUnavailable || this.isPartnerDown(err)) unavailable = true;
      }
    });
  }

  private async collectAircraft(
    partner: PartnerService,
    credentials: PartnerCredentials,
    customerId: string,
    aircraftId: string,
    since: Date | undefined,
    counters: Counters,
    errors: PollRunErrorInput[],
  ): Promise<void> {
    const { repositories, metrics } = this.deps;
    const logs = await partner.getAircraftLogs(credentials, aircraftId, since ? { since } : {});
    counters.logsListed += logs.length;
    metrics.logs.inc({ result: 'found' }, logs.length);
    for (const listed of logs) {
      const tracker =
        (await repositories.partnerLogTrackers.findByLog(partner.partnerCode, customerId, listed.logId)) ??
        (
          await repositories.partnerLogTrackers.upsertPending({
            partnerCode: partner.partnerCode,
            customerId,
            aircraftId: listed.aircraftId || aircraftId,
            logId: listed.logId,
            fileName: listed.fileName,
            loggedAt: listed.recordedAt,
          })
        ).tracker;
      if (tracker.state !== PartnerLogTrackerState.PENDING) continue;
      counters.logsNew += 1;
      await this.download(partner, credentials, tracker, listed, counters, errors);
    }
  }

  private async download(
    partner: PartnerService,
    credentials: PartnerCredentials,
    tracker: PartnerLogTracker,
    listed: PartnerLogSummary,
    counters: Counters,
    errors: PollRunErrorInput[],
  ): Promise<void> {
    const { repositories, metrics, logger } = this.deps;
    const { owner } = this.settings;
    const claimed = await repositories.partnerLogTrackers.claimForDownload(tracker.id, owner, this.settings.downloadLeaseMs);
    if (!claimed) return; // another poller has it
    const context = { trackerId: tracker.id, logId: tracker.logId, customerId: tracker.customerId, partnerCode: tracker.partnerCode };
    // A big file on a slow link may take longer than the lease: renew it until the file is stored,
    // and stop before the tracker's next transition.
    const lease = keepLeaseAlive({
      renew: () => repositories.partnerLogTrackers.renewLease(tracker.id, owner, this.settings.downloadLeaseMs),
      leaseMs: this.settings.downloadLeaseMs,
      onLost: () => logger.warn(context, 'download lease lost; the sweeper may hand the log to another poller'),
      onError: (err) => logger.warn({ ...context, err }, 'could not renew the download lease; trying again'),
    });
    let stored: StoredLogFileInfo & { created: boolean };
    // What the download itself threw (as opposed to the database while storing it).
    let downloadError: unknown = undefined;
    try {
      const download = await partner.downloadAircraftLog(credentials, listed, { maxBytes: this.settings.maxLogBytes, expectedBytes: listed.sizeBytes }).catch((err: unknown) => {
        downloadError = err;
        throw err;
      });
      async function* received(): AsyncGenerator<Buffer> {
        try {
          yield* download.chunks;
        } catch (err) {
          downloadError = err;
          throw err;
        }
      }
      // Into GridFS as it arrives: the log is never whole in memory, whatever its size.
      stored = await repositories.logFiles.storeStream(received(), {
        fileName: tracker.fileName,
        partnerCode: tracker.partnerCode,
        customerId: tracker.customerId,
        logId: tracker.logId,
      });
    } catch (thrown) {
      lease.stop();
      // The database failed, not the download: the lease runs out and the sweeper hands the log back.
      if (downloadError === undefined) throw thrown;
      const err = downloadError;
      const category = toDomainErrorCategory(err);
      const message = err instanceof Error ? err.message : String(err);
      const permanent = category === ErrorCategory.NOT_FOUND || category === ErrorCategory.DATA_FORMAT;
      if (permanent || claimed.attempts >= this.settings.maxAttempts) {
        await repositories.partnerLogTrackers.markFailed(tracker.id, owner, { category, message });
        counters.failed += 1;
        metrics.logs.inc({ result: 'failed' });
      } else {
        await repositories.partnerLogTrackers.releaseDownload(tracker.id, owner, { category, message });
      }
      errors.push({ partnerCode: tracker.partnerCode, customerId: tracker.customerId, category, message: `log ${tracker.logId}: ${message}` });
      logger.warn({ ...context, category, reason: message, permanent }, 'log download failed');
      if (this.isPartnerDown(err)) throw new PartnerUnavailable(message);
      return;
    }

    lease.stop();
    // New bytes for this customer cannot be another of its logs' — except one whose raw log the
    // retention removed; processing that again updates the same application file (one per customer
    // and content), so nothing is applied twice, and the look-up is saved for every new log.
    const sameBytes = stored.created ? null : await repositories.partnerLogTrackers.findByContentHash(tracker.customerId, stored.contentHash, tracker.id);
    if (sameBytes) {
      // The partner listed the same file under another id for this customer: process it once.
      await repositories.partnerLogTrackers.markSkipped(tracker.id, owner);
      counters.skipped += 1;
      metrics.logs.inc({ result: 'skipped' });
      logger.info({ ...context, duplicateOf: sameBytes.id }, 'log content already collected under another id');
      return;
    }
    const downloaded = await repositories.partnerLogTrackers.markDownloaded(tracker.id, owner, stored);
    if (!downloaded) return; // lease lost to the sweeper: the next cycle picks it up
    counters.downloaded += 1;
    metrics.logs.inc({ result: 'downloaded' });
    await this.enqueue(downloaded);
    counters.enqueued += 1;
    metrics.logs.inc({ result: 'enqueued' });
    logger.info({ ...context, sizeBytes: stored.sizeBytes }, 'log downloaded and enqueued');
  }

  /** Publishes PROCESS_PARTNER_LOG (confirmed) and records it on the tracker. */
  private async enqueue(tracker: PartnerLogTracker): Promise<void> {
    if (!tracker.storedFileId || !tracker.contentHash) return;
    await this.deps.publisher.publish(
      createTaskMessage(
        TaskType.PROCESS_PARTNER_LOG,
        {
          trackerId: tracker.id,
          partnerCode: tracker.partnerCode,
          customerId: tracker.customerId,
          aircraftId: tracker.aircraftId,
          logId: tracker.logId,
          storedFileId: tracker.storedFileId,
          contentHash: tracker.contentHash,
        },
        { taskId: processLogTaskId(tracker.id), createdAt: new Date() },
      ),
    );
    await this.deps.repositories.partnerLogTrackers.markEnqueued(tracker.id);
  }

  /** DOWNLOADED but never enqueued (the poller died between the two, or the sweeper reclaimed a processing lease). */
  async reEnqueueStranded(errors: PollRunErrorInput[] = []): Promise<number> {
    const stranded = await this.deps.repositories.partnerLogTrackers.findDownloadedNotEnqueued(new Date(Date.now() - 30_000));
    return this.reEnqueue(stranded, errors);
  }

  /** Publishes processing again for DOWNLOADED trackers (e.g. the ones a sweep just reclaimed). */
  async reEnqueue(trackers: readonly PartnerLogTracker[], errors: PollRunErrorInput[] = []): Promise<number> {
    const stranded = trackers.filter((t) => t.state === PartnerLogTrackerState.DOWNLOADED);
    let count = 0;
    for (const tracker of stranded) {
      try {
        await this.enqueue(tracker);
        count += 1;
      } catch (err) {
        errors.push(this.errorOf(err, tracker.partnerCode, tracker.customerId));
      }
    }
    return count;
  }

  private sinceFor(assigns: readonly JobAssign[], aircraftId: string): Date | undefined {
    const uploaded = assigns
      .filter((a) => a.partnerAircraftId === aircraftId && a.upload.uploadedAt)
      .map((a) => Date.parse(a.upload.uploadedAt as string));
    return uploaded.length > 0 ? new Date(Math.min(...uploaded) - this.settings.lookbackMs) : undefined;
  }

  private isPartnerDown(err: unknown): boolean {
    return isPartnerError(err) && toDomainErrorCategory(err) === ErrorCategory.PARTNER_DOWN;
  }

  private errorOf(err: unknown, partnerCode: PartnerCode | null, customerId: string | null): PollRunErrorInput {
    return {
      partnerCode,
      customerId,
      category: err instanceof PartnerUnavailable ? ErrorCategory.PARTNER_DOWN : toDomainErrorCategory(err),
      message: err instanceof Error ? err.message : String(err),
    };
  }
}
