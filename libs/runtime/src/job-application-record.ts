import type { ApplicationSummary, JobApplicationRecord, PackedLayers } from '@agair/domain-models';
import type { JobRecordInput, Repositories } from '@agair/persistence';
import { combineJobStatistics, packCoverageLayers, type JobField, type LogForJob } from '@agair/satloc-parser';

export interface CombinedJob {
  summary: ApplicationSummary;
  layers: PackedLayers;
}

/** A job's record from its logs; the sync-worker passes one that runs on its worker threads. */
export type CombineJob = (logs: readonly JobRecordInput[], field: JobField) => Promise<CombinedJob>;

export function combineJob(logs: readonly LogForJob[], field: JobField): CombinedJob {
  const { summary, coverage } = combineJobStatistics(logs, field);
  return { summary, layers: packCoverageLayers(coverage) };
}

export const combineInProcess: CombineJob = async (logs, field) => combineJob(logs, field);

/** More logs than this on one job is not a spray job any more; the record covers the first ones. */
export const MAX_LOGS_PER_JOB_RECORD = 1000;
/** Recomputes while other workers keep adding logs to the same job, up to this many times. */
const MAX_ROUNDS = 4;

/**
 * Recomputes and stores a job's application record (the union over all its logs) after one of
 * them was processed, or removes it when the job has no logs left. Two workers finishing logs
 * of one job at once may each compute from a set missing the other's log; each re-reads the
 * job's logs after writing and computes again if the set changed, so the last writer always
 * wrote from the full set.
 */
export async function refreshJobApplicationRecord(
  deps: { repositories: Repositories; combine?: CombineJob },
  customerId: string,
  jobId: string,
): Promise<JobApplicationRecord | null> {
  const { repositories } = deps;
  const combine = deps.combine ?? combineInProcess;
  const job = await repositories.jobs.findById(customerId, jobId);
  if (!job) {
    await repositories.applicationRecords.deleteJobRecord(jobId);
    return null;
  }
  let saved: JobApplicationRecord | null = null;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const logs = await repositories.applicationRecords.listJobRecordInputs(customerId, jobId, MAX_LOGS_PER_JOB_RECORD);
    if (logs.length === 0) {
      await repositories.applicationRecords.deleteJobRecord(jobId);
      return null;
    }
    const fileIds = logs.map((l) => l.fileId);
    const { summary, layers } = await combine(logs, { boundary: job.boundary, exclusions: job.exclusions, targetRateLPerHa: job.targetRateLPerHa });
    saved = await repositories.applicationRecords.saveJobRecord({ jobId, customerId, fileIds, summary }, layers);
    const now = await repositories.applicationRecords.listFileIdsByJob(customerId, jobId, MAX_LOGS_PER_JOB_RECORD);
    if (sameSet(now, fileIds)) return saved;
  }
  return saved;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((id) => set.has(id));
}
