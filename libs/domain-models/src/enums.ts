import { literalUnion } from './common.schema.js';

/** Enum helper type: the union of a `const` object's values. */
export type ValueOf<T> = T[keyof T];

export const PartnerCode = { SATLOC: 'SATLOC', AGIDRONEX: 'AGIDRONEX' } as const;
export type PartnerCode = ValueOf<typeof PartnerCode>;
export const PartnerCodeSchema = literalUnion([PartnerCode.SATLOC, PartnerCode.AGIDRONEX], { description: 'partner system' });

export const PartnerCapability = {
  JOB_UPLOAD: 'job_upload',
  LOG_DOWNLOAD: 'log_download',
  AIRCRAFT_LIST: 'aircraft_list',
  HEALTH_CHECK: 'health_check',
} as const;
export type PartnerCapability = ValueOf<typeof PartnerCapability>;
export const PartnerCapabilitySchema = literalUnion([
  PartnerCapability.JOB_UPLOAD,
  PartnerCapability.LOG_DOWNLOAD,
  PartnerCapability.AIRCRAFT_LIST,
  PartnerCapability.HEALTH_CHECK,
]);

export const UserKind = { INTERNAL: 'INTERNAL', PARTNER_SYSTEM_USER: 'PARTNER_SYSTEM_USER' } as const;
export type UserKind = ValueOf<typeof UserKind>;
export const UserKindSchema = literalUnion([UserKind.INTERNAL, UserKind.PARTNER_SYSTEM_USER]);

/** Who is calling our APIs: an operator, a customer's staff (incl. pilots), or another service. */
export const Role = { ADMIN: 'admin', CUSTOMER: 'customer', SERVICE: 'service' } as const;
export type Role = ValueOf<typeof Role>;
export const RoleSchema = literalUnion([Role.ADMIN, Role.CUSTOMER, Role.SERVICE]);

/**
 * Why a partner call or a task failed. The category decides the retry policy (backoff, fixed
 * delay then DLQ, honour Retry-After, no retry, long backoff) and travels in `x-error-category`.
 */
export const ErrorCategory = {
  NETWORK_TIMEOUT: 'network-timeout',
  AUTH: 'auth',
  RATE_LIMIT: 'rate-limit',
  DATA_FORMAT: 'data-format',
  PARTNER_DOWN: 'partner-down',
  NOT_FOUND: 'not-found',
  /** Our own bug or an unclassified failure. */
  INTERNAL: 'internal',
} as const;
export type ErrorCategory = ValueOf<typeof ErrorCategory>;
export const ErrorCategorySchema = literalUnion([
  ErrorCategory.NETWORK_TIMEOUT,
  ErrorCategory.AUTH,
  ErrorCategory.RATE_LIMIT,
  ErrorCategory.DATA_FORMAT,
  ErrorCategory.PARTNER_DOWN,
  ErrorCategory.NOT_FOUND,
  ErrorCategory.INTERNAL,
]);

/** How stored SI values are shown and written for a job: litres/hectares or US gallons/acres. */
export const DisplayUnits = { METRIC: 'metric', US: 'us' } as const;
export type DisplayUnits = ValueOf<typeof DisplayUnits>;
export const DisplayUnitsSchema = literalUnion([DisplayUnits.METRIC, DisplayUnits.US]);
