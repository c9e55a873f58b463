import { Type, type Static } from 'typebox';
import {
  LeaseSchema,
  Nullable,
  ObjectIdStringSchema,
  PartnerAircraftIdSchema,
  PartnerLogIdSchema,
  Sha256HexSchema,
  TimestampSchema,
  literalUnion,
} from './common.schema.js';
import { PartnerCodeSchema, type ValueOf } from './enums.js';
import { ErrorInfoSchema } from './error-info.schema.js';

/** The life of one partner flight log. Allowed moves: `PartnerLogTrackerTransitions`. */
export const PartnerLogTrackerState = {
  /** Listed by the partner, not yet fetched. */
  PENDING: 'PENDING',
  /** A poller holds the lease and is fetching the file. */
  DOWNLOADING: 'DOWNLOADING',
  /** The file is stored (GridFS); a PROCESS_PARTNER_LOG task is or will be queued. */
  DOWNLOADED: 'DOWNLOADED',
  /** A worker holds the lease and is decoding and computing. */
  PROCESSING: 'PROCESSING',
  PROCESSED: 'PROCESSED',
  FAILED: 'FAILED',
  /** Deliberately not processed: duplicate content, no application in it, out of scope. */
  SKIPPED: 'SKIPPED',
} as const;
export type PartnerLogTrackerState = ValueOf<typeof PartnerLogTrackerState>;
export const PartnerLogTrackerStateSchema = literalUnion([
  PartnerLogTrackerState.PENDING,
  PartnerLogTrackerState.DOWNLOADING,
  PartnerLogTrackerState.DOWNLOADED,
  PartnerLogTrackerState.PROCESSING,
  PartnerLogTrackerState.PROCESSED,
  PartnerLogTrackerState.FAILED,
  PartnerLogTrackerState.SKIPPED,
]);

/** Stable codes of why a log ended FAILED (`error.reason`), for those an operator acts on as a kind. */
export const LogFailureReason = {
  /** Not a format the platform decodes (another vendor's, SatLoc's proprietary Air Log, an unknown major version): upload it by hand in a decoded format. */
  UNSUPPORTED_FORMAT: 'unsupported_format',
} as const;
export type LogFailureReason = ValueOf<typeof LogFailureReason>;

/** Why a log was deliberately not processed (`skip.reason`). */
export const LogSkipReason = {
  /** The log shows no application: the spray never came on, or no area and no volume were applied (a ferry flight). */
  NOTHING_APPLIED: 'nothing_applied',
  /** The same bytes were collected under another log id for this customer. */
  DUPLICATE_CONTENT: 'duplicate_content',
} as const;
export type LogSkipReason = ValueOf<typeof LogSkipReason>;
export const LogSkipReasonSchema = literalUnion([LogSkipReason.NOTHING_APPLIED, LogSkipReason.DUPLICATE_CONTENT]);

/** Why a tracker is SKIPPED: the code to filter on and a sentence for operators. */
export const LogSkipSchema = Type.Object(
  {
    reason: LogSkipReasonSchema,
    message: Type.String({ maxLength: 2000 }),
    at: TimestampSchema,
  },
  { additionalProperties: false },
);
export type LogSkip = Static<typeof LogSkipSchema>;

/**
 * An operator's choice of the job a log belongs to (a re-match, or a manual upload for a named
 * job): processing uses this job instead of matching the log by its header, file name and time.
 */
export const LogMatchOverrideSchema = Type.Object(
  {
    jobId: ObjectIdStringSchema,
    /** The operator (token subject) who chose it. */
    by: Type.String({ minLength: 1, maxLength: 200 }),
    at: TimestampSchema,
  },
  { additionalProperties: false },
);
export type LogMatchOverride = Static<typeof LogMatchOverrideSchema>;

/** States in which the record must hold a lease; a sweeper reclaims them when it expires. */
export const PartnerLogTrackerLeasedStates: readonly PartnerLogTrackerState[] = [
  PartnerLogTrackerState.DOWNLOADING,
  PartnerLogTrackerState.PROCESSING,
];

/**
 * One partner flight log, unique on (partnerCode, customerId, logId). `attempts` counts claims
 * (download or processing), so a log that keeps killing its worker reaches a ceiling.
 */
export const PartnerLogTrackerSchema = Type.Object(
  {
    id: ObjectIdStringSchema,
    partnerCode: PartnerCodeSchema,
    customerId: ObjectIdStringSchema,
    aircraftId: PartnerAircraftIdSchema,
    logId: PartnerLogIdSchema,
    fileName: Type.String({ minLength: 1, maxLength: 255 }),
    /** When the partner says the log was recorded, if it says. */
    loggedAt: Nullable(TimestampSchema),
    state: PartnerLogTrackerStateSchema,
    attempts: Type.Integer({ minimum: 0 }),
    lease: Nullable(LeaseSchema),
    contentHash: Nullable(Sha256HexSchema),
    storedFileId: Nullable(ObjectIdStringSchema),
    sizeBytes: Nullable(Type.Integer({ minimum: 0 })),
    /** When PROCESS_PARTNER_LOG was last published; a DOWNLOADED tracker without it is re-enqueued. */
    enqueuedAt: Nullable(TimestampSchema),
    error: Nullable(ErrorInfoSchema),
    /** Set when the log is SKIPPED with a recorded reason (a skip recorded without one leaves it null). */
    skip: Nullable(LogSkipSchema),
    applicationFileId: Nullable(ObjectIdStringSchema),
    /** Set by an operator: the job this log is processed for, whatever the log says. */
    matchOverride: Nullable(LogMatchOverrideSchema),
    downloadedAt: Nullable(TimestampSchema),
    processedAt: Nullable(TimestampSchema),
    /**
     * When the retention policy removed the raw log (`storedFileId` is then null). The tracker,
     * its content hash and the application record stay; processing it again needs a new download.
     */
    rawLogRemovedAt: Nullable(TimestampSchema),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type PartnerLogTracker = Static<typeof PartnerLogTrackerSchema>;

export const PartnerLogTrackerViewSchema = PartnerLogTrackerSchema;
export type PartnerLogTrackerView = PartnerLogTracker;
