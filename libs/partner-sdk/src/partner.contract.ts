import type { PartnerCapability, PartnerCode } from '@agair/domain-models';
import type { JobFile } from '@agair/satloc-parser';

/**
 * A customer's account on the partner system, decrypted by the caller just before the call.
 * The password is used for one request and never stored, logged or put in an error.
 */
export interface PartnerCredentials {
  /** Our customer id: keys the auth cache and the per-customer breaker. */
  customerId: string;
  username: string;
  password: string;
}

export interface PartnerHealth {
  partnerCode: PartnerCode;
  up: boolean;
  /** `circuit-open` when the shared breaker rejects calls; otherwise the error category. */
  reason: string | null;
  breakerState: BreakerState;
  latencyMs: number | null;
  checkedAt: string;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface PartnerAircraft {
  /** The partner's aircraft id (SatLoc's, opaque), as a string. */
  aircraftId: string;
  tailNumber: string | null;
  name: string | null;
}

export interface PartnerLogSummary {
  logId: string;
  aircraftId: string;
  fileName: string;
  /** Size the partner lists for the file, when it says. */
  sizeBytes: number | null;
  /** When the log was recorded or made available (ISO-8601), when the partner says. */
  recordedAt: string | null;
  /** The partner's job id the log belongs to, when it says. */
  extJobId: string | null;
}

export interface ListLogsOptions {
  /** Only logs recorded or made available at or after this instant. */
  since?: Date;
}

export interface DownloadOptions {
  /** Refuse the download (data-format error) once more than this many bytes arrive or are announced. */
  maxBytes: number;
  /** Size the log listing gave; a body of another size is refused. */
  expectedBytes?: number | null;
}

/**
 * A log download in progress. Iterate `chunks` exactly once; it throws a PartnerError when the
 * body is cut short, exceeds the cap or stalls. `cancel()` releases the connection early.
 */
export interface PartnerLogDownload {
  logId: string;
  fileName: string;
  contentType: string | null;
  /** Content-Length the partner announced (null for a chunked response). */
  declaredBytes: number | null;
  chunks: AsyncIterable<Buffer>;
  /** Bytes handed out so far. */
  readonly receivedBytes: number;
  cancel(): Promise<void>;
}

export interface UploadJobInput {
  aircraftId: string;
  /** The `.JOB` text, or a parsed job file that is written with `writeJobFile`. */
  jobFile: string | JobFile;
  /** File name sent in the multipart part; `.JOB` is appended when missing. */
  fileName: string;
}

export interface UploadJobResult {
  /** The partner's job id (stored as `extJobId` on the assignment). */
  extJobId: string;
}

export interface LogStoragePathInput {
  customerId: string;
  aircraftId: string;
  logId: string;
  fileName: string;
}

/**
 * What every partner integration offers. Calls throw only PartnerErrors (see errors/), whose
 * category drives the retry decision.
 */
export interface PartnerService {
  readonly partnerCode: PartnerCode;
  readonly capabilities: readonly PartnerCapability[];
  /** Is the partner answering? Never throws for an unreachable partner: reports `up: false`. */
  healthCheck(): Promise<PartnerHealth>;
  /** Authenticates (or reuses the cached token) and reports success; for "test credentials". */
  verifyCredentials(creds: PartnerCredentials): Promise<void>;
  getAircraftList(creds: PartnerCredentials): Promise<PartnerAircraft[]>;
  getAircraftLogs(creds: PartnerCredentials, aircraftId: string, options?: ListLogsOptions): Promise<PartnerLogSummary[]>;
  downloadAircraftLog(creds: PartnerCredentials, log: string | PartnerLogSummary, options: DownloadOptions): Promise<PartnerLogDownload>;
  uploadJobDataToAircraft(creds: PartnerCredentials, input: UploadJobInput): Promise<UploadJobResult>;
  /** Where a downloaded log is stored (GridFS file name): stable, unique per log, safe characters only. */
  resolveLogStoragePath(input: LogStoragePathInput): string;
  /** Drops the cached token and auth breaker of a customer, e.g. after their credentials changed. */
  forgetCredentials(customerId: string): Promise<void>;
}

/** `<partner>/<customer>/<aircraft>/<log>/<file>`, each part reduced to safe characters. */
export function logStoragePath(partnerCode: string, input: LogStoragePathInput): string {
  const safe = (part: string): string => {
    const cleaned = part.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
    return cleaned === '' ? '_' : cleaned.slice(0, 128);
  };
  return [partnerCode.toLowerCase(), input.customerId, input.aircraftId, input.logId, input.fileName].map(safe).join('/');
}
