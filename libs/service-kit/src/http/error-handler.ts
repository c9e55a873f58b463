import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { ErrorResponse } from './schemas.js';

/** Maps every error to one JSON shape. 5xx bodies reveal nothing internal. */
export function errorHandler(error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const body = toErrorResponse(error, request.id);
  if (body.statusCode >= 500) {
    request.log.error({ err: error, requestId: request.id }, 'request failed');
  } else {
    request.log.info({ code: body.code, statusCode: body.statusCode, requestId: request.id }, 'request rejected');
  }
  if (error instanceof AppError && 'retryAfterS' in error && typeof error.retryAfterS === 'number') {
    void reply.header('retry-after', String(error.retryAfterS));
  }
  void reply.code(body.statusCode).type('application/json').send(body);
}

export function toErrorResponse(error: unknown, requestId: string): ErrorResponse {
  if (error instanceof AppError) {
    return {
      statusCode: error.statusCode,
      code: error.code,
      error: STATUS_CODES[error.statusCode] ?? 'Error',
      message: error.message,
      requestId,
      ...(error.details && error.statusCode < 500 ? { details: error.details } : {}),
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (Array.isArray(fastifyError.validation)) {
    return {
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      error: 'Bad Request',
      message: fastifyError.message ?? 'Invalid request',
      requestId,
      details: {
        issues: fastifyError.validation.map((v) => ({
          in: fastifyError.validationContext ?? 'request',
          path: v.instancePath || '/',
          message: v.message ?? 'invalid',
        })),
      },
    };
  }
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, body too large, unsupported media type).
    return {
      statusCode: status,
      code: fastifyError.code ?? 'BAD_REQUEST',
      error: STATUS_CODES[status] ?? 'Error',
      message: fastifyError.message ?? 'Bad request',
      requestId,
    };
  }
  return { statusCode: 500, code: 'INTERNAL', error: 'Internal Server Error', message: 'Internal server error', requestId };
}
