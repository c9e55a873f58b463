import { FeatureCollectionSchema, JobViewSchema, ObjectIdStringSchema, PartnerCodeSchema, TimestampSchema, UploadSyncStatusSchema } from '@agair/domain-models';
import { Type } from 'typebox';

export const NewJobsQuery = Type.Object(
  {
    customerId: Type.Optional({ ...ObjectIdStringSchema, description: 'required for admin and service callers' }),
    userId: Type.Optional({ ...ObjectIdStringSchema, description: "only this pilot/aircraft's assignments" }),
  },
  { additionalProperties: false },
);

export const NewJobSchema = Type.Object({
  assignmentId: ObjectIdStringSchema,
  jobId: ObjectIdStringSchema,
  jobName: Type.String(),
  userId: ObjectIdStringSchema,
  date: TimestampSchema,
  status: Type.Union([Type.Literal('NEW'), Type.Literal('UPLOADED')]),
  partnerCode: Type.Union([PartnerCodeSchema, Type.Null()]),
  externalJobId: Type.Union([Type.String(), Type.Null()]),
  syncStatus: UploadSyncStatusSchema,
});

export const NewJobsResponse = Type.Object({
  customerId: ObjectIdStringSchema,
  internal: Type.Array(NewJobSchema, { description: 'assignments of users without a partner system, not downloaded yet' }),
  partners: Type.Record(Type.String(), Type.Array(NewJobSchema), {
    description: 'per partner (lower-case code): assignments of partner aircraft, queued or uploaded',
  }),
});

export const PartnerTypeSchema = Type.Union(
  [Type.Literal('internal'), Type.Literal('satloc'), Type.Literal('agidronex'), Type.Literal('SATLOC'), Type.Literal('AGIDRONEX')],
  { description: 'internal, or a partner code (either case)' },
);

export const DownloadJobBody = Type.Object(
  {
    jobId: ObjectIdStringSchema,
    partnerType: PartnerTypeSchema,
    format: Type.Union([Type.Literal('native'), Type.Literal('converted')], {
      default: 'native',
      description: 'native: SatLoc .JOB text for satloc, the job JSON for internal; converted: GeoJSON',
    }),
    userId: Type.Optional({ ...ObjectIdStringSchema, description: "mark only this user's internal assignment DOWNLOADED" }),
  },
  { additionalProperties: false },
);

export const DownloadJobResponse = Type.Union([
  Type.String({ description: '.JOB text (text/plain) for format=native, partnerType=satloc' }),
  FeatureCollectionSchema,
  JobViewSchema,
]);
