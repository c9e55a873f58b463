import { PartnerCapability, PartnerCode } from '@agair/domain-models';
import { JobFileError, readJobFile, writeJobFile } from '@agair/satloc-parser';
import { DelegateBackoff, handleWhen, retry, type IRetryBackoffContext } from 'cockatiel';
import { FormData, type Dispatcher } from 'undici';
import { AuthSessionCache, type AuthSession, type IssuedAuth } from '../auth/auth-session.cache.js';
import {
  PartnerAuthError,
  PartnerDataFormatError,
  PartnerDownError,
  PartnerError,
  PartnerErrorCategory,
  PartnerNetworkTimeoutError,
} from '../errors/partner.errors.js';
import { fullJitterDelayMs } from '../errors/retry-decision.js';
import type { PartnerLogger } from '../logger.js';
import { secretForms } from '../redaction/secret.redactor.js';
import { BREAKER_STATE_VALUE, type PartnerMetrics } from '../metrics/partner.metrics.js';
import {
  logStoragePath,
  type BreakerState,
  type DownloadOptions,
  type ListLogsOptions,
  type LogStoragePathInput,
  type PartnerAircraft,
  type PartnerCredentials,
  type PartnerHealth,
  type PartnerLogDownload,
  type PartnerLogSummary,
  type PartnerService,
  type UploadJobInput,
  type UploadJobResult,
} from '../partner.contract.js';
import type { PartnerStateStore } from '../resilience/partner-state.store.js';
import { CircuitOpenError, SharedCircuitBreaker } from '../resilience/shared-circuit.breaker.js';
import type { SatlocClientConfig } from './satloc.config.js';
import { SatlocEndpoint } from './satloc.endpoints.js';
import { dataFormat, unwrapEnvelope, validatePayload, lowerCaseKeys, type ResponseContext } from './satloc.response.js';
import {
  SatlocAircraftListSchema,
  SatlocAuthResultSchema,
  SatlocLogListSchema,
  SatlocUploadResultSchema,
  type SatlocAuthResult,
} from './satloc.schemas.js';
import { SatlocTransport, type SatlocRequest } from './satloc.transport.js';

export interface SatlocPartnerServiceDeps {
  config: SatlocClientConfig;
  /** Auth sessions and breakers: Redis in production (shared by replicas). */
  store: PartnerStateStore;
  keyPrefix: string;
  metrics: PartnerMetrics;
  logger: PartnerLogger;
  /** undici dispatcher to use instead of the client's own Agent (tests, proxies). */
  dispatcher?: Dispatcher;
}

const PARTNER = PartnerCode.SATLOC;

/** The SatLoc Cloud client: the partner contract over undici, with auth cache, retries and shared breakers. */
export class SatlocPartnerService implements PartnerService {
  readonly partnerCode = PARTNER;
  readonly capabilities = [
    PartnerCapability.HEALTH_CHECK,
    PartnerCapability.AIRCRAFT_LIST,
    PartnerCapability.LOG_DOWNLOAD,
    PartnerCapability.JOB_UPLOAD,
  ] as const;

  private readonly config: SatlocClientConfig;
  private readonly transport: SatlocTransport;
  private readonly auth: AuthSessionCache;
  private readonly breaker: SharedCircuitBreaker;
  private readonly credentialBreakers = new Map<string, SharedCircuitBreaker>();

  constructor(private readonly deps: SatlocPartnerServiceDeps) {
    this.config = deps.config;
    this.transport = new SatlocTransport({
      baseUrl: deps.config.baseUrl,
      partnerCode: PARTNER,
      connectTimeoutMs: deps.config.connectTimeoutMs,
      dispatcher: deps.dispatcher,
    });
    this.auth = new AuthSessionCache({
      store: deps.store,
      keyPrefix: deps.keyPrefix,
      partnerCode: PARTNER,
      defaultTtlMs: deps.config.defaultTokenTtlMs,
      expiryMarginMs: deps.config.tokenExpiryMarginMs,
      logger: deps.logger,
      metrics: deps.metrics,
    });
    this.breaker = new SharedCircuitBreaker({
      ...deps.config.breaker,
      store: deps.store,
      keyPrefix: deps.keyPrefix,
      scope: PARTNER,
      logger: deps.logger,
      onState: (state) => deps.metrics.breakerState.set({ partner_code: PARTNER, scope: 'partner' }, BREAKER_STATE_VALUE[state]),
    });
  }

