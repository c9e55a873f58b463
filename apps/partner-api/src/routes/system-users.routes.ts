import { randomUUID } from 'node:crypto';
import { PartnerSystemUserUpdateSchema, PartnerSystemUserViewSchema, type PartnerCode } from '@agair/domain-models';
import { PartnerAuthError, isPartnerError } from '@agair/partner-sdk';
import { AppError, NotFoundError, errorResponses, principalOf, type HttpApp, type Logger, type Principal } from '@agair/service-kit';
import { Type } from 'typebox';
import type { PartnerApiContext } from '../context.js';
import { toHttpError } from '../partners/partner-error.mapper.js';
import { IdParams } from './common.schemas.js';
import { CUSTOMER_WRITERS, READERS, actingCustomer, conflictOnDuplicate } from './route-helpers.js';
import { SystemUserCreateBody, SystemUserListQuery, TestAuthBody, TestAuthResult } from './users.schemas.js';

const tags = ['partner system users'];

/**
 * Drops the partner's cached session (and auth breaker) of a customer after its credentials
 * changed. A failure (Redis away) is logged, not answered: the stale token expires by itself.
 */
export async function forgetPartnerSession(ctx: PartnerApiContext, log: Pick<Logger, 'warn'>, partnerCode: PartnerCode, customerId: string): Promise<void> {
  try {
    await ctx.partners.get(partnerCode).forgetCredentials(customerId);
  } catch (err) {
    log.warn({ partnerCode, customerId, reason: (err as Error).message }, 'could not drop the cached partner session');
  }
}

/** A system user the caller may see: any for admin and service, only its own for a customer. */
export async function findSystemUser(ctx: PartnerApiContext, principal: Principal, id: string) {
  const users = ctx.repositories.partnerSystemUsers;
  const scope = actingCustomer(principal, undefined);
  return scope === undefined ? users.findById(id) : users.findByIdForCustomer(scope, id);
}

const ACCOUNTS_PAGE = 500;

/**
 * Whether another customer holds an active account with this username on the partner (case
 * ignored). Reads the partner's accounts a page at a time: persistence has no query by
 * username, and the per-customer test limit bounds how often this runs.
 */
async function heldByAnotherCustomer(ctx: PartnerApiContext, partnerCode: PartnerCode, username: string, customerId: string): Promise<boolean> {
  const wanted = username.toLowerCase();
  for (let skip = 0; ; skip += ACCOUNTS_PAGE) {
    const page = await ctx.repositories.partnerSystemUsers.list({ partnerCode, limit: ACCOUNTS_PAGE, skip });
    if (page.some((user) => user.customerId !== customerId && user.username.toLowerCase() === wanted)) return true;
    if (page.length < ACCOUNTS_PAGE) return false;
  }
}

