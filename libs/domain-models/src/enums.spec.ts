import type { Static, TSchema } from 'typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ApplicationFileSchema, MatchMethod, MatchMethodSchema, ProcessingStage, ProcessingStageSchema } from './application.schema.js';
import {
  DisplayUnits,
  DisplayUnitsSchema,
  ErrorCategory,
  ErrorCategorySchema,
  PartnerCapability,
  PartnerCapabilitySchema,
  PartnerCode,
  PartnerCodeSchema,
  Role,
  RoleSchema,
  UserKind,
  UserKindSchema,
} from './enums.js';
import { AssignStatus, AssignStatusSchema, UploadSyncStatus, UploadSyncStatusSchema } from './job-assign.schema.js';
import { PartnerLogTrackerState, PartnerLogTrackerStateSchema } from './partner-log-tracker.schema.js';
import { DataFileReason, DataFileReasonSchema } from './task-catalogue.js';
import { TaskTrackerState, TaskTrackerStateSchema } from './task-tracker.schema.js';
import { TaskType, TaskTypeSchema } from './task-type.js';
import { isValid } from './validation.js';

const literals = (schema: TSchema) => (schema as unknown as { anyOf: { const: unknown }[] }).anyOf.map((s) => s.const);

const enums: [string, Record<string, string | number>, TSchema][] = [
  ['PartnerCode', PartnerCode, PartnerCodeSchema],
  ['PartnerCapability', PartnerCapability, PartnerCapabilitySchema],
  ['UserKind', UserKind, UserKindSchema],
  ['Role', Role, RoleSchema],
  ['ErrorCategory', ErrorCategory, ErrorCategorySchema],
  ['DisplayUnits', DisplayUnits, DisplayUnitsSchema],
  ['AssignStatus', AssignStatus, AssignStatusSchema],
  ['UploadSyncStatus', UploadSyncStatus, UploadSyncStatusSchema],
  ['PartnerLogTrackerState', PartnerLogTrackerState, PartnerLogTrackerStateSchema],
  ['TaskTrackerState', TaskTrackerState, TaskTrackerStateSchema],
  ['TaskType', TaskType, TaskTypeSchema],
  ['MatchMethod', MatchMethod, MatchMethodSchema],
  ['ProcessingStage', ProcessingStage, ProcessingStageSchema],
  ['DataFileReason', DataFileReason, DataFileReasonSchema],
];

describe('enums', () => {
  it.each(enums)('%s: the schema accepts exactly the values of the const object', (_name, values, schema) => {
    expect(literals(schema)).toEqual(Object.values(values));
    for (const value of Object.values(values)) expect(isValid(schema, value)).toBe(true);
    expect(isValid(schema, 'something-else')).toBe(false);
    expect(isValid(schema, 99)).toBe(false);
  });

  it('has the values the design and the partners use', () => {
    expect(Object.values(PartnerCode)).toEqual(['SATLOC', 'AGIDRONEX']);
    expect(AssignStatus).toEqual({ NEW: 0, DOWNLOADED: 1, UPLOADED: 2 });
    expect(Object.values(ErrorCategory)).toEqual(['network-timeout', 'auth', 'rate-limit', 'data-format', 'partner-down', 'not-found', 'internal']);
    expect(Object.values(TaskType)).toEqual(['UPLOAD_PARTNER_JOB', 'PROCESS_PARTNER_LOG', 'PROCESS_PARTNER_DATA_FILE']);
    expect(Object.values(UploadSyncStatus)).toEqual(['synced', 'queued', 'failed', 'not_applicable']);
    expect(Object.values(PartnerCapability)).toEqual(['job_upload', 'log_download', 'aircraft_list', 'health_check']);
  });

  it('AssignStatus is numeric: the string "1" is not a status', () => {
    expect(isValid(AssignStatusSchema, 1)).toBe(true);
    expect(isValid(AssignStatusSchema, '1')).toBe(false);
  });

  it('schema types equal the const-object types', () => {
    expectTypeOf<Static<typeof PartnerCodeSchema>>().toEqualTypeOf<PartnerCode>();
    expectTypeOf<Static<typeof PartnerCapabilitySchema>>().toEqualTypeOf<PartnerCapability>();
    expectTypeOf<Static<typeof UserKindSchema>>().toEqualTypeOf<UserKind>();
    expectTypeOf<Static<typeof RoleSchema>>().toEqualTypeOf<Role>();
    expectTypeOf<Static<typeof ErrorCategorySchema>>().toEqualTypeOf<ErrorCategory>();
    expectTypeOf<Static<typeof DisplayUnitsSchema>>().toEqualTypeOf<DisplayUnits>();
    expectTypeOf<Static<typeof AssignStatusSchema>>().toEqualTypeOf<AssignStatus>();
    expectTypeOf<Static<typeof UploadSyncStatusSchema>>().toEqualTypeOf<UploadSyncStatus>();
    expectTypeOf<Static<typeof PartnerLogTrackerStateSchema>>().toEqualTypeOf<PartnerLogTrackerState>();
    expectTypeOf<Static<typeof TaskTrackerStateSchema>>().toEqualTypeOf<TaskTrackerState>();
    expectTypeOf<Static<typeof TaskTypeSchema>>().toEqualTypeOf<TaskType>();
    expectTypeOf<Static<typeof MatchMethodSchema>>().toEqualTypeOf<MatchMethod>();
    expectTypeOf<Static<typeof ProcessingStageSchema>>().toEqualTypeOf<ProcessingStage>();
    expectTypeOf<Static<typeof DataFileReasonSchema>>().toEqualTypeOf<DataFileReason>();
    expectTypeOf<Static<typeof ApplicationFileSchema>['match']['method']>().toEqualTypeOf<MatchMethod>();
  });
});
