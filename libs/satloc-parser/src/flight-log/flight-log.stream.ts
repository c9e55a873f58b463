import { emptyDecodeStats, openFlightLogDecoder } from './flight-log.decoder.js';
import type {
  FlightLogChunkDecoder,
  FlightLogDecodeStats,
  FlightLogDecoderOptions,
  FlightLogFormatDecoder,
} from './flight-log.decoder.types.js';
import { FlightLogParseError } from './flight-log.error.js';
import type { FlightLogRecord } from './flight-log.records.js';

const MAX_BATCH_BYTES = 64 * 1024;

/** Decoders tried by {@link sniffFormat} when none are given. */
export const defaultFlightLogDecoders: readonly FlightLogFormatDecoder[] = [openFlightLogDecoder];

/** The decoder whose signature matches these first bytes, or null. */
export function sniffFormat(
  firstBytes: Uint8Array,
  decoders: readonly FlightLogFormatDecoder[] = defaultFlightLogDecoders,
): FlightLogFormatDecoder | null {
  for (const decoder of decoders) if (decoder.sniff(firstBytes)) return decoder;
  return null;
}

export type ChunkSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface DecodeFlightLogOptions extends FlightLogDecoderOptions {
  decoders?: readonly FlightLogFormatDecoder[];
}

/**
 * A decoding in progress. Iterate it (records one by one, or `batches()` — one array per input
 * chunk, cheaper); `stats` are final once iteration has completed. It can be iterated once.
 */
export class FlightLogDecoding implements AsyncIterable<FlightLogRecord> {
  private decoderUsed: FlightLogFormatDecoder | null = null;
  private finalStats: FlightLogDecodeStats | null = null;
  private liveStats: FlightLogDecodeStats | null = null;
  private started = false;

  constructor(
    private readonly source: ChunkSource,
    private readonly options: DecodeFlightLogOptions = {},
  ) {}

  /** Stats so far; final after iteration ends. */
  get stats(): FlightLogDecodeStats {
    return this.finalStats ?? this.liveStats ?? emptyDecodeStats();
  }

  get done(): boolean {
    return this.finalStats !== null;
  }

  get formatName(): string | null {
    return this.decoderUsed?.formatName ?? null;
  }

  async *batches(): AsyncGenerator<FlightLogRecord[], void, undefined> {
    if (this.started) throw new Error('a FlightLogDecoding can be iterated only once');
    this.started = true;
    const decoders = this.options.decoders ?? defaultFlightLogDecoders;
    const sniffBytes = Math.max(1, ...decoders.map((d) => d.sniffBytes));
    let head: Uint8Array[] = [];
    let headLength = 0;
    let chunkDecoder: FlightLogChunkDecoder | null = null;
    let batch: FlightLogRecord[] = [];
    const onRecord = (record: FlightLogRecord): void => {
      batch.push(record);
    };
    const start = (): FlightLogChunkDecoder => {
      const first = concatAll(head, headLength);
      const decoder = sniffFormat(first, decoders);
      if (decoder === null) {
        throw headLength === 0
          ? new FlightLogParseError('EMPTY_FILE', 0, 'the flight log is empty')
          : new FlightLogParseError('UNKNOWN_FORMAT', 0, 'no decoder recognises this file');
      }
      this.decoderUsed = decoder;
      const created = decoder.createChunkDecoder(this.options);
      this.liveStats = created.stats;
      created.push(first, onRecord);
      head = [];
      return created;
    };
    for await (const chunk of this.source) {
      if (!(chunk instanceof Uint8Array)) throw new FlightLogParseError('BAD_INPUT', headLength, 'chunks must be Uint8Array/Buffer');
      if (chunkDecoder === null) {
        head.push(chunk);
        headLength += chunk.length;
        if (headLength < sniffBytes) continue;
        chunkDecoder = start();
      } else {
        // Bounded batches whatever the source's chunk size: big batches outlive a scavenge,
        // get promoted, and make the heap (RSS) grow until a full GC.
        for (let o = 0; o < chunk.length; o += MAX_BATCH_BYTES) {
          chunkDecoder.push(o === 0 && chunk.length <= MAX_BATCH_BYTES ? chunk : chunk.subarray(o, o + MAX_BATCH_BYTES), onRecord);
          if (batch.length > 0) {
            const out = batch;
            batch = [];
            yield out;
          }
        }
      }
      if (batch.length > 0) {
        const out = batch;
        batch = [];
        yield out;
      }
    }
    this.finalStats = (chunkDecoder ?? start()).finish(onRecord);
    if (batch.length > 0) yield batch;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<FlightLogRecord, void, undefined> {
    for await (const batch of this.batches()) yield* batch;
  }
}

/** Decodes a stream of chunks (a file read stream, an HTTP body, an array of Buffers). */
export function decodeFlightLog(source: ChunkSource, options: DecodeFlightLogOptions = {}): FlightLogDecoding {
  return new FlightLogDecoding(source, options);
}

/** Decodes a whole file held in memory: small logs and tests. */
export function decodeFlightLogBuffer(
  bytes: Uint8Array,
  options: DecodeFlightLogOptions = {},
): { records: FlightLogRecord[]; stats: FlightLogDecodeStats; formatName: string } {
  if (bytes.length === 0) throw new FlightLogParseError('EMPTY_FILE', 0, 'the flight log is empty');
  const decoder = sniffFormat(bytes, options.decoders);
  if (decoder === null) throw new FlightLogParseError('UNKNOWN_FORMAT', 0, 'no decoder recognises this file');
  const records: FlightLogRecord[] = [];
  const onRecord = (r: FlightLogRecord): void => {
    records.push(r);
  };
  const chunkDecoder = decoder.createChunkDecoder(options);
  chunkDecoder.push(bytes, onRecord);
  const stats = chunkDecoder.finish(onRecord);
  return { records, stats, formatName: decoder.formatName };
}

function concatAll(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
