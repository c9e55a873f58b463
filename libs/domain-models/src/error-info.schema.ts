import { Type, type Static } from 'typebox';
import { TimestampSchema } from './common.schema.js';
import { ErrorCategorySchema } from './enums.js';

/** The last failure of a tracked piece of work. `message` is for operators and holds no secret. */
export const ErrorInfoSchema = Type.Object(
  {
    category: ErrorCategorySchema,
    message: Type.String({ maxLength: 2000 }),
    /**
     * A stable snake_case code for the failures an operator or an API filters on (for a flight
     * log, `unsupported_format`: see `LogFailureReason`); absent for the others.
     */
    reason: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 64 })),
    at: TimestampSchema,
  },
  { additionalProperties: false },
);
export type ErrorInfo = Static<typeof ErrorInfoSchema>;
