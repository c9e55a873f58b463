/**
 * Decoder benchmark. Generates its files in the OS temp dir, then on the same ~100 MB log:
 *   ours            FlightLogStreamDecoder, 1 MiB chunks, a consumer reading every field (visitor
 *                   API with reused records, and the object-per-record API);
 *   binary-parser   the same records through binary-parser (per record and per chunk, with
 *                   formatters or with the consumer scaling raw integers; the fastest is compared);
 *   validate-only   walk records by length and verify each CRC with the decoder's CRC routine,
 *                   decode nothing (the floor);
 * the other CRC routines (crc32 on bytes, zlib.crc32) in the validate-only pass; and, in a child
 * process, a 1 GiB log streamed from disk with its peak RSS.
 * Usage: npm run bench [-- --mb 100 --gib 1 --runs 3 --keep]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, crc32ViewRange, FlightLogStreamDecoder, MAX_RECORD_BYTES } from '../src/index.js';
import { recordParser, recordParserRaw, recordsParser, recordsParserRaw } from './binary-parser.definition.js';
import { FieldReader, FieldVisitor, readParsed, readParsedRaw } from './consume.js';
import { generateLongLog } from './generate-log.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const sizeMb = arg('mb', 100);
const gib = arg('gib', 1);
const runs = arg('runs', 3);
const CHUNK = 1 << 20;
const PREAMBLE = 16;

const dir = mkdtempSync(join(tmpdir(), 'satloc-bench-'));
const file = join(dir, 'bench-100mb.aglog');

/** Reads the file in 1 MiB chunks into one reused buffer (the page cache serves it; we time decoding). */
function eachChunk(path: string, fn: (chunk: Buffer) => void): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      fn(n === CHUNK ? buf : buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Frame walker shared by the baselines, with the decoder's chunk handling: records inside a chunk
 * are walked in place; a record split by a chunk border is stitched from the carried tail plus
 * the next chunk's first bytes (never the whole chunk). `range(d, view, start, stop)` walks whole
 * records starting before `stop` and returns where it stopped (an incomplete record, or ≥ stop).
 */
function walkRanges(path: string, range: (d: Uint8Array, view: DataView, start: number, stop: number) => number): void {
  let carry: Uint8Array | null = null;
  let first = true;
  eachChunk(path, (chunk) => {
    let data: Uint8Array = chunk;
    let pos = first ? PREAMBLE : 0;
    first = false;
    if (carry !== null) {
      const head = new Uint8Array(carry.length + Math.min(chunk.length, MAX_RECORD_BYTES));
      head.set(carry);
      head.set(chunk.subarray(0, head.length - carry.length), carry.length);
      const stop = range(head, new DataView(head.buffer), 0, carry.length);
      if (stop >= carry.length) {
        pos = stop - carry.length;
      } else {
        data = new Uint8Array(carry.length - stop + chunk.length);
        data.set(carry.subarray(stop));
        data.set(chunk, carry.length - stop);
      }
      carry = null;
    }
    const end = range(data, new DataView(data.buffer, data.byteOffset, data.length), pos, data.length);
    // Uint8Array#slice copies (the chunk buffer is reused by eachChunk).
    if (end < data.length) carry = Uint8Array.prototype.slice.call(data, end);
  });
}

interface Result {
  name: string;
  seconds: number;
  cpuSeconds: number;
  records: number;
}

function time(name: string, fn: () => number): Result {
  let best = Infinity;
  let bestCpu = Infinity;
  let records = 0;
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    records = fn();
    best = Math.min(best, (performance.now() - started) / 1000);
    const used = process.cpuUsage(cpu);
    bestCpu = Math.min(bestCpu, (used.user + used.system) / 1e6);
  }
  return { name, seconds: best, cpuSeconds: bestCpu, records };
}

/** The floor: walk by length, verify each CRC with `crc`, decode nothing. */
function validateOnly(crc: (d: Uint8Array, view: DataView, start: number, end: number) => number): () => number {
  return () => {
    let n = 0;
    let bad = 0;
    walkRanges(file, (d, view, start, stop) => {
      const end = d.length;
      let o = start;
      while (o < stop && end - o >= 6) {
        const crcAt = o + 6 + view.getUint16(o + 4, true);
        if (crcAt + 4 > end) break;
        if (crc(d, view, o + 2, crcAt) !== view.getUint32(crcAt, true)) bad++;
        n++;
        o = crcAt + 4;
      }
      return o;
    });
    if (bad > 0) throw new Error(`${bad} CRC mismatches`);
    return n;
  };
}

