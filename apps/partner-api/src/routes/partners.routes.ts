import { PartnerCreateSchema, PartnerUpdateSchema, PartnerViewSchema, Role } from '@agair/domain-models';
import { NotFoundError, errorResponses, principalOf, type HttpApp } from '@agair/service-kit';
import { Type } from 'typebox';
import type { PartnerApiContext } from '../context.js';
import { readPartnerStatusInputs, summarizePartnerStatus } from '../partners/partner-status.js';
import { IdParams } from './common.schemas.js';
import { PartnerStatusQuery, PartnerStatusSchema } from './partners.schemas.js';
import { ADMIN_ONLY, READERS, actingCustomer, conflictOnDuplicate } from './route-helpers.js';

const tags = ['partners'];
const PartnerListQuery = Type.Object({ includeInactive: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false });

export function registerPartnerRoutes(app: HttpApp, ctx: PartnerApiContext): void {
  const { partners } = ctx.repositories;

  app.get(
    '/api/partners',
    {
      config: { roles: READERS },
      schema: {
        tags,
        summary: 'List partners (inactive ones for admin only, with includeInactive=true)',
        querystring: PartnerListQuery,
        response: { 200: Type.Array(PartnerViewSchema), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const includeInactive = principalOf(request).role === Role.ADMIN && request.query.includeInactive === true;
      return partners.list({ includeInactive });
    },
  );

  app.post(
    '/api/partners',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags,
        summary: 'Register a partner guidance system (code unique)',
        body: PartnerCreateSchema,
        response: { 201: PartnerViewSchema, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => reply.code(201).send(await conflictOnDuplicate(() => partners.create(request.body))),
  );

  app.get(
    '/api/partners/:id',
    {
      config: { roles: READERS },
      schema: { tags, summary: 'One partner', params: IdParams, response: { 200: PartnerViewSchema, ...errorResponses(400, 401, 403, 404, 429) } },
    },
    async (request) => {
      const partner = await partners.findById(request.params.id);
      if (!partner || (!partner.active && principalOf(request).role !== Role.ADMIN)) throw new NotFoundError('Partner');
      return partner;
    },
  );

  app.put(
    '/api/partners/:id',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags,
        summary: 'Change a partner (its code cannot change)',
        params: IdParams,
        body: PartnerUpdateSchema,
        response: { 200: PartnerViewSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const partner = await partners.update(request.params.id, request.body);
      if (!partner) throw new NotFoundError('Partner');
      return partner;
    },
  );

  app.delete(
    '/api/partners/:id',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags,
        summary: 'Deactivate a partner (soft delete: active=false)',
        params: IdParams,
        response: { 200: PartnerViewSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const partner = await partners.deactivate(request.params.id);
      if (!partner) throw new NotFoundError('Partner');
      return partner;
    },
  );

  app.get(
    '/api/partners/:id/status',
    {
      config: { roles: READERS },
      schema: {
        tags,
        summary: 'Online/offline (shared breaker + health check), last successful sync, active jobs, pending uploads, recent errors',
        description: 'A customer sees counts and errors of its own data only; admin and service see all customers, or one with customerId.',
        params: IdParams,
        querystring: PartnerStatusQuery,
        response: { 200: PartnerStatusSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const partner = await partners.findById(request.params.id);
      if (!partner || (!partner.active && principal.role !== Role.ADMIN)) throw new NotFoundError('Partner');
      const customerId = actingCustomer(principal, request.query.customerId);
      const [health, inputs] = await Promise.all([
        ctx.health.check(partner.code),
        readPartnerStatusInputs(ctx.repositories, partner.code, customerId),
      ]);
      return summarizePartnerStatus({ partnerId: partner.id, partnerCode: partner.code, health, ...inputs, ...(customerId ? { customerId } : {}) });
    },
  );
}
