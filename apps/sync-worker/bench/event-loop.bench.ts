/**
 * Does processing a flight log block the worker's event loop (AMQP heartbeats, /health/live)?
 * An independent 1 ms timer (a watchdog) runs the whole time and records the longest gap
 * between its ticks, minus its period: the longest block. It is started before the work and
 * keeps running through it, so a synchronous stretch of any length shows up (a histogram
 * enabled right before a synchronous call would record nothing).
 *
 * The work is what the worker does per log on its event loop, on noisy 600 ha logs:
 *   pool      the production path: identify the log (first records), statistics on a worker
 *             thread (compute-pool.ts), the result back, its BSON encoding for the write
 *   in-loop   the same measureLog called on the event loop itself (the path before the pool)
 *
 *   npm run bench -w @agair/sync-worker
 */
import { BSON } from 'mongodb';
import { decodeFlightLog, fieldShapes, simulateFlight } from '@agair/satloc-parser';
import { createComputePool } from '../src/processing/compute-pool.js';
import { measureLog, type MeasureRequest } from '../src/processing/measure-log.js';
import { slices } from '../src/processing/process-log-file.js';

const HEARTBEAT_S = 10; // AMQP_HEARTBEAT_S default; the broker gives up after two missed beats
const LOGS = 3;

function watchdog(periodMs = 1): { stop(): number } {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last - periodMs);
    last = now;
  }, periodMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(longest, performance.now() - last - periodMs);
    },
  };
}

async function identify(bytes: Buffer): Promise<void> {
  for await (const record of decodeFlightLog(slices(bytes))) if (record.type === 'gnssFix') return;
}

const flights = Array.from({ length: LOGS }, (_, i) =>
  simulateFlight({ seed: 40 + i, boundaryM: fieldShapes.rectangle(3000, 2000), gpsNoiseM: 0.1, passHeadingDeg: 17 * i, groundTruth: false }),
);
const requests: MeasureRequest[] = flights.map((f) => ({
  bytes: f.bytes,
  candidates: [{ boundary: f.field.boundary, exclusions: f.field.exclusions, targetRateLPerHa: 30 }],
  chooseByOverlap: false,
}));

const pool = createComputePool(1);
const rows: string[][] = [];
// Each way twice, interleaved, so warm-up does not favour one of them.
for (const mode of ['pool', 'in-loop', 'pool', 'in-loop'] as const) {
  for (const [i, request] of requests.entries()) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const dog = watchdog();
    const started = performance.now();
    await identify(flights[i].bytes);
    const result = mode === 'pool' ? await pool.measureLog(request) : await measureLog(request);
    if (result.outcome !== 'measured') throw new Error(`log ${i} unusable: ${result.reason}`);
    const encoded = BSON.serialize({ layers: Object.fromEntries(Object.entries(result.layers).map(([name, l]) => [name, { parts: Buffer.from(l.parts.buffer), e7: Buffer.from(l.e7.buffer) }])) });
    const elapsedMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const blockMs = dog.stop();
    rows.push([
      mode,
      `${(flights[i].totalBytes / 1e6).toFixed(2)} MB`,
      String(result.statistics.summary.passCount),
      `${(encoded.length / 1024).toFixed(0)} KiB`,
      elapsedMs.toFixed(0),
      blockMs.toFixed(1),
      `${((blockMs / (HEARTBEAT_S * 1000)) * 100).toFixed(2)} %`,
    ]);
  }
}
await pool.close();
const header = ['path', 'log (600 ha)', 'passes', 'layers BSON', 'total ms', 'longest block ms', 'of heartbeat'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
process.stdout.write(`${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
