import type { ApplicationSummary, Job, JobApplicationRecord, PackedLayers } from '@agair/domain-models';
import type { JobRecordInput, Repositories } from '@agair/persistence';
import { StatisticsError, combineJobStatistics, packCoverageLayers, type JobField, type LogForJob } from '@agair/satloc-parser';

export type CombinedJob =
  | { outcome: 'combined'; summary: ApplicationSummary; layers: PackedLayers }
  /** The union of the job's logs exceeds the engine's work bound (each log alone was within it). */
  | { outcome: 'too_complex'; reason: string };

/** A job's record from its logs; the sync-worker passes one that runs on its worker threads. */
export type CombineJob = (logs: readonly JobRecordInput[], field: JobField) => Promise<CombinedJob>;

/** Returns an outcome rather than throwing a StatisticsError: the class does not survive a thread boundary. */
export function combineJob(logs: readonly LogForJob[], field: JobField): CombinedJob {
  try {
    const { summary, coverage } = combineJobStatistics(logs, field);
    return { outcome: 'combined', summary, layers: packCoverageLayers(coverage) };
  } catch (err) {
    if (err instanceof StatisticsError) return { outcome: 'too_complex', reason: `${err.code}: ${err.message}` };
    throw err;
  }
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
export type RefreshedJobRecord =
  | { outcome: 'saved'; record: JobApplicationRecord }
  | { outcome: 'removed' }
  /** Not computed; the job keeps no record (a stale one would mislead) until a later log makes it computable. */
  | { outcome: 'too_complex'; reason: string };

export async function refreshJobApplicationRecord(
  deps: { repositories: Repositories; combine?: CombineJob },
  customerId: string,
  jobId: string,
  /** The job when the caller has just read it (saves a read). */
  knownJob?: Job,
): Promise<RefreshedJobRecord> {
  const { repositories } = deps;
  const combine = deps.combine ?? combineInProcess;
  const job = knownJob?.id === jobId ? knownJob : await repositories.jobs.findById(customerId, jobId);
  const removed = async (): Promise<RefreshedJobRecord> => {
    await repositories.applicationRecords.deleteJobRecord(jobId);
    return { outcome: 'removed' };
  };
  if (!job) return removed();
  let saved: RefreshedJobRecord = { outcome: 'removed' };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const logs = await repositories.applicationRecords.listJobRecordInputs(customerId, jobId, MAX_LOGS_PER_JOB_RECORD);
    if (logs.length === 0) return removed();
    const fileIds = logs.map((l) => l.fileId);
    const combined = await combine(logs, { boundary: job.boundary, exclusions: job.exclusions, targetRateLPerHa: job.targetRateLPerHa });
    if (combined.outcome === 'too_complex') {
      await repositories.applicationRecords.deleteJobRecord(jobId);
      return combined;
    }
    const record = await repositories.applicationRecords.saveJobRecord({ jobId, customerId, fileIds, summary: combined.summary }, combined.layers);
    saved = { outcome: 'saved', record };
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
