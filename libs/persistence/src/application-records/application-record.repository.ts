import {
  COVERAGE_LAYERS,
  type ApplicationDetail,
  type ApplicationFile,
  type ApplicationLayers,
  type ApplicationMatch,
  type ApplicationPass,
  type ApplicationSummary,
  type CoverageLayerName,
  type DecoderInfo,
  type JobApplicationRecord,
  type PackedArea,
  type PackedLayers,
  type SwathSet,
  unpackLayers,
  type PartnerCode,
  type ProcessingStage,
  type RecordCounts,
  type WeatherSample,
} from '@agair/domain-models';
import { createHash } from 'node:crypto';
import { Binary, ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import { isDuplicateKeyError } from '../infrastructure/mongo-errors.js';
import { fromObjectId, fromObjectIdOrNull, toObjectId, toObjectIdOrNull } from '../infrastructure/object-id.mapper.js';
import { assertStorable } from '../infrastructure/storable.js';
import { systemClock, toDate, toDateOrNull, toIso, toIsoOrNull, type Clock } from '../infrastructure/timestamp.mapper.js';
import {
  APPLICATION_COVERAGES_COLLECTION,
  APPLICATION_FILES_COLLECTION,
  APPLICATION_JOB_RECORDS_COLLECTION,
  APPLICATION_PASSES_COLLECTION,
} from './application-record.indexes.js';

type WeatherSampleDocument = Omit<WeatherSample, 'time'> & { time: Date };

type SummaryDocument = Omit<ApplicationSummary, 'startTime' | 'endTime' | 'weather'> & {
  startTime: Date | null;
  endTime: Date | null;
  weather: Omit<ApplicationSummary['weather'], 'atSprayStart' | 'atSprayEnd'> & {
    atSprayStart: WeatherSampleDocument | null;
    atSprayEnd: WeatherSampleDocument | null;
  };
};

export interface ApplicationFileDocument {
  _id: ObjectId;
  partnerCode: PartnerCode;
  customerId: ObjectId;
  trackerId: ObjectId | null;
  logId: string | null;
  aircraftId: string | null;
  fileName: string;
  storedFileId: ObjectId;
  contentHash: string;
  extJobId: string | null;
  jobId: ObjectId | null;
  assignId: ObjectId | null;
  match: ApplicationMatch;
  decoder: DecoderInfo;
  records: RecordCounts;
  processing: { stage: ProcessingStage; startedAt: Date; finishedAt: Date | null; durationMs: number | null };
  summary: SummaryDocument;
  createdAt: Date;
  updatedAt: Date;
}

/** A packed layer (see PackedArea) as two binary fields. */
interface StoredPackedArea {
  parts: Binary;
  e7: Binary;
}

type StoredLayers = Record<CoverageLayerName, StoredPackedArea>;

/**
 * Swaths as two binary fields (little-endian Float64 lon/lat pairs and Uint32 ring starts):
 * a 250 ha log's ~1,300 swath vertices take 21 KB instead of an array of 2,600 BSON doubles.
 */
interface StoredSwaths {
  lonLat: Binary;
  ringStarts: Binary;
}

/** The as-applied coverage of one file: its layers (no nested arrays, see geometry.mapper) and swaths. */
export interface ApplicationCoverageDocument {
  _id: ObjectId;
  fileId: ObjectId;
  customerId: ObjectId;
  jobId: ObjectId | null;
  logId: string | null;
  layers: StoredLayers;
  swaths: StoredSwaths;
  updatedAt: Date;
}

/** What processing a log produces besides its summary and passes. */
export interface LogCoverage {
  layers: PackedLayers;
  swaths: SwathSet;
}

export interface ApplicationCoverage {
  fileId: string;
  logId: string | null;
  jobId: string | null;
  layers: ApplicationLayers;
}

/** A log's part in its job's record: the stored summary and swaths. */
export interface JobRecordInput {
  fileId: string;
  summary: ApplicationSummary;
  swaths: SwathSet;
}

export interface JobApplicationRecordDocument {
  _id: ObjectId;
  jobId: ObjectId;
  customerId: ObjectId;
  fileIds: ObjectId[];
  summary: SummaryDocument;
  layers: StoredLayers;
  computedAt: Date;
}

/** One pass inside a log's passes document. */
interface PassDocument {
  /** Derived from the file id and pass index, so reprocessing keeps it. */
  id: ObjectId;
  passIndex: number;
  startTime: Date;
  endTime: Date;
  durationS: number;
  distanceM: number;
  sprayedAreaHa: number;
  volumeL: number;
  averageRateLPerHa: number | null;
  averageSpeedMps: number;
  headingDeg: number;
  swathWidthM: number;
  /** [lon, lat]: a flat pair inside an object, which FerretDB stores. */
  startPosition: [number, number];
  endPosition: [number, number];
}

/**
 * All passes of one log in one document: writing a log costs one command whatever its pass
 * count (one document per pass cost a bulk upsert of N statements and a delete).
 */
export interface ApplicationPassesDocument {
  _id: ObjectId;
  fileId: ObjectId;
  customerId: ObjectId;
  passes: PassDocument[];
  updatedAt: Date;
}

/** An application file as the worker computed it: everything but the id and timestamps. */
export type ApplicationFileInput = Omit<ApplicationFile, 'id' | 'createdAt' | 'updatedAt'>;

export interface SavedApplicationRecord {
  file: ApplicationFile;
  /** False when a record for the same content existed and was replaced. */
  created: boolean;
  /** The job the replaced record belonged to (its job record needs recomputing too when it changed). */
  previousJobId: string | null;
  passCount: number;
}

/**
 * Application records: one `application_files` document per processed log content (unique on
 * customer and content hash), one `application_passes` document holding its passes and one
 * `application_coverages` document holding its layers and swaths (both unique on the file).
 * Saving again for the same log replaces all three, leaving no duplicates and no passes left
 * over from a longer earlier result. Each write is idempotent on its own, so a crash halfway is
 * repaired by running the same save again.
 */
export class ApplicationRecordRepository {
  private readonly files: Collection<ApplicationFileDocument>;
  private readonly passes: Collection<ApplicationPassesDocument>;
  private readonly coverages: Collection<ApplicationCoverageDocument>;
  private readonly jobRecords: Collection<JobApplicationRecordDocument>;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.jobRecords = db.collection<JobApplicationRecordDocument>(APPLICATION_JOB_RECORDS_COLLECTION);
    this.files = db.collection<ApplicationFileDocument>(APPLICATION_FILES_COLLECTION);
    this.passes = db.collection<ApplicationPassesDocument>(APPLICATION_PASSES_COLLECTION);
    this.coverages = db.collection<ApplicationCoverageDocument>(APPLICATION_COVERAGES_COLLECTION);
  }

  async saveProcessedLog(input: ApplicationFileInput, passes: readonly ApplicationPass[], coverage: LogCoverage | null = null): Promise<SavedApplicationRecord> {
    const now = this.clock();
    const fields = toFileFields(input);
    assertStorable(fields, '/file');
    const { doc, created, previousJobId } = await this.upsertFile(fields, now);

    const fileId = doc._id;
    const passDocs = passes.map((pass) => toPassDocument(fileId, pass));
    assertStorable(passDocs, '/passes');
    await this.withDuplicateRetry(() => this.passes.replaceOne({ fileId }, { fileId, customerId: doc.customerId, passes: passDocs, updatedAt: now }, { upsert: true }));
    if (coverage) {
      const stored = { layers: toStoredLayers(coverage.layers), swaths: toStoredSwaths(coverage.swaths) };
      await this.withDuplicateRetry(() =>
        this.coverages.replaceOne({ fileId }, { fileId, customerId: doc.customerId, jobId: doc.jobId, logId: doc.logId, ...stored, updatedAt: now }, { upsert: true }),
      );
    } else {
      await this.coverages.deleteOne({ fileId });
    }
    return { file: toApplicationFile(doc), created, previousJobId, passCount: passes.length };
  }

  /** The as-applied coverage layers of every file matched to a job, as GeoJSON. */
  async listCoverageByJob(customerId: string, jobId: string): Promise<ApplicationCoverage[]> {
    const docs = await this.coverages
      .find({ customerId: toObjectId(customerId, 'customerId'), jobId: toObjectId(jobId, 'jobId') }, { projection: { swaths: 0 } })
      .sort({ _id: 1 })
      .toArray();
    return docs.map((d) => ({ fileId: fromObjectId(d.fileId), logId: d.logId, jobId: d.jobId && fromObjectId(d.jobId), layers: fromStoredLayers(d.layers) }));
  }

  /** Each log of a job with its summary and swaths: what the job's record is computed from. */
  async listJobRecordInputs(customerId: string, jobId: string, limit: number): Promise<JobRecordInput[]> {
    const filter = { customerId: toObjectId(customerId, 'customerId'), jobId: toObjectId(jobId, 'jobId') };
    const [files, coverages] = await Promise.all([
      this.files.find(filter, { projection: { summary: 1 } }).sort({ _id: 1 }).limit(limit).toArray(),
      this.coverages.find(filter, { projection: { fileId: 1, swaths: 1 } }).toArray(),
    ]);
    // Coverage written before swaths were kept has none: such a log adds its volume and times, not its area.
    const swathsOf = new Map(coverages.filter((c) => c.swaths).map((c) => [c.fileId.toHexString(), fromStoredSwaths(c.swaths)]));
    const empty: SwathSet = { lonLat: new Float64Array(0), ringStarts: new Uint32Array(1) };
    return files.map((f) => ({ fileId: fromObjectId(f._id), summary: fromSummaryDocument(f.summary), swaths: swathsOf.get(f._id.toHexString()) ?? empty }));
  }

  async listFileIdsByJob(customerId: string, jobId: string, limit: number): Promise<string[]> {
    const docs = await this.files
      .find({ customerId: toObjectId(customerId, 'customerId'), jobId: toObjectId(jobId, 'jobId') }, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => fromObjectId(d._id));
  }

  /** Replaces the job's record (one per job). */
  async saveJobRecord(record: Omit<JobApplicationRecord, 'computedAt'>, layers: PackedLayers): Promise<JobApplicationRecord> {
    const now = this.clock();
    const jobId = toObjectId(record.jobId, 'jobId');
    const doc: Omit<JobApplicationRecordDocument, '_id'> = {
      jobId,
      customerId: toObjectId(record.customerId, 'customerId'),
      fileIds: record.fileIds.map((id) => toObjectId(id, 'fileId')),
      summary: toSummaryDocument(record.summary),
      layers: toStoredLayers(layers),
      computedAt: now,
    };
    assertStorable(doc, '/jobRecord');
    await this.withDuplicateRetry(() => this.jobRecords.replaceOne({ jobId }, doc, { upsert: true }));
    return { ...record, computedAt: now.toISOString() };
  }

  async deleteJobRecord(jobId: string): Promise<void> {
    await this.jobRecords.deleteOne({ jobId: toObjectId(jobId, 'jobId') });
  }

  /** The job's record without its layers (null before any of its logs was processed). */
  async findJobRecord(customerId: string, jobId: string): Promise<JobApplicationRecord | null> {
    const doc = await this.jobRecords.findOne(
      { jobId: toObjectId(jobId, 'jobId'), customerId: toObjectId(customerId, 'customerId') },
      { projection: { layers: 0 } },
    );
    return doc && toJobRecord(doc);
  }

  /** The job's record with its coverage layers. */
  async findJobCoverage(customerId: string, jobId: string): Promise<{ record: JobApplicationRecord; layers: ApplicationLayers } | null> {
    const doc = await this.jobRecords.findOne({ jobId: toObjectId(jobId, 'jobId'), customerId: toObjectId(customerId, 'customerId') });
    return doc && { record: toJobRecord(doc), layers: fromStoredLayers(doc.layers) };
  }

  /** When the newest log matched to an assignment was processed; null when none was. */
  async latestLogProcessedAt(customerId: string, assignId: string): Promise<string | null> {
    const docs = await this.files
      .find({ customerId: toObjectId(customerId, 'customerId'), assignId: toObjectId(assignId, 'assignId') }, { projection: { createdAt: 1, updatedAt: 1 } })
      .toArray();
    const latest = Math.max(...docs.map((doc) => doc.updatedAt.getTime()));
    return docs.length > 0 ? new Date(latest).toISOString() : null;
  }

  async findFileById(customerId: string, fileId: string): Promise<ApplicationFile | null> {
    const doc = await this.files.findOne({ _id: toObjectId(fileId, 'fileId'), customerId: toObjectId(customerId, 'customerId') });
    return doc && toApplicationFile(doc);
  }

  async findFileByContentHash(customerId: string, contentHash: string): Promise<ApplicationFile | null> {
    const doc = await this.files.findOne({ customerId: toObjectId(customerId, 'customerId'), contentHash });
    return doc && toApplicationFile(doc);
  }

  async listFilesByCustomer(
    customerId: string,
    options: { jobId?: string; assignId?: string; limit?: number; skip?: number } = {},
  ): Promise<ApplicationFile[]> {
    const filter: Filter<ApplicationFileDocument> = { customerId: toObjectId(customerId, 'customerId') };
    if (options.jobId) filter.jobId = toObjectId(options.jobId, 'jobId');
    if (options.assignId) filter.assignId = toObjectId(options.assignId, 'assignId');
    const docs = await this.files.find(filter).sort({ createdAt: -1, _id: -1 }).skip(options.skip ?? 0).limit(options.limit ?? 100).toArray();
    return docs.map(toApplicationFile);
  }

  /** The passes of one file, in pass order. */
  async listDetails(customerId: string, fileId: string): Promise<ApplicationDetail[]> {
    const doc = await this.passes.findOne({ fileId: toObjectId(fileId, 'fileId'), customerId: toObjectId(customerId, 'customerId') });
    if (!doc) return [];
    return doc.passes.map((pass) => toApplicationDetail(doc, pass)).sort((a, b) => a.passIndex - b.passIndex);
  }

  private async upsertFile(
    fields: Omit<ApplicationFileDocument, '_id' | 'createdAt' | 'updatedAt'>,
    now: Date,
  ): Promise<{ doc: ApplicationFileDocument; created: boolean; previousJobId: string | null }> {
    const identity = { customerId: fields.customerId, contentHash: fields.contentHash };
    const replace = async () => {
      const before = await this.files.findOneAndUpdate(identity, { $set: { ...fields, updatedAt: now } }, { returnDocument: 'before' });
      return before && { doc: { ...before, ...fields, updatedAt: now }, created: false, previousJobId: before.jobId && fromObjectId(before.jobId) };
    };
    // Insert first: a log is new far more often than it is reprocessed (one round trip, not two).
    const doc: ApplicationFileDocument = { _id: new ObjectId(), ...fields, createdAt: now, updatedAt: now };
    try {
      await this.files.insertOne(doc);
      return { doc, created: true, previousJobId: null };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // Already there (a reprocessing, or another worker with the same content): update it in place.
      const replaced = await replace();
      if (!replaced) throw err;
      return replaced;
    }
  }

  private async withDuplicateRetry<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      // Two upserts of one new (fileId, passIndex) raced; the second run finds it and replaces.
      if (isDuplicateKeyError(err)) return write();
      throw err;
    }
  }
}

