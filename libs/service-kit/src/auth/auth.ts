import jwt from '@fastify/jwt';
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { Role } from '@agair/domain-models';
import type { FastifyRequest } from 'fastify';
import { createSigner } from 'fast-jwt';
import type { Redis } from 'ioredis';
import type { RedisFallback } from '../connections/redis-fallback.js';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../errors.js';
import type { HttpApp } from '../http/create-http-app.js';
import { degradableRateLimitStore } from './rate-limit.store.js';

export { Role };

/** Who is calling: from a verified bearer token. */
export interface Principal {
  /** The caller's id: a user id, or a service name. */
  sub: string;
  role: Role;
  /** Set for the `customer` role: the only customer whose data the caller may see. */
  customerId: string | null;
}

interface TokenClaims {
  sub: string;
  role: Role;
  customerId?: string;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: Principal;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed on the route (default: admin only). */
    roles?: readonly Role[];
    /** No token needed (health, metrics, documentation). */
    public?: boolean;
  }
}

export interface AuthSettings {
  /** HS256 secret shared with whoever mints tokens (≥ 32 characters). */
  jwtSecret: string;
  issuer: string;
  audience: string;
  /**
   * Requests per caller per window, counted in Redis so every replica shares the count; without
   * `redis`, in the process's memory (a service that has no Redis and runs one replica). With
   * `fallback` too, counted in memory while Redis cannot answer (see `degradableRateLimitStore`).
   */
  rateLimit?: { redis?: Redis; fallback?: RedisFallback; max: number; timeWindowMs: number };
}

const PUBLIC_PREFIXES = ['/health/', '/metrics', '/documentation'];

function isPublic(request: FastifyRequest): boolean {
  if (request.routeOptions.config?.public) return true;
  const url = request.routeOptions.url;
  return url !== undefined && PUBLIC_PREFIXES.some((prefix) => url === prefix || url.startsWith(prefix));
}

/**
 * Bearer JWT on every route but health, metrics and docs: 401 without a valid token (missing,
 * expired, wrong signature, wrong issuer/audience), 403 when the route does not allow the role.
 * Routes declare `config: { roles: [...] }`; the OpenAPI document marks them as secured.
 */
export async function registerAuth(app: HttpApp, settings: AuthSettings): Promise<void> {
  if (settings.jwtSecret.length < 32) throw new Error('the JWT secret must be at least 32 characters');
  await app.register(jwt, {
    secret: settings.jwtSecret,
    sign: { algorithm: 'HS256', iss: settings.issuer, aud: settings.audience },
    verify: { algorithms: ['HS256'], allowedIss: settings.issuer, allowedAud: settings.audience },
    formatUser: (claims) => ({ sub: claims.sub, role: claims.role, customerId: claims.customerId ?? null }),
  });

  app.addHook('onRoute', (route) => {
    const url = route.url;
    if (route.config?.public || PUBLIC_PREFIXES.some((prefix) => url === prefix || url.startsWith(prefix))) return;
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }] };
  });

  app.addHook('onRequest', async (request) => {
    if (isPublic(request)) return;
    try {
      await request.jwtVerify();
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new UnauthorizedError(
        code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED'
          ? 'Token expired'
          : code === 'FST_JWT_NO_AUTHORIZATION_IN_HEADER'
            ? 'Authentication required: send Authorization: Bearer <token>'
            : 'Invalid token',
      );
    }
    const principal = request.user;
    if (!Object.values(Role).includes(principal.role) || (principal.role === Role.CUSTOMER && !principal.customerId)) {
      throw new UnauthorizedError('Invalid token');
    }
    const roles = request.routeOptions.config?.roles ?? [Role.ADMIN];
    if (!roles.includes(principal.role)) throw new ForbiddenError(`The ${principal.role} role may not call this route`);
  });

  if (settings.rateLimit) {
    await app.register(rateLimit, {
      global: true,
      hook: 'preHandler',
      max: settings.rateLimit.max,
      timeWindow: settings.rateLimit.timeWindowMs,
      ...rateLimitStore(settings.rateLimit, RATE_LIMIT_NAMESPACE),
      nameSpace: RATE_LIMIT_NAMESPACE,
      allowList: (request) => isPublic(request),
      keyGenerator: (request) => (request.user ? `sub:${request.user.sub}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) => new TooManyRequestsError(Math.max(1, Math.ceil(context.ttl / 1000))),
    });
  }
}

const RATE_LIMIT_NAMESPACE = 'agair:rate:';

function rateLimitStore(rateLimit: NonNullable<AuthSettings['rateLimit']>, nameSpace: string): { redis?: Redis; store?: FastifyRateLimitStoreCtor } {
  if (!rateLimit.redis) return {};
  if (!rateLimit.fallback) return { redis: rateLimit.redis };
  return { store: degradableRateLimitStore(rateLimit.redis, rateLimit.fallback, nameSpace) };
}

/** The caller, on a route that requires authentication. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.user) throw new UnauthorizedError();
  return request.user;
}

/**
 * The customer a request may act for. A customer acts only for itself (an id of another
 * customer in the request is ignored: the scoped query then finds nothing and answers 404,
 * so ids cannot be probed); admin and service act for the customer named, or all when none is.
 */
export function customerScope(principal: Principal, requested?: string): string | undefined {
  if (principal.role === Role.CUSTOMER) return principal.customerId ?? undefined;
  return requested;
}

export interface MintTokenOptions {
  jwtSecret: string;
  issuer: string;
  audience: string;
  sub: string;
  role: Role;
  customerId?: string;
  expiresInS?: number;
}

/** Mints a token the APIs accept (tests, local use: tools/auth/mint-token.ts). */
export function mintToken(options: MintTokenOptions): string {
  const sign = createSigner({
    key: options.jwtSecret,
    algorithm: 'HS256',
    iss: options.issuer,
    aud: options.audience,
    expiresIn: (options.expiresInS ?? 3600) * 1000,
  });
  return sign({ sub: options.sub, role: options.role, ...(options.customerId ? { customerId: options.customerId } : {}) });
}
