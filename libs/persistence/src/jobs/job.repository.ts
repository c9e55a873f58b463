import { assertValidGeometry, type DisplayUnits, type Job, type JobCreate, type JobUpdate } from '@agair/domain-models';
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import {
  boundingBoxOf,
  fromStoredArea,
  fromStoredPolygon,
  toStoredArea,
  toStoredPolygon,
  type BoundingBox,
  type StoredAreaGeometry,
  type StoredPolygon,
} from '../geometry/geometry.mapper.js';
import { fromObjectId, toObjectId } from '../infrastructure/object-id.mapper.js';
import { systemClock, toIso, type Clock } from '../infrastructure/timestamp.mapper.js';
import { JOBS_COLLECTION } from './job.indexes.js';

export interface JobDocument {
  _id: ObjectId;
  customerId: ObjectId;
  name: string;
  boundary: StoredAreaGeometry;
  boundaryBox: BoundingBox;
  exclusions: StoredPolygon[];
  productName: string;
  targetRateLPerHa: number;
  units: DisplayUnits;
  notes: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Spray jobs. Callers speak GeoJSON; the documents hold the storable geometry form (see
 * geometry.mapper.ts) and a bounding box. Every read is scoped to a customer.
 */
export class JobRepository {
  private readonly jobs: Collection<JobDocument>;

  constructor(db: Db, private readonly clock: Clock = systemClock) {
    this.jobs = db.collection<JobDocument>(JOBS_COLLECTION);
  }

  /** Throws `InvalidGeometryError` for an unclosed ring or a coordinate that cannot be stored. */
  async create(input: JobCreate): Promise<Job> {
    assertValidGeometry(input.boundary, '/boundary');
    (input.exclusions ?? []).forEach((exclusion, i) => assertValidGeometry(exclusion, `/exclusions/${i}`));
    const now = this.clock();
    const doc: JobDocument = {
      _id: new ObjectId(),
      customerId: toObjectId(input.customerId, 'customerId'),
      name: input.name,
      boundary: toStoredArea(input.boundary, '/boundary'),
      boundaryBox: boundingBoxOf(input.boundary),
      exclusions: (input.exclusions ?? []).map((exclusion, i) => toStoredPolygon(exclusion, `/exclusions/${i}`)),
      productName: input.productName,
      targetRateLPerHa: input.targetRateLPerHa,
      units: input.units,
      notes: input.notes ?? '',
      active: true,
      createdAt: now,
      updatedAt: now,
    };
    await this.jobs.insertOne(doc);
    return toJob(doc);
  }

  async findById(customerId: string, jobId: string): Promise<Job | null> {
    const doc = await this.jobs.findOne({ _id: toObjectId(jobId, 'jobId'), customerId: toObjectId(customerId, 'customerId') });
    return doc && toJob(doc);
  }

  /** The customer that owns a job (for admin and service callers that address a job by id alone). */
  async customerOf(jobId: string): Promise<string | null> {
    const doc = await this.jobs.findOne({ _id: toObjectId(jobId, 'jobId') }, { projection: { customerId: 1 } });
    return doc ? fromObjectId(doc.customerId) : null;
  }

  async findByIds(customerId: string, jobIds: readonly string[]): Promise<Job[]> {
    if (jobIds.length === 0) return [];
    const docs = await this.jobs
      .find({ _id: { $in: jobIds.map((id) => toObjectId(id, 'jobId')) }, customerId: toObjectId(customerId, 'customerId') })
      .toArray();
    return docs.map(toJob);
  }

  async listByCustomer(customerId: string, options: { includeInactive?: boolean; limit?: number; skip?: number } = {}): Promise<Job[]> {
    const filter: Filter<JobDocument> = { customerId: toObjectId(customerId, 'customerId') };
    if (!options.includeInactive) filter.active = true;
    const docs = await this.jobs.find(filter).sort({ createdAt: -1, _id: -1 }).skip(options.skip ?? 0).limit(options.limit ?? 100).toArray();
    return docs.map(toJob);
  }

  /** Active jobs whose boundary box overlaps `box`: a coarse filter before an exact geometry test. */
  async listIntersectingBox(customerId: string, box: BoundingBox, options: { limit?: number } = {}): Promise<Job[]> {
    const docs = await this.jobs
      .find({
        customerId: toObjectId(customerId, 'customerId'),
        active: true,
        'boundaryBox.minLon': { $lte: box.maxLon },
        'boundaryBox.maxLon': { $gte: box.minLon },
        'boundaryBox.minLat': { $lte: box.maxLat },
        'boundaryBox.maxLat': { $gte: box.minLat },
      })
      .limit(options.limit ?? 100)
      .toArray();
    return docs.map(toJob);
  }

  /** Null when the customer has no such job. */
  async update(customerId: string, jobId: string, patch: JobUpdate): Promise<Job | null> {
    const set: Partial<JobDocument> = { updatedAt: this.clock() };
    if (patch.boundary !== undefined) {
      assertValidGeometry(patch.boundary, '/boundary');
      set.boundary = toStoredArea(patch.boundary, '/boundary');
      set.boundaryBox = boundingBoxOf(patch.boundary);
    }
    if (patch.exclusions !== undefined) {
      patch.exclusions.forEach((exclusion, i) => assertValidGeometry(exclusion, `/exclusions/${i}`));
      set.exclusions = patch.exclusions.map((exclusion, i) => toStoredPolygon(exclusion, `/exclusions/${i}`));
    }
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.productName !== undefined) set.productName = patch.productName;
    if (patch.targetRateLPerHa !== undefined) set.targetRateLPerHa = patch.targetRateLPerHa;
    if (patch.units !== undefined) set.units = patch.units;
    if (patch.notes !== undefined) set.notes = patch.notes;
    if (patch.active !== undefined) set.active = patch.active;
    const doc = await this.jobs.findOneAndUpdate(
      { _id: toObjectId(jobId, 'jobId'), customerId: toObjectId(customerId, 'customerId') },
      { $set: set },
      { returnDocument: 'after' },
    );
    return doc && toJob(doc);
  }

  async deactivate(customerId: string, jobId: string): Promise<Job | null> {
    return this.update(customerId, jobId, { active: false });
  }
}

export function toJob(doc: JobDocument): Job {
  return {
    id: fromObjectId(doc._id),
    customerId: fromObjectId(doc.customerId),
    name: doc.name,
    boundary: fromStoredArea(doc.boundary),
    exclusions: doc.exclusions.map(fromStoredPolygon),
    productName: doc.productName,
    targetRateLPerHa: doc.targetRateLPerHa,
    units: doc.units,
    notes: doc.notes,
    active: doc.active,
    createdAt: toIso(doc.createdAt),
    updatedAt: toIso(doc.updatedAt),
  };
}