function toFileFields(input: ApplicationFileInput): Omit<ApplicationFileDocument, '_id' | 'createdAt' | 'updatedAt'> {
  return {
    partnerCode: input.partnerCode,
    customerId: toObjectId(input.customerId, 'customerId'),
    trackerId: toObjectIdOrNull(input.trackerId, 'trackerId'),
    logId: input.logId,
    aircraftId: input.aircraftId,
    fileName: input.fileName,
    storedFileId: toObjectId(input.storedFileId, 'storedFileId'),
    contentHash: input.contentHash,
    extJobId: input.extJobId,
    jobId: toObjectIdOrNull(input.jobId, 'jobId'),
    assignId: toObjectIdOrNull(input.assignId, 'assignId'),
    match: { method: input.match.method, confidence: input.match.confidence },
    decoder: { format: input.decoder.format, version: input.decoder.version },
    records: { read: input.records.read, skipped: input.records.skipped, corrupt: input.records.corrupt },
    processing: {
      stage: input.processing.stage,
      startedAt: toDate(input.processing.startedAt, 'processing.startedAt'),
      finishedAt: toDateOrNull(input.processing.finishedAt, 'processing.finishedAt'),
      durationMs: input.processing.durationMs,
    },
    summary: toSummaryDocument(input.summary),
  };
}

