import type { AddressInfo } from 'node:net';
import multipart from '@fastify/multipart';
import { JobFileError, readJobFile } from '@agair/satloc-parser';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TSchema, Static } from 'typebox';
import { Value } from 'typebox/value';
import { redactSecrets } from '../redaction/secret.redactor.js';
import { SatlocEndpoint } from '../satloc/satloc.endpoints.js';
import { FaultInjector, isFaultTarget, seededRandom, type EndpointFaults, type FaultTarget } from './simulator.faults.js';
import {
  EndpointFaultsSchema,
  ProduceLogsSchema,
  RawLogSchema,
  ResponseStyleSchema,
  SimSeedSchema,
  type ResponseStyle,
} from './simulator.schemas.js';
import { SimulatorState, type SimLog, type SimRequestRecord, type SimSeed } from './simulator.state.js';

export interface SatlocSimulatorOptions {
  /** Seeds fault decisions and the simulated flights. Default 1. */
  seed?: number;
  /** Lifetime of issued tokens. Default 3600 s. */
  tokenTtlS?: number;
  /**
   * False: AuthenticateAPIUser answers `true` without a token and no endpoint asks for one (then
   * the simulator cannot tell callers apart and shows every company's data).
   */
  issueTokens?: boolean;
  /** Envelope and key casing of JSON answers. Default: envelope, PascalCase. */
  responseStyle?: ResponseStyle;
  faults?: Partial<Record<FaultTarget, EndpointFaults>>;
  initial?: SimSeed;
  /** `manual`: logs appear when `/__admin/logs/produce` is called; `timer`: `delayMs` after each upload. */
  logProduction?: { mode: 'manual' } | { mode: 'timer'; delayMs: number };
  /** When set, admin routes need the header `x-admin-token` with this value. */
  adminToken?: string;
  /** Fastify's logger option. Default off. */
  logger?: boolean;
}

export interface SatlocSimulator {
  app: FastifyInstance;
  state: SimulatorState;
  faults: FaultInjector;
  responseStyle: ResponseStyle;
  /** Starts listening (127.0.0.1 and a free port by default) and returns the root URL. */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /** Root URL, e.g. `http://127.0.0.1:41234` (after `listen`). */
  readonly url: string;
  /** What a client takes as its base URL: `<url>/api/Satloc`. */
  readonly baseUrl: string;
  produceLogs(jobId?: number): SimLog[];
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    endpoint?: SatlocEndpoint;
  }
  interface FastifyRequest {
    simFaults?: EndpointFaults;
    simRecord?: SimRequestRecord;
  }
}

const API = '/api/Satloc';
const UNAUTHORIZED = 'Authorization has been denied for this request.';

/**
 * A stand-in for SatLoc Cloud: the same endpoints, in-memory companies, users, aircraft, jobs
 * and logs, flights simulated from uploaded jobs, and fault injection per endpoint. Build it,
 * seed it, `listen()`, point a client at `baseUrl`.
 */
