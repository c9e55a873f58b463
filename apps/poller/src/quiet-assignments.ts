import type { JobAssign } from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';

/**
 * Ends polling for UPLOADED assignments that have gone quiet: uploaded more than `quietMs` ago
 * and no log matched to them processed within `quietMs` either. Their aircraft are then listed
 * only for the assignments still polled, from the oldest of those, so the polled set and the
 * listing window shrink as jobs are done instead of growing forever. (Jobs have no "complete"
 * state to end polling sooner.) Uploading an assignment again polls it again.
 */
export async function endQuietPolling(repositories: Repositories, quietMs: number, now: Date, limit = 500): Promise<JobAssign[]> {
  const cutoff = now.getTime() - quietMs;
  const ended: JobAssign[] = [];
  for (const assign of await repositories.jobAssigns.findPolledUploadedBefore(new Date(cutoff), limit)) {
    const latestLog = await repositories.applicationRecords.latestLogProcessedAt(assign.customerId, assign.id);
    if (latestLog && Date.parse(latestLog) >= cutoff) continue;
    const done = await repositories.jobAssigns.endPolling(assign);
    if (done) ended.push(done);
  }
  return ended;
}