function toSummaryDocument(s: ApplicationSummary): SummaryDocument {
  return {
    ...s,
    startTime: toDateOrNull(s.startTime, 'summary.startTime'),
    endTime: toDateOrNull(s.endTime, 'summary.endTime'),
    weather: {
      ...s.weather,
      atSprayStart: s.weather.atSprayStart && { ...s.weather.atSprayStart, time: toDate(s.weather.atSprayStart.time, 'weather.atSprayStart.time') },
      atSprayEnd: s.weather.atSprayEnd && { ...s.weather.atSprayEnd, time: toDate(s.weather.atSprayEnd.time, 'weather.atSprayEnd.time') },
    },
  };
}

function fromSummaryDocument(s: SummaryDocument): ApplicationSummary {
  return {
    ...s,
    // Records written before these fields existed read as unknown.
    skippedPctOfField: s.skippedPctOfField ?? null,
    grossSprayedAreaHa: s.grossSprayedAreaHa ?? 0,
    startTime: toIsoOrNull(s.startTime),
    endTime: toIsoOrNull(s.endTime),
    weather: { ...s.weather, atSprayStart: toWeatherSample(s.weather.atSprayStart), atSprayEnd: toWeatherSample(s.weather.atSprayEnd) },
  };
}

function toStoredLayers(layers: PackedLayers): StoredLayers {
  return Object.fromEntries(COVERAGE_LAYERS.map((name) => [name, { parts: binaryOf(layers[name].parts), e7: binaryOf(layers[name].e7) }])) as StoredLayers;
}

