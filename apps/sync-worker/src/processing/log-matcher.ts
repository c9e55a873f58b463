import { MatchMethod, type ApplicationMatch, type Job, type JobAssign, type PartnerCode } from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';

export interface LogIdentity {
  customerId: string;
  partnerCode: PartnerCode;
  /** The job id the log's header names (the partner's job id), if any. */
  headerJobId: string | null;
  fileName: string;
  /** The partner aircraft that flew it (from the log listing or the header). */
  aircraftId: string | null;
  /** First GNSS fix, epoch milliseconds. */
  startedAtMs: number | null;
}

export interface MatchedJob {
  match: ApplicationMatch;
  assign: JobAssign | null;
  job: Job | null;
  /** For `boundary_overlap`: assignments whose job boundary the caller should try. */
  overlapCandidates: { assign: JobAssign; job: Job }[];
}

const FILE_NAME_CONFIDENCE = 0.9;
const TIME_WINDOW_CONFIDENCE = 0.7;
/** Several uploaded jobs for the aircraft before the flight: the newest is a guess. */
const AMBIGUOUS_TIME_WINDOW_CONFIDENCE = 0.5;

/**
 * Finds the assignment a flight log belongs to, most reliable evidence first: the job id in
 * the log header, the partner job id in the file name, the aircraft's newest job uploaded
 * before the flight. When only the aircraft is known, several candidates are returned for the
 * caller to decide by boundary overlap.
 */
export async function matchLog(repositories: Repositories, log: LogIdentity): Promise<MatchedJob> {
  const withJob = async (assign: JobAssign, method: ApplicationMatch['method'], confidence: number): Promise<MatchedJob | null> => {
    const job = await repositories.jobs.findById(log.customerId, assign.jobId);
    return job ? { match: { method, confidence }, assign, job, overlapCandidates: [] } : null;
  };

  if (log.headerJobId) {
    const assign = await repositories.jobAssigns.findByExtJobId(log.customerId, log.partnerCode, log.headerJobId);
    const matched = assign && (await withJob(assign, MatchMethod.JOB_ID_IN_HEADER, 1));
    if (matched) return matched;
  }

  const candidates = log.aircraftId
    ? await repositories.jobAssigns.listUploadedForAircraft(log.customerId, log.partnerCode, log.aircraftId)
    : [];

  const tokens = new Set(log.fileName.split(/[^A-Za-z0-9]+/).filter(Boolean));
  for (const assign of candidates) {
    if (assign.extJobId && (tokens.has(assign.extJobId) || tokens.has(`J${assign.extJobId}`))) {
      const matched = await withJob(assign, MatchMethod.FILE_NAME, FILE_NAME_CONFIDENCE);
      if (matched) return matched;
    }
  }

  const before = log.startedAtMs === null ? candidates : candidates.filter((a) => !a.upload.uploadedAt || Date.parse(a.upload.uploadedAt) <= (log.startedAtMs ?? 0));
  if (before.length === 1 && before[0]) {
    const matched = await withJob(before[0], MatchMethod.AIRCRAFT_TIME_WINDOW, TIME_WINDOW_CONFIDENCE);
    if (matched) return matched;
  }
  if (before.length > 1) {
    const overlapCandidates: { assign: JobAssign; job: Job }[] = [];
    for (const assign of before.slice(0, 3)) {
      const job = await repositories.jobs.findById(log.customerId, assign.jobId);
      if (job) overlapCandidates.push({ assign, job });
    }
    const newest = overlapCandidates[0];
    if (newest) {
      return {
        match: { method: MatchMethod.AIRCRAFT_TIME_WINDOW, confidence: AMBIGUOUS_TIME_WINDOW_CONFIDENCE },
        assign: newest.assign,
        job: newest.job,
        overlapCandidates,
      };
    }
  }
  return { match: { method: MatchMethod.UNMATCHED, confidence: 0 }, assign: null, job: null, overlapCandidates: [] };
}
