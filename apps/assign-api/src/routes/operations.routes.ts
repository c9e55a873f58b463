import { AppError, Role, errorResponses, optionalBody, principalOf, NotFoundError, type HttpApp, type Principal } from '@agair/service-kit';
import type { FastifyRequest } from 'fastify';
import { assignmentTimeline } from '../operations/assignment-timeline.js';
import type { OperatorRequest } from '../operations/log-operations.service.js';
import { IdempotencyHeaders } from './assign.schemas.js';
import { JobIdParams } from './jobs.schemas.js';
import {
  ActionBody,
  AssignIdParams,
  LogListQuery,
  LogListResponse,
  LogUploadQuery,
  LogUploadResponse,
  MatchBody,
  MatchResponse,
  OperatorActionListQuery,
  OperatorActionListResponse,
  ReprocessManyResponse,
  ReprocessOneResponse,
  ReprocessSinceBody,
  SkipBody,
  StateChangeResponse,
  TimelineResponse,
  TrackerIdParams,
} from './operations.schemas.js';
import { jobForCaller, listCustomer, type RouteContext } from './route-context.js';

const tags = ['operations'];
const adminOnly = { roles: [Role.ADMIN] };
const readers = { roles: [Role.ADMIN, Role.CUSTOMER] };

function operatorRequest(request: FastifyRequest, principal: Principal, reason: string | undefined): OperatorRequest {
  const key = request.headers['idempotency-key'];
  return { actor: principal.sub, ...(typeof key === 'string' ? { idempotencyKey: key } : {}), ...(reason ? { reason } : {}) };
}

/** The customer of a log, for an admin who reaches any; a missing log reads as 404. */
async function customerOfLog(context: RouteContext, trackerId: string): Promise<string> {
  const customerId = await context.repositories.partnerLogTrackers.customerOf(trackerId);
  if (!customerId) throw new NotFoundError('Log');
  return customerId;
}

/**
 * The file part's bytes, failing (413) once the part was cut at the plugin's size limit. The
 * plugin only marks a streamed part `truncated`; failing here makes the store drop what it wrote.
 */
async function* withinSizeLimit(file: AsyncIterable<Uint8Array> & { truncated: boolean }): AsyncGenerator<Uint8Array> {
  for await (const chunk of file) {
    if (file.truncated) break;
    yield chunk;
  }
  if (file.truncated) throw new AppError(413, 'LOG_TOO_LARGE', 'the log is larger than the largest one accepted (PARTNER_LOG_MAX_BYTES)');
}

/** The uploaded part's name as a log file name: no path, printable, at most 255 characters. */
function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop()?.replace(/[^\x20-\x7e]/g, '_').trim().slice(0, 255);
  return base || 'manual-upload.log';
}

