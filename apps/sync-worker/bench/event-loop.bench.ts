/**
 * Does processing a flight log starve the AMQP heartbeat? The heartbeat is answered on the event
 * loop, so what matters is the longest stretch the loop is blocked. This measures it (with
 * perf_hooks' event-loop delay histogram) while the worker's own decode + statistics path runs
 * over simulated logs of growing size, once yielding between 256 KiB slices (what the worker
 * does) and once as a single chunk, and compares it with the heartbeat interval.
 *
 *   npm run bench -w @agair/sync-worker
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fieldShapes, simulateFlight } from '@agair/satloc-parser';
import { compute } from '../src/processing/process-log-file.js';

const HEARTBEAT_S = 10; // AMQP_HEARTBEAT_S default; the broker gives up after two missed beats

const sizes: [number, number][] = [
  [500, 400],
  [1500, 1000],
  [3000, 2000],
];
const rows: string[][] = [];
for (const [widthM, heightM] of sizes) {
  const flight = simulateFlight({ seed: 3, boundaryM: fieldShapes.rectangle(widthM, heightM), swathWidthM: 18 });
  const job = { boundary: flight.field.boundary, exclusions: flight.field.exclusions, targetRateLPerHa: 30 };
  // Each way twice, interleaved, so warm-up and garbage collection do not favour one of them.
  for (const [label, sliceBytes] of [
    ['256 KiB slices (worker)', 256 * 1024],
    ['one chunk', flight.bytes.length],
    ['256 KiB slices (worker)', 256 * 1024],
    ['one chunk', flight.bytes.length],
  ] as const) {
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const started = performance.now();
    const { statistics } = await compute(flight.bytes, job, sliceBytes);
    const elapsedMs = performance.now() - started;
    // Let the histogram's timer fire once more, so a block at the very end is counted too.
    await new Promise((resolve) => setTimeout(resolve, 50));
    histogram.disable();
    const maxBlockMs = histogram.max / 1e6;
    rows.push([
      `${((widthM * heightM) / 10_000).toFixed(0)} ha`,
      `${(flight.bytes.length / 1024 / 1024).toFixed(1)} MiB`,
      String(statistics.summary.passCount),
      label,
      elapsedMs.toFixed(0),
      maxBlockMs.toFixed(0),
      `${((maxBlockMs / (HEARTBEAT_S * 1000)) * 100).toFixed(1)} %`,
    ]);
  }
}
const header = ['field', 'log', 'passes', 'input', 'total ms', 'longest block ms', 'of heartbeat'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
