import { JobViewSchema, ObjectIdStringSchema } from '@agair/domain-models';
import { Type } from 'typebox';

export const JobIdParams = Type.Object({ jobId: ObjectIdStringSchema }, { additionalProperties: false });

export const JobListQuery = Type.Object(
  {
    customerId: Type.Optional({ ...ObjectIdStringSchema, description: 'required for admin and service callers; a customer always lists its own jobs' }),
    includeInactive: Type.Boolean({ default: false }),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    skip: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
  },
  { additionalProperties: false },
);

export const JobListResponse = Type.Object({
  customerId: ObjectIdStringSchema,
  limit: Type.Integer(),
  skip: Type.Integer(),
  jobs: Type.Array(JobViewSchema),
});