export function registerOperationRoutes(app: HttpApp, context: RouteContext): void {
  const { repositories, logOperations } = context;

  app.get(
    '/api/logs',
    {
      config: readers,
      schema: {
        tags,
        summary: "A customer's flight logs (log trackers), newest first, by cursor",
        description: 'Filter by partner, aircraft, state and when the log was first listed. Follow `next` until it is null; there is no cap.',
        querystring: LogListQuery,
        response: { 200: LogListResponse, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const q = request.query;
      const customerId = listCustomer(principalOf(request), q.customerId);
      const page = await repositories.partnerLogTrackers.page(
        customerId,
        {
          ...(q.partnerCode ? { partnerCode: q.partnerCode } : {}),
          ...(q.aircraftId ? { aircraftId: q.aircraftId } : {}),
          ...(q.state ? { state: q.state } : {}),
          ...(q.createdFrom ? { createdFrom: new Date(q.createdFrom) } : {}),
          ...(q.createdTo ? { createdTo: new Date(q.createdTo) } : {}),
        },
        { limit: q.limit, ...(q.cursor ? { after: q.cursor } : {}) },
      );
      return { customerId, logs: page.items, next: page.next };
    },
  );

  app.post(
    '/api/logs/:trackerId/reprocess',
    {
      config: adminOnly,
      ...optionalBody,
      schema: {
        tags,
        summary: 'Process a log again from its stored bytes (after a decoder or statistics change)',
        description:
          'Queues PROCESS_PARTNER_DATA_FILE (reason reprocess) for a PROCESSED or FAILED log; its application record is replaced and the job totals recomputed. ' +
          'A repeat with the same `Idempotency-Key` queues the same task id, which runs once. 409 LOG_NOT_REPROCESSABLE when the log is in progress, never downloaded, or its bytes were removed by retention.',
        params: TrackerIdParams,
        headers: IdempotencyHeaders,
        body: ActionBody,
        response: { 202: ReprocessOneResponse, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const customerId = await customerOfLog(context, request.params.trackerId);
      const queued = await logOperations.reprocessLog(customerId, request.params.trackerId, operatorRequest(request, principal, request.body?.reason));
      return reply.code(202).send(queued);
    },
  );

  app.post(
    '/api/jobs/:jobId/reprocess',
    {
      config: adminOnly,
      ...optionalBody,
      schema: {
        tags,
        summary: "Process all of a job's logs again",
        description: 'Queues a reprocessing of every log with an application record on the job; the logs that cannot be reprocessed now are listed with why.',
        params: JobIdParams,
        headers: IdempotencyHeaders,
        body: ActionBody,
        response: { 202: ReprocessManyResponse, ...errorResponses(400, 401, 403, 404, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const job = await jobForCaller(context, principal, request.params.jobId);
      return reply.code(202).send(await logOperations.reprocessJob(job, operatorRequest(request, principal, request.body?.reason)));
    },
  );

  app.post(
    '/api/logs/reprocess',
    {
      config: adminOnly,
      schema: {
        tags,
        summary: "Process again a customer's logs first listed since a date",
        description: '422 TOO_MANY_LOGS when more logs match than one request may queue (10,000): narrow the date.',
        headers: IdempotencyHeaders,
        body: ReprocessSinceBody,
        response: { 202: ReprocessManyResponse, ...errorResponses(400, 401, 403, 404, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { customerId, since, reason } = request.body;
      if (!(await repositories.customers.findById(customerId))) throw new NotFoundError('Customer');
      return reply.code(202).send(await logOperations.reprocessSince(customerId, new Date(since), operatorRequest(request, principal, reason)));
    },
  );

  app.post(
    '/api/logs/:trackerId/redownload',
    {
      config: adminOnly,
      ...optionalBody,
      schema: {
        tags,
        summary: 'Download a FAILED log again',
        description:
          'FAILED → PENDING with its attempts reset; the poller downloads it the next time it lists the aircraft (its next cycle, or a syncData request). A repeat answers `changed: false`. 409 LOG_NOT_FAILED otherwise.',
        params: TrackerIdParams,
        body: ActionBody,
        response: { 200: StateChangeResponse, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const customerId = await customerOfLog(context, request.params.trackerId);
      return logOperations.redownload(customerId, request.params.trackerId, operatorRequest(request, principalOf(request), request.body?.reason));
    },
  );

  app.post(
    '/api/logs/:trackerId/skip',
    {
      config: adminOnly,
      schema: {
        tags,
        summary: 'Skip a PENDING log: it will not be downloaded',
        description: 'PENDING → SKIPPED, with the reason in the audit trail. A repeat answers `changed: false`. 409 LOG_NOT_PENDING otherwise.',
        params: TrackerIdParams,
        body: SkipBody,
        response: { 200: StateChangeResponse, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const customerId = await customerOfLog(context, request.params.trackerId);
      return logOperations.skip(customerId, request.params.trackerId, operatorRequest(request, principalOf(request), request.body.reason));
    },
  );

  app.post(
    '/api/logs/upload',
    {
      config: adminOnly,
      schema: {
        tags,
        summary: 'Upload a flight log by hand (one the poller cannot collect or decode)',
        description:
          'Send the file as `multipart/form-data` with one file part; the other parameters go in the query string. The bytes are stored as they arrive (at most `PARTNER_LOG_MAX_BYTES`, 413 beyond), ' +
          'the log becomes one of the customer\'s logs (DOWNLOADED, id `manual-<content hash>`) and its processing is queued (PROCESS_PARTNER_DATA_FILE, reason manual_upload): follow it in `GET /api/logs`. ' +
          'With `jobId` the log is processed for that job; without, it is matched by its contents like a collected log. ' +
          'Bytes the customer already has are not stored again: 200 with the log that holds them (`created: false`); a new log answers 202.',
        consumes: ['multipart/form-data'],
        querystring: LogUploadQuery,
        response: { 200: LogUploadResponse, 202: LogUploadResponse, ...errorResponses(400, 401, 403, 404, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (!request.isMultipart()) throw new AppError(415, 'MULTIPART_EXPECTED', 'send the log as multipart/form-data with one file part');
      if (!(await repositories.customers.findById(q.customerId))) throw new NotFoundError('Customer');
      const part = await request.file();
      if (!part) throw new AppError(400, 'FILE_MISSING', 'the multipart body has no file part: add the log as a file');
      const fileName = q.fileName ?? safeFileName(part.filename);
      const uploaded = await logOperations.uploadLog(
        { customerId: q.customerId, partnerCode: q.partnerCode, aircraftId: q.aircraftId, fileName, jobId: q.jobId ?? null, bytes: withinSizeLimit(part.file) },
        operatorRequest(request, principalOf(request), q.reason),
      );
      return reply.code(uploaded.created ? 202 : 200).send(uploaded);
    },
  );

  app.post(
    '/api/logs/:trackerId/match',
    {
      config: adminOnly,
      schema: {
        tags,
        summary: 'Name the job a log belongs to (re-match an unmatched or wrongly matched log)',
        description:
          'The log is processed again for that job (its application record moves; both jobs\' records are recomputed), and keeps the job for every later reprocessing. ' +
          '`jobId: null` goes back to matching it by its contents. A log not processed yet keeps the job for its first processing (`taskId: null`). ' +
          '409 LOG_NOT_REMATCHABLE while it is being processed, when it is SKIPPED, or when its bytes were removed by retention.',
        params: TrackerIdParams,
        headers: IdempotencyHeaders,
        body: MatchBody,
        response: { 202: MatchResponse, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const customerId = await customerOfLog(context, request.params.trackerId);
      const { jobId, reason } = request.body;
      return reply.code(202).send(await logOperations.rematch(customerId, request.params.trackerId, jobId, operatorRequest(request, principalOf(request), reason)));
    },
  );

  app.get(
    '/api/operator-actions',
    {
      config: adminOnly,
      schema: {
        tags,
        summary: "The audit trail of operator actions on a customer's records, newest first, by cursor",
        querystring: OperatorActionListQuery,
        response: { 200: OperatorActionListResponse, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await repositories.operatorActions.page(q.customerId, { limit: q.limit, ...(q.targetId ? { targetId: q.targetId } : {}), ...(q.cursor ? { after: q.cursor } : {}) });
      return { actions: page.items, next: page.next };
    },
  );

  app.get(
    '/api/assignments/:assignId/timeline',
    {
      config: readers,
      schema: {
        tags,
        summary: "One assignment's linked history: upload attempts → logs listed and downloaded → processing → application records",
        params: AssignIdParams,
        response: { 200: TimelineResponse, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const customerId = principal.role === Role.CUSTOMER ? principal.customerId : await repositories.jobAssigns.customerOf(request.params.assignId);
      const assign = customerId ? await repositories.jobAssigns.findById(customerId, request.params.assignId) : null;
      if (!assign) throw new NotFoundError('Assignment');
      return assignmentTimeline(repositories, assign);
    },
  );
}