function fromStoredLayers(stored: StoredLayers | undefined): ApplicationLayers {
  const packedOf = (layer: StoredPackedArea | undefined): PackedArea =>
    // Coverage written before the layers were kept reads as empty layers.
    layer ? { parts: new Uint32Array(alignedCopy(layer.parts, 4)), e7: new Int32Array(alignedCopy(layer.e7, 4)) } : { parts: Uint32Array.of(0), e7: new Int32Array(0) };
  const packed = Object.fromEntries(COVERAGE_LAYERS.map((name): [CoverageLayerName, PackedArea] => [name, packedOf(stored?.[name])])) as PackedLayers;
  return unpackLayers(packed);
}

/** Typed arrays are stored as their little-endian bytes (every platform Node runs on here is little-endian). */
function binaryOf(a: Float64Array | Uint32Array | Int32Array): Binary {
  return new Binary(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

/** A Binary's bytes may sit at any offset of a shared buffer: copy them into an aligned one. */
function alignedCopy(binary: Binary, elementBytes: number): ArrayBuffer {
  const bytes = binary.buffer;
  if (bytes.byteLength % elementBytes !== 0) throw new Error('stored binary field is corrupt: its length is not a whole number of elements');
  return new Uint8Array(bytes).slice().buffer;
}

function toStoredSwaths(swaths: SwathSet): StoredSwaths {
  for (const value of swaths.lonLat) if (!Number.isFinite(value)) throw new Error('swath coordinates must be finite');
  return { lonLat: binaryOf(swaths.lonLat), ringStarts: binaryOf(swaths.ringStarts) };
}

function fromStoredSwaths(stored: StoredSwaths): SwathSet {
  return { lonLat: new Float64Array(alignedCopy(stored.lonLat, 8)), ringStarts: new Uint32Array(alignedCopy(stored.ringStarts, 4)) };
}

function toJobRecord(doc: Omit<JobApplicationRecordDocument, 'layers'>): JobApplicationRecord {
  return {
    jobId: fromObjectId(doc.jobId),
    customerId: fromObjectId(doc.customerId),
    fileIds: doc.fileIds.map(fromObjectId),
    summary: fromSummaryDocument(doc.summary),
    computedAt: toIso(doc.computedAt),
  };
}

function toPassDocument(fileId: ObjectId, pass: ApplicationPass): PassDocument {
  const { startTime, endTime, startPosition, endPosition, ...figures } = pass;
  return {
    id: passId(fileId, pass.passIndex),
    ...figures,
    startTime: toDate(startTime, 'pass.startTime'),
    endTime: toDate(endTime, 'pass.endTime'),
    // + 0: FerretDB drops the sign of -0 and MongoDB keeps it; both must read back the same.
    startPosition: [startPosition[0] + 0, startPosition[1] + 0],
    endPosition: [endPosition[0] + 0, endPosition[1] + 0],
  };
}

/** A pass's id: the first 12 bytes of SHA-256(file id, pass index), stable across reprocessing. */
function passId(fileId: ObjectId, passIndex: number): ObjectId {
  return new ObjectId(createHash('sha256').update(`${fileId.toHexString()}:${passIndex}`).digest().subarray(0, 12));
}

function toWeatherSample(doc: WeatherSampleDocument | null): WeatherSample | null {
  return doc && { ...doc, time: toIso(doc.time) };
}

export function toApplicationFile(doc: ApplicationFileDocument): ApplicationFile {
  return {
    id: fromObjectId(doc._id),
    partnerCode: doc.partnerCode,
    customerId: fromObjectId(doc.customerId),
    trackerId: fromObjectIdOrNull(doc.trackerId),
    logId: doc.logId,
    aircraftId: doc.aircraftId,
    fileName: doc.fileName,
    storedFileId: fromObjectId(doc.storedFileId),
    contentHash: doc.contentHash,
    extJobId: doc.extJobId,
    jobId: fromObjectIdOrNull(doc.jobId),
    assignId: fromObjectIdOrNull(doc.assignId),
    match: { method: doc.match.method, confidence: doc.match.confidence },
    decoder: { format: doc.decoder.format, version: doc.decoder.version },
    records: { read: doc.records.read, skipped: doc.records.skipped, corrupt: doc.records.corrupt },
    processing: {
      stage: doc.processing.stage,
      startedAt: toIso(doc.processing.startedAt),
      finishedAt: toIsoOrNull(doc.processing.finishedAt),
      durationMs: doc.processing.durationMs,
    },
    summary: fromSummaryDocument(doc.summary),
    createdAt: toIso(doc.createdAt),
    updatedAt: toIso(doc.updatedAt),
  };
}

export function toApplicationDetail(doc: ApplicationPassesDocument, pass: PassDocument): ApplicationDetail {
  const { id, startTime, endTime, startPosition, endPosition, ...figures } = pass;
  return {
    id: fromObjectId(id),
    fileId: fromObjectId(doc.fileId),
    customerId: fromObjectId(doc.customerId),
    ...figures,
    startTime: toIso(startTime),
    endTime: toIso(endTime),
    startPosition: [startPosition[0], startPosition[1]],
    endPosition: [endPosition[0], endPosition[1]],
  };
}
