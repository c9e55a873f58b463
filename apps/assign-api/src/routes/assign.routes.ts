import { AppError, BadRequestError, Role, errorResponses, principalOf, type HttpApp, type Principal } from '@agair/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { idempotent } from '../idempotency/idempotent-route.js';
import { AssignBody, AssignResponse, AssignWithJobBody, IdempotencyHeaders } from './assign.schemas.js';
import { JobIdParams } from './jobs.schemas.js';
import { jobForCaller, type RouteContext } from './route-context.js';

const tags = ['assignments'];
const config = { roles: [Role.ADMIN, Role.CUSTOMER] };
const responses = { 200: AssignResponse, ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429, 503) };
const description =
  'Assigns the job to internal users (`asUsers`) and takes it from others (`avUsers`), with one outcome per user. ' +
  "For a user whose aircraft flies a partner system, the job is uploaded at once when the partner is healthy (syncStatus `synced`, `externalJobId` set), " +
  'otherwise an upload task is queued (syncStatus `queued`). Send `Idempotency-Key` to make a retry safe. 409 IDEMPOTENCY_IN_PROGRESS / 422 IDEMPOTENCY_KEY_REUSED / 409 JOB_INACTIVE.';

interface AssignInput {
  asUsers?: { uid: string; notes?: string }[];
  avUsers?: { uid: string }[];
}

async function handleAssign(context: RouteContext, request: FastifyRequest, reply: FastifyReply, principal: Principal, jobId: string, input: AssignInput) {
  return idempotent(context.idempotency, request, reply, principal.sub, async () => {
    const assignUsers = (input.asUsers ?? []).map((u) => ({ userId: u.uid, ...(u.notes !== undefined ? { notes: u.notes } : {}) }));
    const unassign = (input.avUsers ?? []).map((u) => u.uid);
    if (assignUsers.length + unassign.length === 0) throw new BadRequestError('Nothing to do: asUsers and avUsers are both empty');
    const job = await jobForCaller(context, principal, jobId);
    if (!job.active && assignUsers.length > 0) throw new AppError(409, 'JOB_INACTIVE', 'The job is deactivated; it cannot be assigned');
    const result = await context.assignments.assign(job.customerId, job, assignUsers, unassign);
    return { statusCode: 200, body: result };
  });
}

/** MAX_USERS_PER_REQUEST users to assign and as many to unassign, each with notes of up to 2,000 characters. */
const ASSIGN_BODY_LIMIT_BYTES = 1024 * 1024;

export function registerAssignRoutes(app: HttpApp, context: RouteContext): void {
  app.post(
    '/api/jobs/:jobId/assign',
    {
      bodyLimit: ASSIGN_BODY_LIMIT_BYTES,
      config,
      schema: { tags, summary: 'Assign a job to pilots/aircraft (and unassign others)', description, params: JobIdParams, headers: IdempotencyHeaders, body: AssignBody, response: responses },
    },
    async (request, reply) => handleAssign(context, request, reply, principalOf(request), request.params.jobId, request.body),
  );

  app.post(
    '/api/jobs/assign',
    {
      bodyLimit: ASSIGN_BODY_LIMIT_BYTES,
      config,
      schema: { tags, summary: 'Assign a job (id in the body) to pilots/aircraft', description, headers: IdempotencyHeaders, body: AssignWithJobBody, response: responses },
    },
    async (request, reply) => handleAssign(context, request, reply, principalOf(request), request.body.jobId, request.body),
  );
}
