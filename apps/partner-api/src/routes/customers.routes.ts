import { CustomerCreateSchema, CustomerViewSchema, type Customer } from '@agair/domain-models';
import { NotFoundError, errorResponses, principalOf, type HttpApp } from '@agair/service-kit';
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
    async (request, reply) => reply.code(201).send(await customers.create(request.body)),
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
