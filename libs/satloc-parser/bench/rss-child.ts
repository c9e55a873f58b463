import { createReadStream } from 'node:fs';
import { decodeFlightLog } from '../src/index.js';
import { FieldReader } from './consume.js';

/** Child process of run.ts: streams one file through the decoder and reports its peak RSS. */
const path = process.argv[2];
const chunkBytes = Number(process.argv[3] ?? 65536);
const baselineRssMb = process.resourceUsage().maxRSS / 1024;
let sampledPeakMb = 0;
const timer = setInterval(() => {
  sampledPeakMb = Math.max(sampledPeakMb, process.memoryUsage.rss() / 1048576);
}, 50);
const reader = new FieldReader();
const started = performance.now();
const decoding = decodeFlightLog(createReadStream(path, { highWaterMark: chunkBytes }));
for await (const batch of decoding.batches()) for (const record of batch) reader.read(record);
const seconds = (performance.now() - started) / 1000;
clearInterval(timer);
process.stdout.write(
  JSON.stringify({
    baselineRssMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    sampledPeakMb,
    seconds,
    records: reader.count,
    stats: { ...decoding.stats, corruptOffsets: decoding.stats.corruptOffsets.length },
  }),
);
