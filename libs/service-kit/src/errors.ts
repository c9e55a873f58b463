/**
 * One error hierarchy for every service. A thrown AppError becomes an HTTP response with its
 * status and code; anything else is a 500 whose body reveals nothing internal.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(400, 'BAD_REQUEST', message, details);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required') {
    super(401, 'UNAUTHORIZED', message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed') {
    super(403, 'FORBIDDEN', message);
  }
}
export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'NOT_FOUND', `${what} not found`);
  }
}
export class ConflictError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(409, 'CONFLICT', message, details);
  }
}
export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(422, code, message, details);
  }
}
export class TooManyRequestsError extends AppError {
  constructor(readonly retryAfterS: number) {
    super(429, 'RATE_LIMITED', `Too many requests; retry after ${retryAfterS} s`);
  }
}
export class NotImplementedError extends AppError {
  constructor(code: string, message: string) {
    super(501, code, message);
  }
}
export class BadGatewayError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(502, code, message, details);
  }
}
export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string, readonly retryAfterS?: number) {
    super(503, code, message);
  }
}
