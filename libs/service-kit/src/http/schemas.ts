import { Type, type Static } from 'typebox';

/** The body of every error response, from every service. */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Type.String({ description: 'stable machine-readable error code, e.g. NOT_FOUND, VALIDATION_FAILED' }),
    error: Type.String({ description: 'HTTP reason phrase' }),
    message: Type.String(),
    requestId: Type.Optional(Type.String()),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'ErrorResponse', additionalProperties: false },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

export const DependencyStatusSchema = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  optional: Type.Optional(Type.Literal(true, { description: 'the service keeps working without it: down means degraded, not unready' })),
  latencyMs: Type.Number(),
  error: Type.Optional(Type.String()),
});

export const ReadinessResponse = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('not_ready'), Type.Literal('shutting_down')], {
    description: 'degraded: ready (200), but an optional dependency is down and the features using it run without it',
  }),
  dependencies: Type.Array(DependencyStatusSchema),
});

/** Error responses to declare on a route: `response: { 200: X, ...errorResponses(400, 401, 404) }`. */
export function errorResponses<const C extends readonly number[]>(...codes: C): { [K in C[number]]: typeof ErrorResponse } {
  return Object.fromEntries(codes.map((c) => [c, ErrorResponse])) as { [K in C[number]]: typeof ErrorResponse };
}

/**
 * Route options for a POST whose body fields are all optional: a request without a body is taken
 * as `{}` (instead of 400 "body must be object"), so the handler can say what is missing.
 */
export const optionalBody = {
  preValidation: async (request: { body: unknown }) => {
    request.body ??= {};
  },
};
