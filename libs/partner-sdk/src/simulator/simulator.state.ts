import { randomBytes } from 'node:crypto';
import type { GroundTruth, JobFile } from '@agair/satloc-parser';
import type { SatlocEndpoint } from '../satloc/satloc.endpoints.js';
import { produceFlightLogs } from './flight-log.producer.js';

export interface SimCompany {
  companyId: string;
  name: string;
}
export interface SimUser {
  username: string;
  password: string;
  companyId: string;
}
export interface SimAircraft {
  aircraftId: string;
  companyId: string;
  tailNumber: string;
  name: string;
}
export interface SimJob {
  jobId: number;
  aircraftId: string;
  companyId: string;
  fileName: string;
  jobText: string;
  job: JobFile;
  uploadedAt: string;
  /** Logs already produced for this job. */
  logIds: string[];
}
export interface SimLog {
  logId: string;
  aircraftId: string;
  jobId: number;
  fileName: string;
  bytes: Buffer;
  logDate: string;
  polygonIndex: number;
  groundTruth: GroundTruth | null;
  plan: { swathWidthM: number; passCount: number; startTimeMs: number; endTimeMs: number };
}
interface SimToken {
  username: string;
  companyId: string;
  expiresAtMs: number;
}

export interface SimSeed {
  companies?: SimCompany[];
  users?: SimUser[];
  aircraft?: SimAircraft[];
}

export interface SimRequestRecord {
  endpoint: SatlocEndpoint;
  method: string;
  /** Whether an Authorization header came with the request (its value is not kept). */
  hadAuthorization: boolean;
  status: number | null;
  at: string;
}

/** Everything the simulator knows, in memory. Nothing here is persisted. */
export class SimulatorState {
  readonly companies = new Map<string, SimCompany>();
  readonly users = new Map<string, SimUser>();
  readonly aircraft = new Map<string, SimAircraft>();
  readonly jobs = new Map<number, SimJob>();
  readonly logs = new Map<string, SimLog>();
  private readonly tokens = new Map<string, SimToken>();
  /** The last 1 000 tokens issued, expired ones included, so tests can check none of them leaks. */
  readonly issuedTokens: string[] = [];
  readonly requestCounts = new Map<SatlocEndpoint, number>();
  readonly requests: SimRequestRecord[] = [];
  authentications = 0;
  private nextJobId = 1001;
  private nextLogId = 50001;

  constructor(
    private readonly settings: { tokenTtlS: number; issueTokens: boolean; seed: number },
  ) {}

  seed(seed: SimSeed): void {
    for (const c of seed.companies ?? []) this.companies.set(c.companyId, { ...c });
    for (const u of seed.users ?? []) this.users.set(u.username.toLowerCase(), { ...u });
    for (const a of seed.aircraft ?? []) this.aircraft.set(a.aircraftId, { ...a });
  }

  get issuesTokens(): boolean {
    return this.settings.issueTokens;
  }

  /** A session for valid credentials, or null. */
  authenticate(username: string, password: string): { token: string | null; expiresInS: number; companyId: string } | null {
    const user = this.users.get(username.toLowerCase());
    if (!user || user.password !== password) return null;
    this.authentications += 1;
    if (!this.settings.issueTokens) return { token: null, expiresInS: this.settings.tokenTtlS, companyId: user.companyId };
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { username: user.username, companyId: user.companyId, expiresAtMs: Date.now() + this.settings.tokenTtlS * 1000 });
    this.issuedTokens.push(token);
    if (this.issuedTokens.length > 1000) this.issuedTokens.shift();
    return { token, expiresInS: this.settings.tokenTtlS, companyId: user.companyId };
  }

  /** The company of a valid bearer token, or null. */
  companyOfToken(token: string): string | null {
    const session = this.tokens.get(token);
    if (!session || session.expiresAtMs <= Date.now()) return null;
    return session.companyId;
  }

  /** Makes every issued token invalid now (the partner restarted or rotated its keys). */
  expireTokens(): number {
    const n = this.tokens.size;
    this.tokens.clear();
    return n;
  }

  aircraftOf(companyId: string | null): SimAircraft[] {
    return [...this.aircraft.values()].filter((a) => companyId === null || a.companyId === companyId);
  }

  addJob(input: { aircraft: SimAircraft; fileName: string; jobText: string; job: JobFile }): SimJob {
    const job: SimJob = {
      jobId: this.nextJobId++,
      aircraftId: input.aircraft.aircraftId,
      companyId: input.aircraft.companyId,
      fileName: input.fileName,
      jobText: input.jobText,
      job: input.job,
      uploadedAt: new Date().toISOString(),
      logIds: [],
    };
    this.jobs.set(job.jobId, job);
    return job;
  }

  /** Flies every job that has no logs yet (or only `jobId`); returns the new logs. */
  produceLogs(jobId?: number): SimLog[] {
    const produced: SimLog[] = [];
    for (const job of this.jobs.values()) {
      if (jobId !== undefined ? job.jobId !== jobId : job.logIds.length > 0) continue;
      const flights = produceFlightLogs(job.job, {
        seed: this.settings.seed * 100_003 + job.jobId,
        aircraftId: job.aircraftId,
        extJobId: String(job.jobId),
        startTimeMs: Date.now() - 3_600_000,
      });
      for (const flight of flights) {
        const logId = String(this.nextLogId++);
        const log: SimLog = {
          logId,
          aircraftId: job.aircraftId,
          jobId: job.jobId,
          fileName: `AC${job.aircraftId}_J${job.jobId}_P${flight.polygonIndex}_${logId}.alog`,
          bytes: flight.bytes,
          logDate: new Date(flight.plan.endTimeMs).toISOString(),
          polygonIndex: flight.polygonIndex,
          groundTruth: flight.groundTruth,
          plan: flight.plan,
        };
        this.logs.set(logId, log);
        job.logIds.push(logId);
        produced.push(log);
      }
    }
    return produced;
  }

  /** Adds a log with given bytes (tests of downloads that need a specific size). */
  addRawLog(input: { aircraftId: string; bytes: Buffer; fileName?: string }): SimLog {
    const logId = String(this.nextLogId++);
    const log: SimLog = {
      logId,
      aircraftId: input.aircraftId,
      jobId: 0,
      fileName: input.fileName ?? `AC${input.aircraftId}_${logId}.alog`,
      bytes: input.bytes,
      logDate: new Date().toISOString(),
      polygonIndex: 0,
      groundTruth: null,
      plan: { swathWidthM: 0, passCount: 0, startTimeMs: Date.now(), endTimeMs: Date.now() },
    };
    this.logs.set(logId, log);
    return log;
  }

  logsOf(aircraftId: string, sinceMs?: number): SimLog[] {
    return [...this.logs.values()].filter((l) => l.aircraftId === aircraftId && (sinceMs === undefined || Date.parse(l.logDate) >= sinceMs));
  }

  record(entry: SimRequestRecord): void {
    this.requestCounts.set(entry.endpoint, (this.requestCounts.get(entry.endpoint) ?? 0) + 1);
    this.requests.push(entry);
    if (this.requests.length > 1000) this.requests.splice(0, this.requests.length - 1000);
  }

  counters(): { requests: Record<string, number>; authentications: number; jobs: number; logs: number } {
    return {
      requests: Object.fromEntries(this.requestCounts),
      authentications: this.authentications,
      jobs: this.jobs.size,
      logs: this.logs.size,
    };
  }

  resetCounters(): void {
    this.requestCounts.clear();
    this.requests.splice(0);
    this.authentications = 0;
  }
}
