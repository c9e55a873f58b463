import { Type, type Static } from 'typebox';
import { TimestampSchema } from './common.schema.js';
import { ErrorCategorySchema } from './enums.js';

/** The last failure of a tracked piece of work. `message` is for operators and holds no secret. */
export const ErrorInfoSchema = Type.Object(
  {
    category: ErrorCategorySchema,
    message: Type.String({ maxLength: 2000 }),
    at: TimestampSchema,
  },
  { additionalProperties: false },
);
export type ErrorInfo = Static<typeof ErrorInfoSchema>;