  async healthCheck(): Promise<PartnerHealth> {
    const started = performance.now();
    const checkedAt = new Date().toISOString();
    let up = false;
    let reason: string | null = null;
    try {
      const payload = await this.guarded(SatlocEndpoint.IS_ALIVE, false, async () => {
        const req = this.jsonRequest(SatlocEndpoint.IS_ALIVE, 'GET', {}, null, []);
        return this.readPayload(req, await this.transport.send(req));
      });
      up = payload !== false && !(typeof payload === 'string' && /^(false|down|no)$/i.test(payload));
      if (!up) reason = 'partner reports not alive';
    } catch (error) {
      reason = error instanceof PartnerDownError && error.circuitOpen ? 'circuit-open' : error instanceof PartnerError ? error.category : 'internal';
    }
    return {
      partnerCode: PARTNER,
      up,
      reason,
      breakerState: await this.breakerState(),
      latencyMs: reason === 'circuit-open' ? null : Math.round(performance.now() - started),
      checkedAt,
    };
  }

  async verifyCredentials(creds: PartnerCredentials): Promise<void> {
    await this.session(creds);
  }

  async getAircraftList(creds: PartnerCredentials): Promise<PartnerAircraft[]> {
    const payload = await this.withSession(creds, SatlocEndpoint.AIRCRAFT_LIST, true, async (token) => {
      const req = this.jsonRequest(SatlocEndpoint.AIRCRAFT_LIST, 'GET', {}, token, secretForms(creds.password));
      return this.readPayload(req, await this.transport.send(req));
    });
    const ctx = this.context(SatlocEndpoint.AIRCRAFT_LIST, 200, creds);
    return validatePayload(SatlocAircraftListSchema, payload ?? [], ctx).map((a) => ({
      aircraftId: String(a.aircraftid),
      tailNumber: a.tailnumber ?? null,
      name: a.name ?? null,
    }));
  }

  async getAircraftLogs(creds: PartnerCredentials, aircraftId: string, options: ListLogsOptions = {}): Promise<PartnerLogSummary[]> {
    const query = { aircraftId, fromDate: options.since?.toISOString() };
    const payload = await this.withSession(creds, SatlocEndpoint.AIRCRAFT_LOGS, true, async (token) => {
      const req = this.jsonRequest(SatlocEndpoint.AIRCRAFT_LOGS, 'GET', query, token, secretForms(creds.password));
      return this.readPayload(req, await this.transport.send(req));
    });
    const ctx = this.context(SatlocEndpoint.AIRCRAFT_LOGS, 200, creds);
    const logs = validatePayload(SatlocLogListSchema, payload ?? [], ctx).map((log, i): PartnerLogSummary => {
      let recordedAt: string | null = null;
      if (log.logdate) {
        const at = Date.parse(log.logdate);
        if (Number.isNaN(at)) throw dataFormat(ctx, `/${i}/logdate`, 'not a date');
        recordedAt = new Date(at).toISOString();
      }
      return {
        logId: String(log.logid),
        aircraftId: log.aircraftid === undefined ? aircraftId : String(log.aircraftid),
        fileName: log.filename,
        sizeBytes: log.filesize ?? null,
        recordedAt,
        extJobId: log.jobid === undefined || log.jobid === null ? null : String(log.jobid),
      };
    });
    // The partner may ignore `fromDate`: filter here too.
    const sinceMs = options.since?.getTime();
    return sinceMs === undefined ? logs : logs.filter((l) => l.recordedAt === null || Date.parse(l.recordedAt) >= sinceMs);
  }

