import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogCapture } from '@agair/testing';
import { createSigner } from 'fast-jwt';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, type HttpApp } from '../http/create-http-app.js';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/metrics.js';
import { Role, mintToken, principalOf, registerAuth } from './auth.js';

/*
 * Tokens from an identity provider: a key set served on 127.0.0.1 with an RSA and an EC key,
 * as an OpenID provider publishes it.
 */

const settings = { jwtSecret: 'j'.repeat(40), issuer: 'https://idp.example', audience: 'agair-api' };
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

function jwk(key: KeyObject, kid: string, alg: string): Record<string, unknown> {
  return { ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

let server: Server;
let keysUrl = '';
let keySetUp = true;
let fetches = 0;
let app: HttpApp;

function sign(privateKey: KeyObject, algorithm: 'RS256' | 'ES256', kid: string, claims: Record<string, unknown> = {}): string {
  const key = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return createSigner({ key, algorithm, kid, iss: settings.issuer, aud: settings.audience, expiresIn: 600_000 })({ sub: 'dana@prairie', role: Role.ADMIN, ...claims });
}

const call = (token: string) => app.inject({ url: '/whoami', headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  server = createServer((request, response) => {
    fetches += 1;
    if (!keySetUp || request.url !== '/keys/jwks.json') {
      response.writeHead(keySetUp ? 404 : 503, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk(rsa.publicKey, 'rsa-1', 'RS256'), jwk(ec.publicKey, 'ec-1', 'ES256')] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  keysUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys/jwks.json`;
  app = await createHttpApp({
    name: 'jwks-test',
    version: '1',
    logger: createLogger({ name: 'jwks-test', level: 'silent', destination: new LogCapture() }),
    metrics: createMetricsRegistry('jwks-test'),
    dependencies: [],
  });
  await registerAuth(app, { ...settings, jwksUrl: keysUrl });
  app.get('/whoami', { schema: { response: { 200: Type.Object({ sub: Type.String() }) } } }, async (request) => ({ sub: principalOf(request).sub }));
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('tokens verified with an identity provider’s key set (JWT_JWKS_URL)', () => {
  it('accepts RS256 and ES256 tokens signed with its keys, and HS256 ones signed with the shared secret', async () => {
    for (const token of [sign(rsa.privateKey, 'RS256', 'rsa-1'), sign(ec.privateKey, 'ES256', 'ec-1'), mintToken({ ...settings, sub: 'dana@prairie', role: Role.ADMIN })]) {
      const response = await call(token);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({ sub: 'dana@prairie' });
    }
  });

  it('refuses a token signed by another key under a known key id, an unknown key id, or an HS256 token keyed with the public key', async () => {
    expect((await call(sign(stranger.privateKey, 'RS256', 'rsa-1'))).statusCode).toBe(401);
    expect((await call(sign(rsa.privateKey, 'RS256', 'rsa-9'))).json()).toMatchObject({ statusCode: 401, message: 'Invalid token (unknown key id)' });
    // The algorithm-confusion attack: HS256 with the provider's public key as the HMAC secret.
    const publicPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const confused = createSigner({ key: publicPem, algorithm: 'HS256', kid: 'rsa-1', iss: settings.issuer, aud: settings.audience, expiresIn: 600_000 })({ sub: 'x', role: Role.ADMIN });
    expect((await call(confused)).statusCode).toBe(401);
    // The same claims rules as HS256 tokens: a lifetime longer than allowed is refused.
    const longLived = createSigner({ key: rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), algorithm: 'RS256', kid: 'rsa-1', iss: settings.issuer, aud: settings.audience, expiresIn: 2 * 86_400_000 })({
      sub: 'x',
      role: Role.ADMIN,
    });
    expect((await call(longLived)).statusCode).toBe(401);
  });

  it('keeps verifying with the keys it has while the provider is away, and answers 503 for a key it never saw', async () => {
    const seen = sign(rsa.privateKey, 'RS256', 'rsa-1');
    expect((await call(seen)).statusCode).toBe(200);
    const before = fetches;
    keySetUp = false;
    try {
      expect((await call(seen)).statusCode).toBe(200); // from the cache: no fetch
      expect(fetches).toBe(before);
      const unseen = await call(sign(rsa.privateKey, 'RS256', 'rsa-new'));
      expect(unseen.statusCode).toBe(503);
      expect(unseen.json()).toMatchObject({ code: 'JWKS_UNAVAILABLE' });
      expect(unseen.headers['retry-after']).toBe('5');
    } finally {
      keySetUp = true;
    }
  });
});
