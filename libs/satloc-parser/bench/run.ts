/**
 * Decoder benchmark. Generates its files in the OS temp dir, then on the same ~100 MB log:
 *   ours            FlightLogStreamDecoder, 1 MiB chunks, a consumer reading every field;
 *   binary-parser   the same records through binary-parser (per record, and per chunk);
 *   validate-only   walk records by length and verify each CRC, decode nothing (the floor);
 * both CRC routines (table vs zlib.crc32) in the validate-only pass; and, in a child
 * process, a 1 GiB log streamed from disk with its peak RSS.
 * Usage: npm run bench [-- --mb 100 --gib 1 --runs 3 --keep]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, FlightLogStreamDecoder } from '../src/index.js';
import { recordParser, recordsParser } from './binary-parser.definition.js';
import { FieldReader, readParsed } from './consume.js';
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

/** Frame walker shared by the baselines: calls `onRecord(data, offset, size)` for each whole record, keeps the partial tail. */
function walkRecords(path: string, onRecord: (data: Buffer, offset: number, size: number) => void, onChunkEnd?: (data: Buffer, end: number) => void): void {
  let carry: Buffer | null = null;
  let first = true;
  eachChunk(path, (chunk) => {
    let data = carry ? Buffer.concat([carry, chunk]) : chunk;
    let o = 0;
    if (first) {
      o = PREAMBLE;
      first = false;
    }
    while (data.length - o >= 6) {
      const size = 10 + (data[o + 4] | (data[o + 5] << 8));
      if (data.length - o < size) break;
      onRecord(data, o, size);
      o += size;
    }
    onChunkEnd?.(data, o);
    carry = o < data.length ? Buffer.from(data.subarray(o)) : null;
    data = Buffer.alloc(0);
  });
}

interface Result {
  name: string;
  seconds: number;
  records: number;
}

function time(name: string, fn: () => number): Result {
  let best = Infinity;
  let records = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    records = fn();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return { name, seconds: best, records };
}

function validateOnly(crc: (d: Buffer, start: number, end: number) => number): () => number {
  return () => {
    let n = 0;
    let bad = 0;
    walkRecords(file, (d, o, size) => {
      const end = o + size - 4;
      if (crc(d, o + 2, end) !== d.readUInt32LE(end)) bad++;
      n++;
    });
    if (bad > 0) throw new Error(`${bad} CRC mismatches`);
    return n;
  };
}

function main(): void {
  process.stdout.write(`Generating ${sizeMb} MB log in ${dir} …\n`);
  const gen = generateLongLog(file, sizeMb * 1e6);
  const bytes = statSync(file).size;
  process.stdout.write(`  ${bytes} bytes, ${gen.records} records (avg ${(bytes / gen.records).toFixed(1)} B/record)\n\n`);

  const results: Result[] = [];
  results.push(
    time('ours: FlightLogStreamDecoder', () => {
      const reader = new FieldReader();
      const decoder = new FlightLogStreamDecoder();
      const consume = (r: Parameters<FieldReader['read']>[0]): void => reader.read(r);
      eachChunk(file, (chunk) => decoder.push(chunk, consume));
      const stats = decoder.finish(consume);
      if (stats.recordsCorrupt > 0 || stats.truncatedTail) throw new Error('unexpected damage');
      return stats.recordsRead;
    }),
  );
  results.push(
    time('binary-parser, per record (+ same CRC)', () => {
      const reader = new FieldReader();
      walkRecords(file, (d, o, size) => {
        const end = o + size - 4;
        if (crc32(d, o + 2, end) !== d.readUInt32LE(end)) throw new Error('crc');
        readParsed(reader, recordParser.parse(d.subarray(o, o + size)));
      });
      return reader.count;
    }),
  );
  results.push(
    time('binary-parser, per chunk array (+ same CRC)', () => {
      const reader = new FieldReader();
      let chunkStart = -1;
      walkRecords(
        file,
        (d, o, size) => {
          if (chunkStart < 0) chunkStart = o;
          const end = o + size - 4;
          if (crc32(d, o + 2, end) !== d.readUInt32LE(end)) throw new Error('crc');
        },
        (d, end) => {
          if (chunkStart >= 0) for (const rec of recordsParser.parse(d.subarray(chunkStart, end)).records) readParsed(reader, rec);
          chunkStart = -1;
        },
      );
      return reader.count;
    }),
  );
  results.push(time('validate-only (table CRC-32)', validateOnly((d, s, e) => crc32(d, s, e))));
  results.push(time('validate-only (zlib.crc32)', validateOnly((d, s, e) => zlibCrc32(d.subarray(s, e)))));

  const mbps = (r: Result): number => bytes / 1e6 / r.seconds;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |\n`;
  let table = line(['pass', 'MB/s', 'records/s', 'best of ' + runs + ' (s)']) + line(['---', '---:', '---:', '---:']);
  for (const r of results) table += line([r.name, mbps(r).toFixed(0), (r.records / r.seconds / 1e6).toFixed(2) + ' M', r.seconds.toFixed(3)]);
  const ours = results[0];
  const bp = results[1].seconds < results[2].seconds ? results[1] : results[2];
  const floor = results[3];
  table += `\nours / binary-parser (faster mode: ${bp.name}): ${(mbps(ours) / mbps(bp)).toFixed(1)}×   (goal ≥ 5×)\n`;
  table += `ours / validate-only (table CRC): ${((mbps(ours) / mbps(floor)) * 100).toFixed(0)} %   (goal ≥ 80 %)\n`;
  table += `table CRC vs zlib.crc32 on these records: ${(mbps(results[3]) / mbps(results[4])).toFixed(1)}× faster\n`;
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
