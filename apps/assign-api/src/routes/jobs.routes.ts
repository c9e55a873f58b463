import {
  InvalidGeometryError,
  JobCreateSchema,
  JobViewSchema,
  MAX_FIELD_AREA_HA,
  MAX_FIELD_EXTENT_M,
  MAX_FIELD_POSITIONS,
  MIN_FIELD_AREA_M2,
  fieldProblems,
} from '@agair/domain-models';
import { BadRequestError, NotFoundError, Role, errorResponses, principalOf, type HttpApp } from '@agair/service-kit';
import { JobIdParams, JobListQuery, JobListResponse } from './jobs.schemas.js';
import { jobForCaller, listCustomer, type RouteContext } from './route-context.js';

const tags = ['jobs'];

/**
 * A job's body: at most MAX_FIELD_POSITIONS positions of two numbers written in full precision
 * (~45 bytes each as JSON, pretty-printed), plus names and notes: 1 MiB. Every other route
 * keeps the small default.
 */
const JOB_BODY_LIMIT_BYTES = 1024 * 1024;

export function registerJobRoutes(app: HttpApp, context: RouteContext): void {
  app.post(
    '/api/jobs',
    {
      bodyLimit: JOB_BODY_LIMIT_BYTES,
      config: { roles: [Role.ADMIN, Role.CUSTOMER] },
      schema: {
        tags,
        summary: 'Create a spray job (boundary Polygon/MultiPolygon, exclusion Polygons, product, target rate)',
        description:
          'Refused with 400 (`details.problems`, each with a JSON pointer) unless every ring is closed and simple, holes lie inside their exterior, ' +
          `MultiPolygon parts do not overlap, exclusions lie inside the boundary, boundary and exclusions have at most ${MAX_FIELD_POSITIONS} positions, ` +
          `the boundary spans at most ${MAX_FIELD_EXTENT_M / 1000} km either way and the field (boundary minus exclusions) is ${MIN_FIELD_AREA_M2} m² to ${MAX_FIELD_AREA_HA} ha.`,
        body: JobCreateSchema,
        response: { 201: JobViewSchema, ...errorResponses(400, 401, 403, 404, 413, 429) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      // A customer may only create its own jobs; naming another customer reads as an unknown customer.
      if (principal.role === Role.CUSTOMER && body.customerId !== principal.customerId) throw new NotFoundError('Customer');
      // Before any lookup: a self-intersecting or oversized field costs the log processing minutes of CPU.
      const problems = fieldProblems(body.boundary, body.exclusions ?? []);
      if (problems.length > 0) throw new BadRequestError(`Invalid geometry: ${problems.join('; ')}`, { problems });
      const customer = await context.repositories.customers.findById(body.customerId);
      if (!customer) throw new NotFoundError('Customer');
      try {
        const job = await context.repositories.jobs.create(body);
        request.log.info({ jobId: job.id, customerId: job.customerId }, 'job created');
        return reply.code(201).send(job);
      } catch (err) {
        if (err instanceof InvalidGeometryError) throw new BadRequestError(err.message, { problems: [...err.problems] });
        throw err;
      }
    },
  );

  app.get(
    '/api/jobs',
    {
      config: { roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE] },
      schema: {
        tags,
        summary: "List a customer's jobs, newest first",
        querystring: JobListQuery,
        response: { 200: JobListResponse, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const customerId = listCustomer(principalOf(request), request.query.customerId);
      const { limit, skip, includeInactive } = request.query;
      const jobs = await context.repositories.jobs.listByCustomer(customerId, { limit, skip, includeInactive });
      return { customerId, limit, skip, jobs };
    },
  );

  app.get(
    '/api/jobs/:jobId',
    {
      config: { roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE] },
      schema: { tags, summary: 'One job', params: JobIdParams, response: { 200: JobViewSchema, ...errorResponses(400, 401, 403, 404, 429) } },
    },
    async (request) => jobForCaller(context, principalOf(request), request.params.jobId),
  );
}