export async function createSatlocSimulator(options: SatlocSimulatorOptions = {}): Promise<SatlocSimulator> {
  const seed = options.seed ?? 1;
  const state = new SimulatorState({ tokenTtlS: options.tokenTtlS ?? 3600, issueTokens: options.issueTokens ?? true, seed });
  if (options.initial) state.seed(options.initial);
  const faults = new FaultInjector(seed, options.faults);
  const random = seededRandom(seed ^ 0x5eed);
  const timers = new Set<NodeJS.Timeout>();
  const production = options.logProduction ?? { mode: 'manual' };
  let url: string | null = null;

  // Request URLs carry the password of AuthenticateAPIUser: log them scrubbed.
  const logger = options.logger
    ? { serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: redactSecrets(req.url) }) } }
    : false;
  const app = Fastify({ logger, routerOptions: { caseSensitive: false } });
  await app.register(multipart, { limits: { fileSize: 5 * 1024 * 1024, files: 1, fields: 10 } });

  const sim: SatlocSimulator = {
    app,
    state,
    faults,
    responseStyle: options.responseStyle ?? { envelope: true, casing: 'pascal' },
    async listen(listenOptions = {}) {
      await app.listen({ port: listenOptions.port ?? 0, host: listenOptions.host ?? '127.0.0.1' });
      const address = app.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${host}:${address.port}`;
      return url;
    },
    get url() {
      if (url === null) throw new Error('the simulator is not listening yet');
      return url;
    },
    get baseUrl() {
      return `${sim.url}${API}`;
    },
    produceLogs: (jobId) => state.produceLogs(jobId),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await app.close();
    },
  };

  // ---- response helpers ------------------------------------------------------------------

  const styled = (value: unknown): unknown => (sim.responseStyle.casing === 'camel' ? camelKeys(value) : value);
  const ok = (reply: FastifyReply, result: unknown): FastifyReply =>
    reply.send(styled(sim.responseStyle.envelope ? { IsSuccess: true, ErrorMessage: null, Result: result } : result));
  const fail = (reply: FastifyReply, status: number, message: string): FastifyReply =>
    reply.code(status).send(styled(sim.responseStyle.envelope ? { IsSuccess: false, ErrorMessage: message, Result: null } : { Message: message }));

  /** The caller's company, or a 401 already sent. `null` company = tokens are not in use. */
  const caller = (request: FastifyRequest, reply: FastifyReply): { companyId: string | null } | undefined => {
    if (!state.issuesTokens) return { companyId: null };
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const companyId = match ? state.companyOfToken(match[1]) : null;
    if (companyId === null) {
      void fail(reply, 401, UNAUTHORIZED);
      return undefined;
    }
    return { companyId };
  };

  // ---- fault injection -------------------------------------------------------------------

  app.addHook('onRequest', async (request, reply) => {
    const endpoint = request.routeOptions.config.endpoint;
    if (!endpoint) return;
    const record: SimRequestRecord = {
      endpoint,
      method: request.method,
      hadAuthorization: request.headers.authorization !== undefined,
      status: null,
      at: new Date().toISOString(),
    };
    state.record(record);
    request.simRecord = record;
    const decision = faults.decide(endpoint);
    request.simFaults = decision.body;
    if (decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
    const failure = decision.failure;
    if (!failure) return;
    switch (failure.kind) {
      case 'status':
        return fail(reply, failure.status, `Simulated failure (HTTP ${failure.status})`);
      case 'rate-limit': {
        const seconds = failure.retryAfterS ?? 1;
        const value = failure.httpDate ? new Date(Date.now() + seconds * 1000).toUTCString() : String(seconds);
        return fail(reply.header('retry-after', value), 429, 'Too many requests');
      }
      case 'token-expired':
        return fail(reply, 401, UNAUTHORIZED);
      case 'down':
        return reply.code(503).type('text/html').send('<html><body><h1>503 Service Unavailable</h1></body></html>');
      case 'reset':
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.simRecord) request.simRecord.status = reply.statusCode;
  });

  // ---- SatLoc endpoints ------------------------------------------------------------------

  app.get(`${API}/IsAlive`, { config: { endpoint: SatlocEndpoint.IS_ALIVE } }, async (_request, reply) => ok(reply, true));

  const authenticate = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const query = request.query as Record<string, string | undefined>;
    const username = query.username ?? query.userName ?? query.UserName;
    const password = query.password ?? query.Password;
    if (!username || !password) return fail(reply, 400, 'username and password are required');
    const session = state.authenticate(username, password);
    if (!session) return fail(reply, 401, 'Invalid username or password');
    return ok(reply, session.token === null ? true : { Token: session.token, ExpiresIn: session.expiresInS });
  };
  const authConfig = { config: { endpoint: SatlocEndpoint.AUTHENTICATE } };
  app.get(`${API}/AuthenticateAPIUser`, authConfig, authenticate);
  app.post(`${API}/AuthenticateAPIUser`, authConfig, authenticate);

  app.get(`${API}/GetAircraftList`, { config: { endpoint: SatlocEndpoint.AIRCRAFT_LIST } }, async (request, reply) => {
    const who = caller(request, reply);
    if (!who) return reply;
    return ok(
      reply,
      state.aircraftOf(who.companyId).map((a) => ({ AircraftId: wireId(a.aircraftId), TailNumber: a.tailNumber, Name: a.name })),
    );
  });

  app.get(`${API}/GetAircraftLogs`, { config: { endpoint: SatlocEndpoint.AIRCRAFT_LOGS } }, async (request, reply) => {
    const who = caller(request, reply);
    if (!who) return reply;
    const query = request.query as Record<string, string | undefined>;
    const aircraft = query.aircraftId ? state.aircraft.get(query.aircraftId) : undefined;
    if (!aircraft || (who.companyId !== null && aircraft.companyId !== who.companyId)) return fail(reply, 404, 'Aircraft not found');
    const since = query.fromDate ? Date.parse(query.fromDate) : undefined;
    return ok(
      reply,
      state.logsOf(aircraft.aircraftId, since !== undefined && !Number.isNaN(since) ? since : undefined).map((l) => ({
        LogId: wireId(l.logId),
        AircraftId: wireId(l.aircraftId),
        FileName: l.fileName,
        FileSize: l.bytes.length,
        LogDate: l.logDate,
        JobId: l.jobId === 0 ? null : l.jobId,
      })),
    );
  });

  app.get(`${API}/GetAircraftLogData`, { config: { endpoint: SatlocEndpoint.AIRCRAFT_LOG_DATA } }, async (request, reply) => {
    const who = caller(request, reply);
    if (!who) return reply;
    const query = request.query as Record<string, string | undefined>;
    const log = query.logId ? state.logs.get(query.logId) : undefined;
    const owner = log ? state.aircraft.get(log.aircraftId) : undefined;
    if (!log || (who.companyId !== null && owner?.companyId !== who.companyId)) return fail(reply, 404, 'Log not found');
    sendLog(request, reply, log, request.simFaults ?? {}, random);
    return reply;
  });

  app.post(`${API}/UploadJobData`, { config: { endpoint: SatlocEndpoint.UPLOAD_JOB } }, async (request, reply) => {
    const who = caller(request, reply);
    if (!who) return reply;
    if (!request.isMultipart()) return fail(reply, 415, 'multipart/form-data expected');
    let aircraftId = (request.query as Record<string, string | undefined>).aircraftId;
    let file: { fileName: string; text: string } | undefined;
    for await (const part of request.parts()) {
      if (part.type === 'file') file = { fileName: part.filename, text: (await part.toBuffer()).toString('utf8') };
      else if (part.fieldname.toLowerCase() === 'aircraftid') aircraftId = String(part.value);
    }
    if (!file) return fail(reply, 400, 'No job file in the request');
    if (!/\.job$/i.test(file.fileName)) return fail(reply, 400, 'The job file must have the .JOB extension');
    const aircraft = aircraftId ? state.aircraft.get(aircraftId) : undefined;
    if (!aircraft || (who.companyId !== null && aircraft.companyId !== who.companyId)) return fail(reply, 404, 'Aircraft not found');
    let job;
    try {
      job = readJobFile(file.text);
    } catch (error) {
      return fail(reply, 400, `Invalid job file: ${error instanceof JobFileError ? error.message : 'unreadable'}`);
    }
    const stored = state.addJob({ aircraft, fileName: file.fileName, jobText: file.text, job });
    if (production.mode === 'timer') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        try {
          state.produceLogs(stored.jobId);
        } catch (error) {
          app.log.error({ err: error, jobId: stored.jobId }, 'flight simulation failed');
        }
      }, production.delayMs);
      timers.add(timer);
    }
    return ok(reply, { JobId: stored.jobId });
  });

  // ---- admin API ---------------------------------------------------------------------------

  await app.register(
    async (admin) => {
      admin.addHook('onRequest', async (request, reply) => {
        if (options.adminToken !== undefined && request.headers['x-admin-token'] !== options.adminToken) {
          return reply.code(401).send({ error: 'admin token required' });
        }
      });
      admin.get('/state', async () => ({
        companies: [...state.companies.values()],
        users: [...state.users.values()].map((u) => ({ username: u.username, companyId: u.companyId })),
        aircraft: [...state.aircraft.values()],
        jobs: [...state.jobs.values()].map(({ jobText: _text, job: _job, ...rest }) => rest),
        logs: [...state.logs.values()].map(logSummary),
        responseStyle: sim.responseStyle,
        faults: faults.list(),
      }));
      admin.post('/seed', async (request, reply) => {
        const body = checked(SimSeedSchema, request.body, reply);
        if (!body) return reply;
        state.seed(body);
        return { companies: state.companies.size, users: state.users.size, aircraft: state.aircraft.size };
      });
      admin.get('/faults', async () => faults.list());
      admin.put('/faults/:target', async (request, reply) => {
        const { target } = request.params as { target: string };
        if (!isFaultTarget(target)) return reply.code(404).send({ error: `unknown endpoint ${target}` });
        const body = checked(EndpointFaultsSchema, request.body, reply);
        if (!body) return reply;
        faults.set(target, body);
        return faults.list();
      });
      admin.delete('/faults', async () => {
        faults.clear();
        return faults.list();
      });
      admin.delete('/faults/:target', async (request, reply) => {
        const { target } = request.params as { target: string };
        if (!isFaultTarget(target)) return reply.code(404).send({ error: `unknown endpoint ${target}` });
        faults.clear(target);
        return faults.list();
      });
      admin.put('/response-style', async (request, reply) => {
        const body = checked(ResponseStyleSchema, request.body, reply);
        if (!body) return reply;
        sim.responseStyle = body;
        return sim.responseStyle;
      });
      admin.get('/counters', async () => state.counters());
      admin.post('/counters/reset', async () => {
        state.resetCounters();
        return state.counters();
      });
      admin.get('/requests', async () => state.requests);
      admin.post('/tokens/expire', async () => ({ expired: state.expireTokens() }));
      admin.get('/jobs/:jobId', async (request, reply) => {
        const job = state.jobs.get(Number((request.params as { jobId: string }).jobId));
        if (!job) return reply.code(404).send({ error: 'job not found' });
        return job;
      });
      admin.post('/logs/produce', async (request, reply) => {
        const body = checked(ProduceLogsSchema, request.body ?? {}, reply);
        if (!body) return reply;
        return { produced: state.produceLogs(body.jobId).map(logSummary) };
      });
      admin.post('/logs', async (request, reply) => {
        const body = checked(RawLogSchema, request.body, reply);
        if (!body) return reply;
        if (!state.aircraft.has(body.aircraftId)) return reply.code(404).send({ error: 'aircraft not found' });
        return logSummary(state.addRawLog({ aircraftId: body.aircraftId, bytes: Buffer.from(body.base64, 'base64'), fileName: body.fileName }));
      });
      admin.get('/logs/:logId/ground-truth', async (request, reply) => {
        const log = state.logs.get((request.params as { logId: string }).logId);
        if (!log) return reply.code(404).send({ error: 'log not found' });
        return { ...logSummary(log), groundTruth: log.groundTruth, plan: log.plan };
      });
    },
    { prefix: '/__admin' },
  );

  return sim;
}

function checked<T extends TSchema>(schema: T, body: unknown, reply: FastifyReply): Static<T> | undefined {
  if (Value.Check(schema, body)) return body as Static<T>;
  const problems = [...Value.Errors(schema, body)].map((e) => `${e.instancePath || '/'}: ${e.message}`);
  void reply.code(400).send({ error: 'invalid body', problems });
  return undefined;
}

function logSummary(log: SimLog): Record<string, unknown> {
  return {
    logId: log.logId,
    aircraftId: log.aircraftId,
    jobId: log.jobId,
    fileName: log.fileName,
    sizeBytes: log.bytes.length,
    logDate: log.logDate,
    polygonIndex: log.polygonIndex,
  };
}

/** Numeric ids go out as JSON numbers (as SatLoc's do), others as strings. */
function wireId(id: string): string | number {
  return /^[1-9]\d{0,14}$/.test(id) ? Number(id) : id;
}

function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), camelKeys(v)]));
  }
  return value;
}

/** Writes a log file, applying the download faults (trickle, truncation, corruption). */
function sendLog(request: FastifyRequest, reply: FastifyReply, log: SimLog, faults: EndpointFaults, random: () => number): void {
  let bytes = log.bytes;
  if (faults.corruptBytes) {
    bytes = Buffer.from(bytes);
    for (let i = 0; i < faults.corruptBytes && bytes.length > 16; i++) {
      const at = 16 + Math.floor(random() * (bytes.length - 16));
      bytes[at] ^= 1 << Math.floor(random() * 8);
    }
  }
  if (faults.truncate?.mode === 'short-file') bytes = bytes.subarray(0, Math.min(bytes.length, faults.truncate.atBytes));
  const limit = faults.truncate?.mode === 'drop-connection' ? Math.min(bytes.length, faults.truncate.atBytes) : bytes.length;
  const drop = faults.truncate?.mode === 'drop-connection';

  reply.hijack();
  if (request.simRecord) request.simRecord.status = 200;
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(bytes.length),
    'content-disposition': `attachment; filename="${log.fileName}"`,
  });
  const finish = (): void => {
    if (drop) res.socket?.destroy();
    else res.end();
  };
  if (!faults.trickle) {
    if (limit > 0) res.write(bytes.subarray(0, limit), finish);
    else finish();
    return;
  }
  const { chunkBytes, intervalMs } = faults.trickle;
  let offset = 0;
  const step = (): void => {
    if (res.destroyed) return;
    if (offset >= limit) return finish();
    const end = Math.min(limit, offset + chunkBytes);
    res.write(bytes.subarray(offset, end));
    offset = end;
    setTimeout(step, intervalMs).unref();
  };
  step();
}
