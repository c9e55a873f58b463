import { LogCapture } from '@agair/testing';
import { createSigner } from 'fast-jwt';
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApp, type HttpApp } from '../http/create-http-app.js';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/metrics.js';
import { Role, customerScope, mintToken, principalOf, registerAuth, type AuthSettings } from './auth.js';

const settings = { jwtSecret: 'x'.repeat(40), issuer: 'agair', audience: 'agair-api' };
const token = (role: Role, extra: { customerId?: string; expiresInS?: number; jwtSecret?: string; issuer?: string } = {}) =>
  mintToken({ ...settings, sub: `${role}-1`, role, ...extra });

const invalid = 'Invalid token (signature, issuer, audience, or a missing claim: sub, iss, aud, iat, exp)';

async function build(extra: Partial<AuthSettings> = {}): Promise<HttpApp> {
  const app = await createHttpApp({
    name: 'auth-test',
    version: '1',
    logger: createLogger({ name: 'auth-test', level: 'silent', destination: new LogCapture() }),
    metrics: createMetricsRegistry('auth-test'),
    dependencies: [],
  });
  await registerAuth(app, { ...settings, ...extra });
  app.get('/admin-only', { schema: { response: { 200: Type.Object({ sub: Type.String() }) } } }, async (request) => ({ sub: principalOf(request).sub }));
  app.get(
    '/customers/:customerId/things',
    {
      config: { roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE] },
      schema: { params: Type.Object({ customerId: Type.String() }), response: { 200: Type.Object({ scope: Type.Union([Type.String(), Type.Null()]) }) } },
    },
    async (request) => ({ scope: customerScope(principalOf(request), request.params.customerId) ?? null }),
  );
  await app.ready();
  return app;
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('registerAuth', () => {
  let app: HttpApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it.each([
    ['no token', {}, 'Authentication required: send Authorization: Bearer <token>'],
    // Past the 30 s clock tolerance.
    ['an expired token', bearer(token(Role.ADMIN, { expiresInS: -40 })), 'Token expired'],
    ['a token signed with another key', bearer(token(Role.ADMIN, { jwtSecret: 'y'.repeat(40) })), invalid],
    ['a token from another issuer', bearer(token(Role.ADMIN, { issuer: 'someone-else' })), invalid],
    ['garbage', bearer('not.a.jwt'), invalid],
    ['a customer token without its customer', bearer(token(Role.CUSTOMER)), 'Invalid token'],
  ])('answers 401 for %s', async (_case, headers, message) => {
    app = await build();
    const response = await app.inject({ url: '/admin-only', headers });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'UNAUTHORIZED', message });
  });

  it.each(['sub', 'iss', 'aud', 'iat', 'exp'])('answers 401 for a token without %s', async (claim) => {
    app = await build();
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { sub: 'ops', role: Role.ADMIN, iss: settings.issuer, aud: settings.audience, iat: now, exp: now + 600 };
    delete claims[claim];
    // The signer sets iat itself unless told not to (and then drops it from the claims).
    const unsigned = createSigner({ key: settings.jwtSecret, algorithm: 'HS256', noTimestamp: claim === 'iat' })(claims);
    const response = await app.inject({ url: '/admin-only', headers: bearer(unsigned) });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'UNAUTHORIZED', message: invalid });
    // The same token with every claim passes: it is the missing claim that is refused.
    const whole = createSigner({ key: settings.jwtSecret, algorithm: 'HS256' })({ ...claims, [claim]: { sub: 'ops', iss: settings.issuer, aud: settings.audience, iat: now, exp: now + 600 }[claim] });
    const ok = await app.inject({ url: "/admin-only", headers: bearer(whole) });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('answers 401 for a token minted to live longer than the maximum lifetime, whatever is left of it', async () => {
    app = await build({ maxLifetimeS: 3600 });
    const longLived = bearer(token(Role.ADMIN, { expiresInS: 3601 }));
    const response = await app.inject({ url: '/admin-only', headers: longLived });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ message: 'Token lifetime (exp − iat) longer than the 3600 s allowed' });
    expect((await app.inject({ url: '/admin-only', headers: bearer(token(Role.ADMIN, { expiresInS: 3600 })) })).statusCode).toBe(200);
  });

  it('accepts a token within the clock tolerance of its expiry, and only HS256', async () => {
    app = await build();
    expect((await app.inject({ url: '/admin-only', headers: bearer(token(Role.ADMIN, { expiresInS: -5 })) })).statusCode).toBe(200);
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'ops', role: Role.ADMIN, iss: settings.issuer, aud: settings.audience, iat: now, exp: now + 600 };
    const hs512 = createSigner({ key: settings.jwtSecret, algorithm: 'HS512' })(claims);
    expect((await app.inject({ url: '/admin-only', headers: bearer(hs512) })).statusCode).toBe(401);
  });

  it('answers 403 when the role may not call the route', async () => {
    app = await build();
    const response = await app.inject({ url: '/admin-only', headers: bearer(token(Role.CUSTOMER, { customerId: 'c1' })) });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('FORBIDDEN');
    expect((await app.inject({ url: '/admin-only', headers: bearer(token(Role.SERVICE)) })).statusCode).toBe(403);
  });

  it('lets an allowed role through with its principal', async () => {
    app = await build();
    const response = await app.inject({ url: '/admin-only', headers: bearer(token(Role.ADMIN)) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ sub: 'admin-1' });
  });

  it('scopes a customer to its own customer id whatever the request names', async () => {
    app = await build();
    const asCustomer = await app.inject({ url: '/customers/other/things', headers: bearer(token(Role.CUSTOMER, { customerId: 'mine' })) });
    expect(asCustomer.json()).toEqual({ scope: 'mine' });
    const asAdmin = await app.inject({ url: '/customers/other/things', headers: bearer(token(Role.ADMIN)) });
    expect(asAdmin.json()).toEqual({ scope: 'other' });
  });

  it('keeps health, metrics and documentation public and marks other routes as secured in OpenAPI', async () => {
    app = await build();
    for (const url of ['/health/live', '/health/ready', '/metrics', '/documentation/json']) {
      expect((await app.inject({ url })).statusCode, url).toBe(200);
    }
    const doc = (await app.inject('/documentation/json')).json();
    expect(doc.paths['/admin-only'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/health/ready'].get.security).toBeUndefined();
  });

  it('refuses a short secret', async () => {
    const local = await createHttpApp({
      name: 'x',
      version: '1',
      logger: createLogger({ name: 'x', level: 'silent', destination: new LogCapture() }),
      metrics: createMetricsRegistry('x'),
      dependencies: [],
    });
    await expect(registerAuth(local, { ...settings, jwtSecret: 'short' })).rejects.toThrow(/at least 32/);
    await local.close();
  });
});