  async downloadAircraftLog(
    creds: PartnerCredentials,
    log: string | PartnerLogSummary,
    options: DownloadOptions,
  ): Promise<PartnerLogDownload> {
    const logId = typeof log === 'string' ? log : log.logId;
    const expectedBytes = options.expectedBytes ?? (typeof log === 'string' ? null : log.sizeBytes);
    const endpoint = SatlocEndpoint.AIRCRAFT_LOG_DATA;
    const where = `${PARTNER} ${endpoint}`;
    const details = { partnerCode: PARTNER, endpoint };
    let request: SatlocRequest | undefined;
    const response = await this.withSession(creds, endpoint, true, async (token) => {
      request = {
        endpoint,
        method: 'GET',
        query: { logId },
        token,
        timeoutMs: this.config.timeoutMs,
        bodyIdleTimeoutMs: this.config.downloadIdleTimeoutMs,
        streamed: true,
        secrets: secretsOf(creds, token),
      };
      return this.transport.send(request);
    });
    const req = request as SatlocRequest;
    const lengthHeader = response.headers['content-length'];
    const declaredBytes = lengthHeader === undefined ? null : Number(lengthHeader);
    const refuse = async (message: string, field: string): Promise<never> => {
      await response.body.dump().catch(() => undefined);
      throw new PartnerDataFormatError(`${where}: log ${logId}: ${message}`, { ...details, httpStatus: response.statusCode, field });
    };
    if (declaredBytes !== null && !(Number.isSafeInteger(declaredBytes) && declaredBytes >= 0)) await refuse('invalid Content-Length', 'content-length');
    if (declaredBytes !== null && declaredBytes > options.maxBytes) {
      await refuse(`announced ${declaredBytes} bytes, more than the ${options.maxBytes}-byte limit`, 'content-length');
    }
    if (declaredBytes !== null && expectedBytes !== null && declaredBytes !== expectedBytes) {
      await refuse(`announced ${declaredBytes} bytes but the log list says ${expectedBytes}`, 'content-length');
    }

    const transport = this.transport;
    let receivedBytes = 0;
    const body = response.body;
    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          receivedBytes += chunk.length;
          if (receivedBytes > options.maxBytes) {
            throw new PartnerDataFormatError(`${where}: log ${logId} exceeds the ${options.maxBytes}-byte limit`, {
              ...details,
              httpStatus: response.statusCode,
              field: 'body',
            });
          }
          yield chunk;
        }
      } catch (error) {
        body.destroy();
        if (error instanceof PartnerError) throw error;
        const classified = transport.classifyTransportError(error, req);
        if (classified instanceof PartnerNetworkTimeoutError && classified.message.includes('timed out')) throw classified;
        throw new PartnerNetworkTimeoutError(
          `${where}: log ${logId} cut short after ${receivedBytes} of ${declaredBytes ?? 'unknown'} bytes`,
          { ...details, httpStatus: response.statusCode, cause: classified },
        );
      }
      if (declaredBytes !== null && receivedBytes !== declaredBytes) {
        throw new PartnerNetworkTimeoutError(`${where}: log ${logId} cut short after ${receivedBytes} of ${declaredBytes} bytes`, {
          ...details,
          httpStatus: response.statusCode,
        });
      }
      if (expectedBytes !== null && receivedBytes !== expectedBytes) {
        throw new PartnerDataFormatError(`${where}: log ${logId} has ${receivedBytes} bytes but the log list says ${expectedBytes}`, {
          ...details,
          httpStatus: response.statusCode,
          field: 'fileSize',
        });
      }
    }

    const disposition = String(response.headers['content-disposition'] ?? '');
    const named = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
    return {
      logId,
      fileName: typeof log === 'string' ? (named ?? `${logId}.log`) : log.fileName,
      contentType: typeof response.headers['content-type'] === 'string' ? response.headers['content-type'] : null,
      declaredBytes,
      chunks: chunks(),
      get receivedBytes() {
        return receivedBytes;
      },
      cancel: async () => {
        body.destroy();
      },
    };
  }

  async uploadJobDataToAircraft(creds: PartnerCredentials, input: UploadJobInput): Promise<UploadJobResult> {
    const endpoint = SatlocEndpoint.UPLOAD_JOB;
    const jobText = this.jobText(input.jobFile);
    const fileName = /\.job$/i.test(input.fileName) ? input.fileName : `${input.fileName}.JOB`;
    // Uploading is not idempotent: no in-call retry. A 401 is retried once after re-authenticating,
    // since the partner refused the request before acting on it.
    const payload = await this.withSession(creds, endpoint, false, async (token) => {
      const form = new FormData();
      form.append('aircraftId', input.aircraftId);
      form.append('file', new Blob([jobText], { type: 'application/octet-stream' }), fileName);
      const req: SatlocRequest = {
        endpoint,
        method: 'POST',
        token,
        body: form,
        timeoutMs: this.config.uploadTimeoutMs,
        secrets: secretsOf(creds, token),
      };
      return this.readPayload(req, await this.transport.send(req));
    });
    const result = validatePayload(SatlocUploadResultSchema, payload, this.context(endpoint, 200, creds));
    return { extJobId: String(typeof result === 'object' ? result.jobid : result) };
  }

  resolveLogStoragePath(input: LogStoragePathInput): string {
    return logStoragePath(PARTNER, input);
  }

  async forgetCredentials(customerId: string): Promise<void> {
    const breaker = this.credentialsBreaker(customerId);
    // The breaker's state is in the store; this map only holds handles to it. Without this, a
    // key used once (partner-api's credential tests) stays in memory for good.
    this.credentialBreakers.delete(customerId);
    await this.auth.forget(customerId);
    await breaker.reset();
  }

  async breakerState(): Promise<BreakerState> {
    try {
      return await this.breaker.state();
    } catch {
      return 'closed';
    }
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  // ---- authentication -------------------------------------------------------------------

  private session(creds: PartnerCredentials): Promise<AuthSession> {
    return this.auth.session(creds, () => this.authenticate(creds));
  }

  /** Runs `call` with a session; a 401 drops the session and retries once with a fresh one. */
  private async withSession<T>(
    creds: PartnerCredentials,
    endpoint: SatlocEndpoint,
    idempotent: boolean,
    call: (token: string | null) => Promise<T>,
  ): Promise<T> {
    let session = await this.session(creds);
    try {
      return await this.guarded(endpoint, idempotent, () => call(session.token));
    } catch (error) {
      if (!(error instanceof PartnerAuthError) || error.httpStatus !== 401) throw error;
      this.deps.logger.info({ partnerCode: PARTNER, endpoint, customerId: creds.customerId }, 'partner answered 401: re-authenticating once');
      await this.auth.invalidate(creds.customerId, session);
      session = await this.session(creds);
      return this.guarded(endpoint, idempotent, () => call(session.token));
    }
  }

  private async authenticate(creds: PartnerCredentials): Promise<IssuedAuth> {
    const endpoint = SatlocEndpoint.AUTHENTICATE;
    const breaker = this.credentialsBreaker(creds.customerId);
    let payload: unknown;
    try {
      payload = await breaker.execute(
        () =>
          this.guarded(endpoint, true, async () => {
            // The password travels in the query string (SatLoc's API): it is in this URL only,
            // which is never logged, and every message built from this request scrubs it.
            const query = { username: creds.username, password: creds.password };
            const req = this.jsonRequest(endpoint, this.config.authMethod, query, null, secretForms(creds.password));
            return this.readPayload(req, await this.transport.send(req));
          }),
        (error) => error instanceof PartnerAuthError && error.credentialsRejected,
      );
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        throw new PartnerAuthError(
          `${PARTNER} ${endpoint}: credentials of this customer were rejected repeatedly; not trying again for ${Math.ceil(error.retryAfterMs / 1000)} s`,
          { partnerCode: PARTNER, endpoint, retryAfterMs: error.retryAfterMs, credentialsRejected: true, circuitOpen: true },
        );
      }
      throw error;
    }
    const result = validatePayload(SatlocAuthResultSchema, payload, this.context(endpoint, 200, creds));
    if (result === false) {
      throw new PartnerAuthError(`${PARTNER} ${endpoint}: credentials rejected`, { partnerCode: PARTNER, endpoint, credentialsRejected: true });
    }
    const issued = issuedAuth(result);
    this.deps.logger.debug({ partnerCode: PARTNER, customerId: creds.customerId, tokenIssued: issued.token !== null }, 'authenticated with partner');
    return issued;
  }

  private credentialsBreaker(customerId: string): SharedCircuitBreaker {
    let breaker = this.credentialBreakers.get(customerId);
    if (!breaker) {
      breaker = new SharedCircuitBreaker({
        ...this.config.credentialsBreaker,
        store: this.deps.store,
        keyPrefix: this.deps.keyPrefix,
        scope: `${PARTNER}:customer:${customerId}:auth`,
        logger: this.deps.logger,
      });
      this.credentialBreakers.set(customerId, breaker);
    }
    return breaker;
  }

  // ---- resilience -----------------------------------------------------------------------

  /**
   * One logical call: the shared breaker around each attempt, metrics per attempt, and for
   * idempotent calls retries with exponential backoff and full jitter (cockatiel), honouring a
   * short Retry-After. Longer waits are left to the queue (see `retryDecision`).
   */
  private guarded<T>(endpoint: SatlocEndpoint, idempotent: boolean, call: () => Promise<T>): Promise<T> {
    const attempt = (): Promise<T> => this.observed(endpoint, () => this.throughBreaker(call));
    const retries = idempotent ? this.config.retry.maxAttempts - 1 : 0;
    if (retries <= 0) return attempt();
    const policy = retry(
      handleWhen((error) => this.retryInCall(error)),
      {
        maxAttempts: retries,
        backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) => this.inCallDelayMs(context)),
      },
    );
    policy.onRetry((event) => {
      const error = 'error' in event ? event.error : undefined;
      this.deps.logger.debug(
        { partnerCode: PARTNER, endpoint, attempt: event.attempt, delayMs: event.delay, category: error instanceof PartnerError ? error.category : undefined },
        'retrying partner call',
      );
    });
    return policy.execute(attempt);
  }

  private async throughBreaker<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.breaker.execute(call, countsAgainstPartner);
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        throw new PartnerDownError(`${PARTNER}: circuit open after repeated failures; retry in ${Math.ceil(error.retryAfterMs / 1000)} s`, {
          partnerCode: PARTNER,
          endpoint: 'circuit-breaker',
          retryAfterMs: error.retryAfterMs,
          circuitOpen: true,
        });
      }
      throw error;
    }
  }

  private async observed<T>(endpoint: SatlocEndpoint, call: () => Promise<T>): Promise<T> {
    const stop = this.deps.metrics.duration.startTimer({ partner_code: PARTNER, endpoint });
    let outcome = 'success';
    try {
      return await call();
    } catch (error) {
      outcome = error instanceof PartnerDownError && error.circuitOpen ? 'circuit-open' : error instanceof PartnerError ? error.category : 'internal';
      throw error;
    } finally {
      stop({ outcome });
      this.deps.metrics.requests.inc({ partner_code: PARTNER, endpoint, outcome });
    }
  }

  private retryInCall(error: Error): boolean {
    if (!(error instanceof PartnerError) || !error.retryable) return false;
    if (error instanceof PartnerDownError && error.circuitOpen) return false;
    if (error.category === PartnerErrorCategory.AUTH) return false;
    if (error.category === PartnerErrorCategory.RATE_LIMIT && (error.retryAfterMs ?? 0) > this.config.retry.maxRetryAfterMs) return false;
    return true;
  }

  private inCallDelayMs(context: IRetryBackoffContext<unknown>): number {
    const error = 'error' in context.result ? context.result.error : undefined;
    if (error instanceof PartnerError && error.category === PartnerErrorCategory.RATE_LIMIT && error.retryAfterMs !== undefined) {
      return error.retryAfterMs;
    }
    return fullJitterDelayMs(context.attempt, this.config.retry, this.config.random);
  }

  // ---- request/response helpers ---------------------------------------------------------

  private jsonRequest(
    endpoint: SatlocEndpoint,
    method: 'GET' | 'POST',
    query: Record<string, string | undefined>,
    token: string | null,
    secrets: string[],
  ): SatlocRequest {
    return { endpoint, method, query, token, timeoutMs: this.config.timeoutMs, secrets: token ? [...secrets, token] : secrets };
  }

  private async readPayload(req: SatlocRequest, response: Dispatcher.ResponseData): Promise<unknown> {
    const body = await this.transport.readJson(response, req, this.config.maxJsonBytes);
    return unwrapEnvelope(lowerCaseKeys(body), {
      partnerCode: PARTNER,
      endpoint: req.endpoint,
      httpStatus: response.statusCode,
      secrets: req.secrets,
    });
  }

  private context(endpoint: SatlocEndpoint, httpStatus: number, creds: PartnerCredentials): ResponseContext {
    return { partnerCode: PARTNER, endpoint, httpStatus, secrets: secretForms(creds.password) };
  }

  private jobText(jobFile: string | UploadJobInput['jobFile']): string {
    const details = { partnerCode: PARTNER, endpoint: SatlocEndpoint.UPLOAD_JOB, field: 'jobFile' };
    try {
      if (typeof jobFile === 'string') {
        readJobFile(jobFile);
        return jobFile;
      }
      return writeJobFile(jobFile);
    } catch (error) {
      const reason = error instanceof JobFileError || error instanceof Error ? error.message : String(error);
      throw new PartnerDataFormatError(`${PARTNER} ${SatlocEndpoint.UPLOAD_JOB}: the .JOB file is invalid: ${reason}`, details);
    }
  }
}

/** Only failures of the partner itself trip the shared breaker; a 404 or a bad payload shows it alive. */
function countsAgainstPartner(error: unknown): boolean {
  return (error instanceof PartnerDownError && !error.circuitOpen) || error instanceof PartnerNetworkTimeoutError;
}

function secretsOf(creds: PartnerCredentials, token: string | null): string[] {
  const forms = secretForms(creds.password);
  return token ? [...forms, token] : forms;
}

function issuedAuth(result: SatlocAuthResult): IssuedAuth {
  if (typeof result === 'string') return { token: result };
  if (result === null || typeof result === 'boolean') return { token: null };
  const token = result.token ?? result.accesstoken ?? null;
  let expiresInMs: number | undefined;
  if (result.expiresin !== undefined) expiresInMs = Number(result.expiresin) * 1000;
  else if (result.expiresat) {
    const at = Date.parse(result.expiresat);
    if (!Number.isNaN(at)) expiresInMs = Math.max(0, at - Date.now());
  }
  return { token, expiresInMs };
}
