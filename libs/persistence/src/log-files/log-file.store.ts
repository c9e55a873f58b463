import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PartnerCode } from '@agair/domain-models';
import { GridFSBucket, ObjectId, type Collection, type Db, type GridFSFile } from 'mongodb';
import { isDuplicateKeyError } from '../infrastructure/mongo-errors.js';
import { fromObjectId, toObjectId } from '../infrastructure/object-id.mapper.js';
import { toIso } from '../infrastructure/timestamp.mapper.js';
import { LOG_FILES_BUCKET, LOG_FILES_CHUNKS_COLLECTION, LOG_FILES_FILES_COLLECTION } from './log-file.indexes.js';

/** Where a file first came from; later identical uploads do not change it. */
export interface LogFileOrigin {
  fileName: string;
  partnerCode: PartnerCode;
  customerId: string;
  logId?: string | null;
}

export interface StoredLogFileInfo {
  storedFileId: string;
  /** SHA-256 of the bytes, lower-case hex. */
  contentHash: string;
  sizeBytes: number;
  fileName: string;
  uploadedAt: string;
}

interface LogFileMetadata {
  contentHash: string;
  partnerCode: PartnerCode;
  customerId: ObjectId;
  logId: string | null;
}

/**
 * Downloaded flight logs in GridFS, keyed by customer and content hash: storing bytes the
 * customer already has returns the existing file (`created: false`). A unique index on
 * (customer, hash) settles concurrent uploads of the same bytes; the loser's chunks are removed.
 */
export class LogFileStore {
  private readonly bucket: GridFSBucket;
  private readonly chunks: Collection;
  private readonly files: Collection;

  constructor(db: Db) {
    this.bucket = new GridFSBucket(db, { bucketName: LOG_FILES_BUCKET });
    this.chunks = db.collection(LOG_FILES_CHUNKS_COLLECTION);
    this.files = db.collection(LOG_FILES_FILES_COLLECTION);
  }

  /** `storeStream` for bytes already in memory (manual uploads, tests). */
  async store(bytes: Uint8Array, origin: LogFileOrigin): Promise<StoredLogFileInfo & { created: boolean }> {
    return this.storeStream(
      (async function* () {
        yield bytes;
      })(),
      origin,
    );
  }

  /**
   * Stores a file as it arrives, never holding it whole: each chunk is hashed and written to
   * GridFS as it comes (backpressure from the upload stream bounds what is in memory to a few
   * chunks). Same bytes stored twice keep the first file: the unique index on the hash refuses
   * the second files document and its chunks are removed. A source that fails (a download cut
   * short) leaves nothing behind and its error is thrown.
   */
  async storeStream(source: AsyncIterable<Uint8Array>, origin: LogFileOrigin): Promise<StoredLogFileInfo & { created: boolean }> {
    const id = new ObjectId();
    const hash = createHash('sha256');
    let sizeBytes = 0;
    // GridFS writes the files document (with this metadata) only when the last chunk is written,
    // so the hash is filled in once the source has ended, before that.
    const metadata: LogFileMetadata = {
      contentHash: '',
      partnerCode: origin.partnerCode,
      customerId: toObjectId(origin.customerId, 'customerId'),
      logId: origin.logId ?? null,
    };
    async function* hashed(): AsyncGenerator<Uint8Array> {
      for await (const chunk of source) {
        hash.update(chunk);
        sizeBytes += chunk.length;
        yield chunk;
      }
      metadata.contentHash = hash.digest('hex');
    }
    const upload = this.bucket.openUploadStreamWithId(id, origin.fileName, { metadata });
    try {
      await pipeline(Readable.from(hashed(), { objectMode: false, highWaterMark: 1 }), upload);
    } catch (err) {
      // The source's or the upload's error is what matters; chunks a failed clean-up leaves are unreachable.
      await this.chunks.deleteMany({ files_id: id }).catch(() => undefined);
      if (!metadata.contentHash || !isDuplicateKeyError(err)) throw err;
      const winner = await this.findByContentHash(origin.customerId, metadata.contentHash);
      if (!winner) throw err;
      return { ...winner, created: false };
    }
    const uploadedAt = upload.gridFSFile?.uploadDate ?? new Date();
    return { storedFileId: fromObjectId(id), contentHash: metadata.contentHash, sizeBytes, fileName: origin.fileName, uploadedAt: toIso(uploadedAt), created: true };
  }

  /** The customer's file with these bytes. (Files are per customer: the same bytes under two customers are two files.) */
  async findByContentHash(customerId: string, contentHash: string): Promise<StoredLogFileInfo | null> {
    const file = await this.bucket.find({ 'metadata.customerId': toObjectId(customerId, 'customerId'), 'metadata.contentHash': contentHash }).limit(1).next();
    return file && toInfo(file);
  }

  async findById(storedFileId: string): Promise<StoredLogFileInfo | null> {
    const file = await this.bucket.find({ _id: toObjectId(storedFileId, 'storedFileId') }).limit(1).next();
    return file && toInfo(file);
  }

  /** The whole file. Log files are a few MB at most; use `openDownloadStream` for streaming. */
  async read(storedFileId: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.openDownloadStream(storedFileId)) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  /**
   * Removes a file and its chunks; removing one that is not there is not an error, so a removal
   * that stopped half-way is finished by calling it again. The files document goes first: a
   * reader looking the file up finds it whole or not at all.
   */
  async remove(storedFileId: string): Promise<void> {
    const id = toObjectId(storedFileId, 'storedFileId');
    await this.files.deleteOne({ _id: id });
    await this.chunks.deleteMany({ files_id: id });
  }

  openDownloadStream(storedFileId: string): NodeJS.ReadableStream {
    return this.bucket.openDownloadStream(toObjectId(storedFileId, 'storedFileId'));
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toInfo(file: GridFSFile): StoredLogFileInfo {
  const metadata = file.metadata as LogFileMetadata;
  return {
    storedFileId: fromObjectId(file._id as ObjectId),
    contentHash: metadata.contentHash,
    sizeBytes: file.length,
    fileName: file.filename,
    uploadedAt: toIso(file.uploadDate),
  };
}