export function registerSystemUserRoutes(app: HttpApp, ctx: PartnerApiContext): void {
  const { partnerSystemUsers, partners, customers } = ctx.repositories;

  app.get(
    '/api/partners/systemUsers',
    {
      config: { roles: READERS },
      schema: {
        tags,
        summary: "List partner system users (a customer's credentials on a partner; never the password)",
        querystring: SystemUserListQuery,
        response: { 200: Type.Array(PartnerSystemUserViewSchema), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { customerId: requested, partnerCode, includeInactive, limit, skip } = request.query;
      const customerId = actingCustomer(principalOf(request), requested);
      const options = { ...(partnerCode ? { partnerCode } : {}), includeInactive: includeInactive ?? false };
      if (customerId === undefined) return partnerSystemUsers.list({ ...options, limit: limit ?? 100, skip: skip ?? 0 });
      const all = await partnerSystemUsers.listByCustomer(customerId, options);
      return all.slice(skip ?? 0, (skip ?? 0) + (limit ?? 100));
    },
  );

  app.post(
    '/api/partners/systemUsers',
    {
      config: { roles: CUSTOMER_WRITERS },
      schema: {
        tags,
        summary: "Store a customer's credentials on a partner (password encrypted at rest, write-only)",
        body: SystemUserCreateBody,
        response: { 201: PartnerSystemUserViewSchema, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { partnerId, username, password } = request.body;
      const customerId = actingCustomer(principalOf(request), request.body.customerId, { required: true });
      const [customer, partner] = await Promise.all([customers.findById(customerId), partners.findById(partnerId)]);
      if (!customer) throw new NotFoundError('Customer');
      if (!partner || !partner.active) throw new NotFoundError('Partner');
      const view = await conflictOnDuplicate(() =>
        partnerSystemUsers.create({ partnerId, customerId, username, password, partnerCode: partner.code }),
      );
      await forgetPartnerSession(ctx, request.log, partner.code, customerId);
      request.log.info({ systemUserId: view.id, customerId, partnerCode: partner.code }, 'partner system user created');
      return reply.code(201).send(view);
    },
  );

  app.post(
    '/api/partners/systemUsers/testAuth',
    {
      config: { roles: CUSTOMER_WRITERS },
      schema: {
        tags,
        summary: 'Check credentials against the partner; stores nothing',
        description: [
          'Answers 200 with ok=true, or ok=false with the category and message when the partner refuses them; 503 when the partner is down or its circuit is open, 504 on a timeout.',
          'Tests run for one customer (a customer: itself; admin: the customerId named) and are limited, counted over all replicas: AUTH_TEST_CUSTOMER_MAX per customer per AUTH_TEST_CUSTOMER_WINDOW_MS (default 10 per minute), and AUTH_TEST_USERNAME_FAILURES_MAX refusals of one partner username per AUTH_TEST_USERNAME_WINDOW_MS over all customers (default 5 per 15 minutes).',
          'Past either limit: 429 TOO_MANY_AUTH_TESTS with Retry-After, and the partner is not called.',
          "A username another customer has stored as its active account on this partner: 409 PARTNER_USERNAME_TAKEN, without calling the partner (a customer tests its own accounts, not another company's).",
        ].join(' '),
        body: TestAuthBody,
        response: { 200: TestAuthResult, ...errorResponses(400, 401, 403, 404, 409, 429, 501, 502, 503, 504) },
      },
    },
    async (request) => {
      const { partnerCode, username, password } = request.body;
      const principal = principalOf(request);
      const customerId = actingCustomer(principal, request.body.customerId, { required: true });
      const [customer, partner] = await Promise.all([customers.findById(customerId), partners.findByCode(partnerCode)]);
      if (!customer) throw new NotFoundError('Customer');
      if (!partner || !partner.active) throw new NotFoundError('Partner');
      await ctx.credentialProbes.countCustomerTest(customerId);
      if (await heldByAnotherCustomer(ctx, partnerCode, username, customerId)) {
        throw new AppError(409, 'PARTNER_USERNAME_TAKEN', `This ${partnerCode} username is stored by another customer; only that customer may test it`);
      }
      const service = ctx.partners.get(partnerCode);
      const reservation = await ctx.credentialProbes.reserveUsernameFailure(partnerCode, username);
      // A key of its own, so a session cached for the customer's stored account (same username)
      // cannot answer for a password that was never checked, nor a concurrent test share its
      // single flight; its session and auth breaker are dropped right after.
      const probeKey = `auth-test-${customerId}-${randomUUID()}`;
      const checkedAt = new Date().toISOString();
      let outcome: 'accepted' | 'refused' | 'failed' = 'failed';
      try {
        await service.verifyCredentials({ customerId: probeKey, username, password });
        outcome = 'accepted';
        return { ok: true, partnerCode, checkedAt };
      } catch (err) {
        if (err instanceof PartnerAuthError) {
          outcome = 'refused';
          return { ok: false, partnerCode, category: err.category, message: err.message.slice(0, 500), checkedAt };
        }
        if (isPartnerError(err)) throw toHttpError(err);
        throw err;
      } finally {
        if (outcome !== 'refused') await reservation.release();
        await forgetPartnerSession(ctx, request.log, partnerCode, probeKey);
        request.log.info({ customerId, partnerCode, username, outcome, sub: principal.sub }, 'partner credentials tested');
      }
    },
  );

  app.get(
    '/api/partners/systemUsers/:id',
    {
      config: { roles: READERS },
      schema: { tags, summary: 'One partner system user', params: IdParams, response: { 200: PartnerSystemUserViewSchema, ...errorResponses(400, 401, 403, 404, 429) } },
    },
    async (request) => {
      const user = await findSystemUser(ctx, principalOf(request), request.params.id);
      if (!user) throw new NotFoundError('System user');
      return user;
    },
  );

  app.put(
    '/api/partners/systemUsers/:id',
    {
      config: { roles: CUSTOMER_WRITERS },
      schema: {
        tags,
        summary: 'Change username, password (write-only) or active; a new password drops the cached partner session',
        params: IdParams,
        body: PartnerSystemUserUpdateSchema,
        response: { 200: PartnerSystemUserViewSchema, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const current = await findSystemUser(ctx, principalOf(request), request.params.id);
      if (!current) throw new NotFoundError('System user');
      const updated = await conflictOnDuplicate(() => partnerSystemUsers.update(current.id, request.body));
      if (!updated) throw new NotFoundError('System user');
      await forgetPartnerSession(ctx, request.log, current.partnerCode, current.customerId);
      request.log.info({ systemUserId: current.id, customerId: current.customerId, passwordChanged: request.body.password !== undefined }, 'partner system user updated');
      return updated;
    },
  );

  app.delete(
    '/api/partners/systemUsers/:id',
    {
      config: { roles: CUSTOMER_WRITERS },
      schema: {
        tags,
        summary: 'Deactivate a partner system user (soft delete: active=false)',
        params: IdParams,
        response: { 200: PartnerSystemUserViewSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const current = await findSystemUser(ctx, principalOf(request), request.params.id);
      if (!current) throw new NotFoundError('System user');
      const updated = await partnerSystemUsers.deactivate(current.id);
      if (!updated) throw new NotFoundError('System user');
      await forgetPartnerSession(ctx, request.log, current.partnerCode, current.customerId);
      return updated;
    },
  );
}
