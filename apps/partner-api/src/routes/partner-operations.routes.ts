import { randomUUID } from 'node:crypto';
import { AssignStatus, ErrorCategory, TaskType, UploadSyncStatus, createTaskMessage, type PartnerCode } from '@agair/domain-models';
import { isPartnerError } from '@agair/partner-sdk';
import { PermanentTaskError, UploadInProgressError, assertUploadEnabled, uploadAssignment } from '@agair/runtime';
import {
  NotFoundError,
  NotImplementedError,
  ServiceUnavailableError,
  UnprocessableError,
  errorResponses,
  principalOf,
  type HttpApp,
} from '@agair/service-kit';
import { Type } from 'typebox';
import type { PartnerApiContext } from '../context.js';
import { callPartner, permanentUploadError, toHttpError } from '../partners/partner-error.mapper.js';
import { AircraftQuery, AircraftViewSchema, SyncDataBody, SyncDataResult, UploadJobBody, UploadJobResult } from './partner-operations.schemas.js';
import { READERS, actingCustomer } from './route-helpers.js';

const tags = ['partner operations'];

export function registerPartnerOperationRoutes(app: HttpApp, ctx: PartnerApiContext): void {
  const { partners, customers, partnerSystemUsers, internalUsers, jobAssigns } = ctx.repositories;

  async function activePartner(code: PartnerCode) {
    const partner = await partners.findByCode(code);
    if (!partner || !partner.active) throw new NotFoundError('Partner');
    if (!ctx.partners.implemented.includes(code)) throw new NotImplementedError('PARTNER_NOT_IMPLEMENTED', `Partner ${code} is not implemented yet`);
    return partner;
  }

  app.get(
    '/api/partners/aircraft',
    {
      config: { roles: READERS },
      schema: {
        tags,
        summary: "A customer's aircraft, live from the partner, with the internal user linked to each",
        querystring: AircraftQuery,
        response: { 200: Type.Array(AircraftViewSchema), ...errorResponses(400, 401, 403, 404, 422, 429, 501, 502, 503, 504) },
      },
    },
    async (request) => {
      const { partnerCode } = request.query;
      const customerId = actingCustomer(principalOf(request), request.query.customerId, { required: true });
      if (!(await customers.findById(customerId))) throw new NotFoundError('Customer');
      await activePartner(partnerCode);
      const credentials = await partnerSystemUsers.getCredentials(customerId, partnerCode);
      if (!credentials) throw new UnprocessableError('NO_PARTNER_CREDENTIALS', `The customer has no active ${partnerCode} system user`);
      const [aircraft, linked] = await Promise.all([
        callPartner(() => ctx.partners.get(partnerCode).getAircraftList(credentials)),
        internalUsers.listPartnerAircraft(customerId, partnerCode),
      ]);
      const userOf = new Map(linked.map((u) => [u.partnerInfo?.partnerAircraftId, u.id]));
      return aircraft.map((a) => ({
        partnerCode,
        customerId,
        partnerAircraftId: a.aircraftId,
        name: a.name,
        tailNumber: a.tailNumber,
        userId: userOf.get(a.aircraftId) ?? null,
      }));
    },
  );

  app.post(
    '/api/partners/uploadJob',
    {
      config: { roles: READERS },
      schema: {
        tags,
        summary: 'Send an assignment to the partner now when it is healthy, else queue UPLOAD_PARTNER_JOB (202)',
        body: UploadJobBody,
        response: {
          200: UploadJobResult,
          202: UploadJobResult,
          ...errorResponses(400, 401, 403, 404, 422, 429, 501, 502, 503),
        },
      },
    },
    async (request, reply) => {
      const { assignId } = request.body;
      const customerId = actingCustomer(principalOf(request), request.body.customerId, { required: true });
      const assign = await jobAssigns.findById(customerId, assignId);
      if (!assign) throw new NotFoundError('Assignment');
      if (assign.status === AssignStatus.UPLOADED && assign.extJobId) {
        return { outcome: 'already_uploaded' as const, assignId, partnerCode: assign.partnerCode as PartnerCode, extJobId: assign.extJobId, syncStatus: assign.upload.syncStatus, taskId: null, reason: null };
      }
      const partnerCode = assign.partnerCode;
      if (!partnerCode || !assign.partnerAircraftId) throw new UnprocessableError('NOT_A_PARTNER_ASSIGNMENT', 'The assigned user flies no partner aircraft');
      await activePartner(partnerCode);
      // Before the health check, which would call the partner: 422 for a partner without
      // job_upload or a customer without a subscription to it, recorded on the assignment.
      await assertUploadEnabled(ctx.repositories, customerId, assignId, partnerCode).catch((err: unknown) => {
        throw err instanceof PermanentTaskError ? permanentUploadError(err) : err;
      });

      let reason: { category: string; message: string };
      const health = await ctx.health.check(partnerCode);
      if (health.up && health.breakerState !== 'open') {
        try {
          const outcome = await uploadAssignment({ repositories: ctx.repositories, partners: ctx.partners, claimMs: ctx.uploadClaimMs }, customerId, assignId);
          request.log.info({ assignId, customerId, partnerCode, extJobId: outcome.extJobId }, 'assignment uploaded');
          return { outcome: outcome.status, assignId, partnerCode, extJobId: outcome.extJobId, syncStatus: outcome.assign.upload.syncStatus, taskId: null, reason: null };
        } catch (err) {
          if (err instanceof PermanentTaskError) throw permanentUploadError(err);
          if (err instanceof UploadInProgressError) {
            // Another request is sending it right now: queue behind it; the task finds it done.
            reason = { category: ErrorCategory.INTERNAL, message: err.message };
          } else {
            if (!isPartnerError(err)) throw err;
            if (!err.retryable) throw toHttpError(err);
            reason = { category: err.category, message: err.message };
          }
        }
      } else {
        reason = { category: ErrorCategory.PARTNER_DOWN, message: `${partnerCode} is not answering (${health.reason ?? 'unknown'}); the upload is queued` };
      }

      await jobAssigns.markUploadQueued(customerId, assignId);
      const taskId = randomUUID();
      const message = createTaskMessage(TaskType.UPLOAD_PARTNER_JOB, { assignId, customerId, partnerCode }, { taskId, createdAt: new Date() });
      try {
        await ctx.publishTask(message);
      } catch (err) {
        request.log.error({ assignId, taskId, reason: (err as Error).message }, 'queueing the upload failed');
        throw new ServiceUnavailableError('QUEUE_UNAVAILABLE', 'The partner is unavailable and the upload could not be queued; try again', 5);
      }
      request.log.info({ assignId, customerId, partnerCode, taskId, category: reason.category }, 'assignment upload queued');
      return reply.code(202).send({ outcome: 'queued', assignId, partnerCode, extJobId: null, syncStatus: UploadSyncStatus.QUEUED, taskId, reason });
    },
  );

  app.post(
    '/api/partners/syncData',
    {
      config: { roles: READERS },
      schema: {
        tags,
        summary: 'Ask the poller for an out-of-cycle collection run (partner, customer, optionally one aircraft)',
        description:
          'Written as a PENDING document of the sync_requests collection, which the poller consumes (never HTTP); answered 202 with the request id. ' +
          'A request equal to or covered by one still waiting (same customer, same aircraft or all of them) returns that one (`deduplicated: true`). ' +
          'The poller serves waiting requests fairly across customers.',
        body: SyncDataBody,
        response: { 202: SyncDataResult, ...errorResponses(400, 401, 403, 404, 429, 501) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { partnerCode } = request.body;
      const customerId = actingCustomer(principal, request.body.customerId, { required: true });
      const aircraftId = request.body.aircraftId ?? null;
      if (!(await customers.findById(customerId))) throw new NotFoundError('Customer');
      await activePartner(partnerCode);
      if (aircraftId !== null && !(await internalUsers.findByPartnerAircraft(customerId, partnerCode, aircraftId))) throw new NotFoundError('Aircraft');
      const { request: syncRequest, deduplicated } = await ctx.repositories.syncRequests.requestOnce({ partnerCode, customerId, aircraftId, requestedBy: principal.sub });
      request.log.info({ syncRequestId: syncRequest.id, partnerCode, customerId, aircraftId, deduplicated }, 'sync requested');
      return reply.code(202).send({
        requestId: syncRequest.id,
        state: syncRequest.state,
        partnerCode,
        customerId,
        aircraftId,
        requestedAt: syncRequest.requestedAt,
        deduplicated,
      });
    },
  );
}
