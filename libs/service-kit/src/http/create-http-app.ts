import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler, registerAjvFormats, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchemaCompiler,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { Type, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { checkDependencies, closeDependencies, type Dependency } from '../health/dependency.js';
import { redactRequestUrl, type Logger } from '../logging/logger.js';
import { Histogram, metric, type Registry } from '../metrics/metrics.js';
import { errorHandler } from './error-handler.js';
import { ErrorResponse, ReadinessResponse } from './schemas.js';

export type HttpApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface HttpAppOptions {
  /** Service name: OpenAPI title and metrics label. */
  name: string;
  version: string;
  description?: string;
  logger: Logger;
  metrics: Registry;
  /** Connections this app owns: checked by /health/ready (an `optional` one cannot fail it), closed when the app closes. */
  dependencies: readonly Dependency[];
  readinessTimeoutMs?: number;
  /** OpenAPI document at /documentation/json and a UI at /documentation (default true). */
  docs?: boolean;
  /**
   * Largest request body by default (64 KiB): what a route that needs more says so itself
   * (`bodyLimit` on the route), so a big body costs parsing only where it is expected.
   */
  bodyLimitBytes?: number;
  /** `HTTP_TRUST_PROXY`: a hop count or comma-separated addresses/CIDRs whose X-Forwarded-For is believed; empty: none. */
  trustProxy?: string;
}

/** Small by default: most routes take a few ids and a reason. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Fastify's `trustProxy` from `HTTP_TRUST_PROXY`: false (empty), the nearest N hops (a number),
 * or comma-separated addresses/CIDRs.
 */
export function trustProxySetting(value: string | undefined): boolean | string | ((address: string, hop: number) => boolean) {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') return false;
  if (!/^\d+$/.test(trimmed)) return trimmed;
  const hops = Number(trimmed);
  return (_address, hop) => hop < hops;
}

/**
 * One access line per request, when it completes (method, URL, status, time, request id), instead
 * of Fastify's two ("incoming request" with the whole request, then "request completed"): half the
 * log volume, and everything an operator looks for in one line. Query values with secret-looking
 * names are masked. At info, so routes with `logLevel: 'warn'` (health, metrics) stay quiet.
 */
class AccessLogController extends LogController {
  override incomingRequest(): void {
    // Logged once, when the request completes.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: redactRequestUrl(request.url), statusCode: reply.statusCode, responseTimeMs: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

let formatsRegistered = false;

/** TypeBox validation (with string conversion for params and query) that also fills in schema defaults. */
const validatorWithDefaults: FastifySchemaCompiler<TSchema> = (route) => {
  const validate = TypeBoxValidatorCompiler(route);
  return (value: unknown) => validate(value !== null && typeof value === 'object' ? Value.Default(route.schema, value) : value);
};

/**
 * Builds a Fastify app with what every service shares: TypeBox validation, OpenAPI, one error
 * handler, health and metrics routes. Callers register their routes on the returned app.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  if (!formatsRegistered) {
    registerAjvFormats();
    formatsRegistered = true;
  }
  const app: HttpApp = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    trustProxy: trustProxySetting(options.trustProxy),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    logController: new AccessLogController(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false } },
  })
    .setValidatorCompiler(validatorWithDefaults)
    .withTypeProvider<TypeBoxTypeProvider>();

  app.addSchema(ErrorResponse);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      statusCode: 404,
      code: 'ROUTE_NOT_FOUND',
      error: 'Not Found',
      message: `Route ${request.method} ${request.url.split('?')[0]} not found`,
      requestId: request.id,
    });
  });
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    return payload;
  });

  if (options.docs ?? true) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: options.name, version: options.version, description: options.description },
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
        tags: [{ name: 'health', description: 'liveness, readiness and metrics' }],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/documentation' });
  }

  registerMetrics(app, options.metrics);
  registerHealth(app, options);

  app.addHook('onClose', async () => {
    await closeDependencies(options.dependencies, (name, err) => app.log.error({ err, dependency: name }, 'closing dependency failed'));
  });
  return app;
}

function registerHealth(app: HttpApp, options: HttpAppOptions): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is running and serving HTTP',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
      logLevel: 'warn',
      config: { public: true },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: every required dependency answers (an optional one down answers 200 degraded)',
        response: { 200: ReadinessResponse, 503: ReadinessResponse },
      },
      logLevel: 'warn',
      config: { public: true },
    },
    async (_request, reply) => {
      const dependencies = await checkDependencies(options.dependencies, options.readinessTimeoutMs ?? 2000);
      if (closing) return reply.code(503).send({ status: 'shutting_down' as const, dependencies });
      if (!dependencies.every((d) => d.ok || d.optional)) return reply.code(503).send({ status: 'not_ready' as const, dependencies });
      return reply.code(200).send({ status: dependencies.every((d) => d.ok) ? ('ready' as const) : ('degraded' as const), dependencies });
    },
  );
}

function registerMetrics(app: HttpApp, registry: Registry): void {
  const duration = metric(
    registry,
    'http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'http_request_duration_seconds',
        help: 'HTTP request duration by route and status',
        labelNames: ['method', 'route', 'status_code'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
  );
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids in paths would explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics',
        produces: ['text/plain'],
        response: { 200: Type.String() },
      },
      logLevel: 'warn',
      config: { public: true },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}
