import {
  InternalUserCreateSchema,
  InternalUserUpdateSchema,
  InternalUserViewSchema,
  PartnerSystemUserUpdateSchema,
  type InternalUser,
  type PartnerCode,
} from '@agair/domain-models';
import { BadRequestError, ForbiddenError, NotFoundError, Role, errorResponses, principalOf, type HttpApp, type Principal } from '@agair/service-kit';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import type { PartnerApiContext } from '../context.js';
import { IdParams } from './common.schemas.js';
import { CUSTOMER_WRITERS, READERS, actingCustomer, conflictOnDuplicate } from './route-helpers.js';
import { findSystemUser, forgetPartnerSession } from './system-users.routes.js';
import { InternalUserListQuery, UserByIdSchema, UserUpdateBody, UserViewResponse } from './users.schemas.js';

const tags = ['users'];

async function findInternalUser(ctx: PartnerApiContext, principal: Principal, id: string): Promise<InternalUser | null> {
  const scope = actingCustomer(principal, undefined);
  return scope === undefined ? ctx.repositories.internalUsers.findById(id) : ctx.repositories.internalUsers.findByIdForCustomer(scope, id);
}

/** A customer manages its own staff and pilots only; it cannot make operators or services. */
function assertRoleAllowed(principal: Principal, role: Role | undefined): void {
  if (principal.role === Role.CUSTOMER && role !== undefined && role !== Role.CUSTOMER) {
    throw new ForbiddenError('A customer may only create or change users with the customer role');
  }
}

/**
 * `/api/users`: internal users (operators, customer staff, pilots/aircraft with `partnerInfo`),
 * and by id also partner system users (`kind: PARTNER_SYSTEM_USER`), as the legacy API did.
 */
export function registerUserRoutes(app: HttpApp, ctx: PartnerApiContext): void {
  const { internalUsers, partnerSystemUsers, partners, customers } = ctx.repositories;

  async function assertPartnerCode(code: PartnerCode | undefined): Promise<void> {
    if (code === undefined) return;
    const partner = await partners.findByCode(code);
    if (!partner || !partner.active) throw new NotFoundError('Partner');
  }

  app.post(
    '/api/users',
    {
      config: { roles: CUSTOMER_WRITERS },
      schema: {
        tags,
        summary: 'Create an internal user; a pilot/aircraft carries partnerInfo { partnerCode, partnerAircraftId } and its customer',
        body: InternalUserCreateSchema,
        response: { 201: InternalUserViewSchema, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      assertRoleAllowed(principal, body.role);
      const customerId = actingCustomer(principal, body.customerId ?? undefined);
      if (body.partnerInfo && !customerId) throw new BadRequestError('an aircraft (partnerInfo) needs the customer it belongs to (customerId)');
      if (customerId && !(await customers.findById(customerId))) throw new NotFoundError('Customer');
      await assertPartnerCode(body.partnerInfo?.partnerCode);
      const user = await conflictOnDuplicate(() => internalUsers.create({ ...body, customerId: customerId ?? null }));
      return reply.code(201).send(user);
    },
  );

  app.get(
    '/api/users',
    {
      config: { roles: READERS },
      schema: {
        tags,
        summary: "List one customer's internal users (customerId required for admin and service)",
        querystring: InternalUserListQuery,
        response: { 200: Type.Array(InternalUserViewSchema), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { customerId: requested, includeInactive, limit, skip } = request.query;
      const customerId = actingCustomer(principalOf(request), requested, { required: true });
      return internalUsers.listByCustomer(customerId, { includeInactive: includeInactive ?? false, limit: limit ?? 100, skip: skip ?? 0 });
    },
  );

  app.get(
    '/api/users/:id',
    {
      config: { roles: READERS },
      schema: {
        tags,
        summary: 'One user: an internal user, or a partner system user with its partner and customer',
        params: IdParams,
        response: { 200: UserByIdSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const systemUser = await findSystemUser(ctx, principal, request.params.id);
      if (systemUser) {
        const [partner, customer] = await Promise.all([partners.findById(systemUser.partnerId), customers.findById(systemUser.customerId)]);
        return {
          ...systemUser,
          partner: partner && { id: partner.id, code: partner.code, name: partner.name },
          customer: customer && { id: customer.id, name: customer.name },
        };
      }
      const user = await findInternalUser(ctx, principal, request.params.id);
      if (!user) throw new NotFoundError('User');
      return user;
    },
  );

  app.put(
    '/api/users/:id',
    {
      config: { roles: CUSTOMER_WRITERS },
      schema: {
        tags,
        summary: 'Change a user; the body has the fields of its kind (a new partner password drops the cached partner session)',
        params: IdParams,
        body: UserUpdateBody,
        response: { 200: UserViewResponse, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const body = request.body;
      const systemUser = await findSystemUser(ctx, principal, request.params.id);
      if (systemUser) {
        if (!Value.Check(PartnerSystemUserUpdateSchema, body)) throw new BadRequestError('a partner system user takes username, password and active only');
        const updated = await conflictOnDuplicate(() => partnerSystemUsers.update(systemUser.id, body));
        if (!updated) throw new NotFoundError('User');
        await forgetPartnerSession(ctx, request.log, systemUser.partnerCode, systemUser.customerId);
        return updated;
      }
      const user = await findInternalUser(ctx, principal, request.params.id);
      if (!user) throw new NotFoundError('User');
      if (!Value.Check(InternalUserUpdateSchema, body)) throw new BadRequestError('an internal user takes name, email, role, partnerInfo and active only');
      assertRoleAllowed(principal, body.role);
      if (body.partnerInfo && !user.customerId) throw new BadRequestError('an aircraft (partnerInfo) needs the customer it belongs to');
      await assertPartnerCode(body.partnerInfo?.partnerCode);
      const updated = await internalUsers.update(user.id, body);
      if (!updated) throw new NotFoundError('User');
      return updated;
    },
  );

  app.delete(
    '/api/users/:id',
    {
      config: { roles: CUSTOMER_WRITERS },
      schema: {
        tags,
        summary: 'Deactivate a user of either kind (soft delete: active=false)',
        params: IdParams,
        response: { 200: UserViewResponse, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const systemUser = await findSystemUser(ctx, principal, request.params.id);
      if (systemUser) {
        const updated = await partnerSystemUsers.deactivate(systemUser.id);
        if (!updated) throw new NotFoundError('User');
        await forgetPartnerSession(ctx, request.log, systemUser.partnerCode, systemUser.customerId);
        return updated;
      }
      const user = await findInternalUser(ctx, principal, request.params.id);
      if (!user) throw new NotFoundError('User');
      const updated = await internalUsers.deactivate(user.id);
      if (!updated) throw new NotFoundError('User');
      return updated;
    },
  );
}
