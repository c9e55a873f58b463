import { CustomerCreateSchema, CustomerUpdateSchema, CustomerViewSchema, type Customer, type PartnerCode } from '@agair/domain-models';
import { BadRequestError, NotFoundError, errorResponses, principalOf, type HttpApp } from '@agair/service-kit';
import { Type } from 'typebox';
import type { PartnerApiContext } from '../context.js';
import { IdParams } from './common.schemas.js';
import { CustomerListQuery, PartnerCustomersQuery, PartnerCustomerSchema } from './customers.schemas.js';
import { ADMIN_ONLY, READERS, actingCustomer } from './route-helpers.js';

export function registerCustomerRoutes(app: HttpApp, ctx: PartnerApiContext): void {
  const { customers, partnerSystemUsers } = ctx.repositories;

  app.post(
    '/api/customers',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['customers'],
        summary: 'Create a customer (an aerial-application company) with its partner subscriptions',
        body: CustomerCreateSchema,
        response: { 201: CustomerViewSchema, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      refuseRepeatedPartners(request.body.partnerSubscriptions);
      return reply.code(201).send(await customers.create(request.body));
    },
  );

  app.get(
    '/api/customers',
    {
      config: { roles: READERS },
      schema: {
        tags: ['customers'],
        summary: 'List customers (a customer sees only itself)',
        querystring: CustomerListQuery,
        response: { 200: Type.Array(CustomerViewSchema), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const own = actingCustomer(principalOf(request), undefined);
      if (own !== undefined) {
        const customer = await customers.findById(own);
        return customer && (customer.active || request.query.includeInactive) ? [customer] : [];
      }
      const { includeInactive, limit, skip } = request.query;
      return customers.list({ includeInactive: includeInactive ?? false, limit: limit ?? 100, skip: skip ?? 0 });
    },
  );

  app.get(
    '/api/customers/:id',
    {
      config: { roles: READERS },
      schema: { tags: ['customers'], summary: 'One customer', params: IdParams, response: { 200: CustomerViewSchema, ...errorResponses(400, 401, 403, 404, 429) } },
    },
    async (request) => {
      const id = actingCustomer(principalOf(request), request.params.id, { required: true });
      const customer = await customers.findById(id);
      if (!customer) throw new NotFoundError('Customer');
      return customer;
    },
  );

  app.patch(
    '/api/customers/:id',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['customers'],
        summary: 'Change a customer: name, email, active, or its partner subscriptions',
        description:
          'Only the fields sent change. `partnerSubscriptions` replaces the whole list: a partner left out is unsubscribed, ' +
          'and a subscription that stays listed keeps its `since`. A partner may be listed once. ' +
          'While a subscription is inactive (or the customer is), nothing of the customer goes to that partner: ' +
          'uploading an assignment there fails with 422 `PARTNER_NOT_SUBSCRIBED`, and its aircraft are not polled for logs.',
        params: IdParams,
        body: CustomerUpdateSchema,
        response: { 200: CustomerViewSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { id } = request.params;
      refuseRepeatedPartners(request.body.partnerSubscriptions);
      const customer = await customers.update(id, request.body);
      if (!customer) throw new NotFoundError('Customer');
      // Field names and subscriptions only: the name and email are not logged.
      request.log.info(
        { customerId: id, fields: Object.keys(request.body), partnerSubscriptions: request.body.partnerSubscriptions?.map((s) => `${s.partnerCode}:${s.active ? 'active' : 'inactive'}`) },
        'customer updated',
      );
      return customer;
    },
  );

  app.get(
    '/api/partners/customers',
    {
      config: { roles: READERS },
      schema: {
        tags: ['partners'],
        summary: 'Customers subscribed to a partner, with their subscription and stored partner account',
        querystring: PartnerCustomersQuery,
        response: { 200: Type.Array(PartnerCustomerSchema), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const { partnerCode } = request.query;
      const own = actingCustomer(principalOf(request), undefined);
      let subscribed: Customer[] = await customers.listSubscribedTo(partnerCode);
      if (own !== undefined) subscribed = subscribed.filter((c) => c.id === own);
      const accounts =
        own === undefined ? await partnerSystemUsers.list({ partnerCode, limit: 5000 }) : await partnerSystemUsers.listByCustomer(own, { partnerCode });
      const accountOf = new Map(accounts.map((a) => [a.customerId, a]));
      return subscribed.flatMap((customer) => {
        const subscription = customer.partnerSubscriptions.find((s) => s.partnerCode === partnerCode);
        if (!subscription) return [];
        const account = accountOf.get(customer.id);
        return [
          {
            id: customer.id,
            name: customer.name,
            active: customer.active,
            subscription,
            systemUser: account ? { id: account.id, username: account.username, active: account.active } : null,
          },
        ];
      });
    },
  );
}

/** A partner listed twice is ambiguous (which `active`?), and the repository would silently keep the first. */
function refuseRepeatedPartners(subscriptions: readonly { partnerCode: PartnerCode }[] | undefined): void {
  const seen = new Set<PartnerCode>();
  for (const { partnerCode } of subscriptions ?? []) {
    if (seen.has(partnerCode)) throw new BadRequestError(`partnerSubscriptions lists ${partnerCode} more than once`, { partnerCode });
    seen.add(partnerCode);
  }
}