/** binary-parser on each record: CRC checked with the decoder's routine, then `parse` on the record's bytes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- binary-parser's parse() result is untyped
function binaryParserPerRecord(parser: { parse(b: Uint8Array): any }, read: (r: FieldReader, rec: any) => void): () => number {
  return () => {
    const reader = new FieldReader();
    walkRanges(file, (d, view, start, stop) => {
      const end = d.length;
      let o = start;
      while (o < stop && end - o >= 6) {
        const crcAt = o + 6 + view.getUint16(o + 4, true);
        if (crcAt + 4 > end) break;
        if (crc32ViewRange(view, o + 2, crcAt, 0) !== view.getUint32(crcAt, true)) throw new Error('crc');
        read(reader, parser.parse(d.subarray(o, crcAt + 4)));
        o = crcAt + 4;
      }
      return o;
    });
    return reader.count;
  };
}

/** binary-parser on each run of whole records (per chunk): CRCs checked first, then one `parse` of the run. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- binary-parser's parse() result is untyped
function binaryParserPerChunk(parser: { parse(b: Uint8Array): any }, read: (r: FieldReader, rec: any) => void): () => number {
  return () => {
    const reader = new FieldReader();
    walkRanges(file, (d, view, start, stop) => {
      const end = d.length;
      let o = start;
      while (o < stop && end - o >= 6) {
        const crcAt = o + 6 + view.getUint16(o + 4, true);
        if (crcAt + 4 > end) break;
        if (crc32ViewRange(view, o + 2, crcAt, 0) !== view.getUint32(crcAt, true)) throw new Error('crc');
        o = crcAt + 4;
      }
      if (o > start) for (const rec of parser.parse(d.subarray(start, o)).records) read(reader, rec);
      return o;
    });
    return reader.count;
  };
}

function main(): void {
  process.stdout.write(`Generating ${sizeMb} MB log in ${dir} …\n`);
  const gen = generateLongLog(file, sizeMb * 1e6);
  const bytes = statSync(file).size;
  process.stdout.write(`  ${bytes} bytes, ${gen.records} records (avg ${(bytes / gen.records).toFixed(1)} B/record)\n\n`);

  const results: Result[] = [];
  const ours = time('ours: FlightLogStreamDecoder + visitor (reused records)', () => {
    const visitor = new FieldVisitor();
    const decoder = new FlightLogStreamDecoder();
    eachChunk(file, (chunk) => decoder.push(chunk, visitor));
    const stats = decoder.finish(visitor);
    if (stats.recordsCorrupt > 0 || stats.truncatedTail || visitor.count !== stats.recordsRead) throw new Error('unexpected damage');
    return stats.recordsRead;
  });
  results.push(ours);
  results.push(
    time('ours: FlightLogStreamDecoder, one object per record', () => {
      const reader = new FieldReader();
      const decoder = new FlightLogStreamDecoder();
      const consume = (r: Parameters<FieldReader['read']>[0]): void => reader.read(r);
      eachChunk(file, (chunk) => decoder.push(chunk, consume));
      const stats = decoder.finish(consume);
      if (stats.recordsCorrupt > 0 || stats.truncatedTail) throw new Error('unexpected damage');
      return stats.recordsRead;
    }),
  );
  const bpResults = [
    time('binary-parser, per record, formatters (+ same CRC)', binaryParserPerRecord(recordParser, readParsed)),
    time('binary-parser, per record, raw ints, consumer divides (+ same CRC)', binaryParserPerRecord(recordParserRaw, readParsedRaw)),
    time('binary-parser, per chunk array, formatters (+ same CRC)', binaryParserPerChunk(recordsParser, readParsed)),
    time('binary-parser, per chunk array, raw ints, consumer divides (+ same CRC)', binaryParserPerChunk(recordsParserRaw, readParsedRaw)),
  ];
  results.push(...bpResults);
  const floor = time('validate-only (crc32ViewRange, the decoder\'s CRC)', validateOnly((_d, v, s, e) => crc32ViewRange(v, s, e, 0)));
  results.push(floor);
  results.push(time('validate-only (crc32 on bytes)', validateOnly((d, _v, s, e) => crc32(d, s, e))));
  const zlib = time('validate-only (zlib.crc32)', validateOnly((d, _v, s, e) => zlibCrc32(d.subarray(s, e))));
  results.push(zlib);

  const mbps = (r: Result): number => bytes / 1e6 / r.seconds;
  const cpuMbps = (r: Result): number => bytes / 1e6 / r.cpuSeconds;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |\n`;
  let table =
    line(['pass', 'MB/s', 'records/s', `best of ${runs} (s)`, 'MB/s per CPU-s']) + line(['---', '---:', '---:', '---:', '---:']);
  for (const r of results) {
    table += line([r.name, mbps(r).toFixed(0), (r.records / r.seconds / 1e6).toFixed(2) + ' M', r.seconds.toFixed(3), cpuMbps(r).toFixed(0)]);
  }
  const bp = bpResults.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  table += `\nours / binary-parser (fastest mode: ${bp.name}): ${(mbps(ours) / mbps(bp)).toFixed(1)}×   (goal ≥ 5×)\n`;
  table += `ours / validate-only (same CRC routine): ${((mbps(ours) / mbps(floor)) * 100).toFixed(0)} %   (goal ≥ 80 %)\n`;
  table += `crc32ViewRange vs zlib.crc32 on these records: ${(mbps(floor) / mbps(zlib)).toFixed(1)}× faster\n`;
  process.stdout.write(table + '\n');

  if (gib > 0) {
    const big = join(dir, 'bench-1gib.aglog');
    process.stdout.write(`Generating ${gib} GiB log …\n`);
    const g = generateLongLog(big, gib * 1024 ** 3, 2);
    rmSync(file);
    process.stdout.write(`  ${g.bytes} bytes, ${g.records} records. Streaming it in a child process …\n`);
    for (const chunkBytes of [64 * 1024, 1024 * 1024]) {
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--conditions=@agair/source', join(import.meta.dirname, 'rss-child.ts'), big, String(chunkBytes)],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
      const r = JSON.parse(child.stdout) as { baselineRssMb: number; peakRssMb: number; sampledPeakMb: number; seconds: number; records: number };
      process.stdout.write(
        `  read stream chunks of ${chunkBytes / 1024} KiB: ${r.records} records in ${r.seconds.toFixed(1)} s ` +
          `(${(g.bytes / 1e6 / r.seconds).toFixed(0)} MB/s from disk, decodeFlightLog + batches)\n` +
          `    peak RSS ${r.peakRssMb.toFixed(0)} MB (process.resourceUsage().maxRSS; sampled ${r.sampledPeakMb.toFixed(0)} MB; ` +
          `${r.baselineRssMb.toFixed(0)} MB before decoding, mostly the tsx loader)   (goal < 150 MB)\n`,
      );
    }
  }
  if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}

main();
