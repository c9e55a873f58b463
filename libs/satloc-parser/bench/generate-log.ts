import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32, fieldShapes, FLIGHT_LOG_MAGIC, simulateFlight } from '../src/index.js';

/**
 * Writes a long flight log of about `targetBytes`: one simulated flight, repeated with its
 * timestamps shifted (each record's time re-written and its CRC recomputed), so a GiB takes
 * seconds instead of re-flying the simulator thousands of times.
 */
export function generateLongLog(path: string, targetBytes: number, seed = 1): { bytes: number; records: number } {
  const sim = simulateFlight({ seed, boundaryM: fieldShapes.lShape(600, 500, 200), passHeadingDeg: 25, gpsNoiseM: 0.1, groundTruth: false });
  const preambleBytes = 16;
  const template = sim.bytes.subarray(preambleBytes);
  const offsets: number[] = [];
  for (let o = 0; o < template.length; o += 10 + template.readUInt16LE(o + 4)) offsets.push(o);
  const shiftMs = sim.plan.endTimeMs - sim.plan.startTimeMs + 60_000;
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, sim.bytes.subarray(0, preambleBytes));
    let written = preambleBytes;
    let records = 0;
    const block = Buffer.alloc(template.length);
    for (let rep = 0; written < targetBytes; rep++) {
      template.copy(block);
      for (const o of offsets) {
        const len = block.readUInt16LE(o + 4);
        const lo = block.readUInt32LE(o + 6);
        const hi = block.readInt32LE(o + 10);
        const t = hi * 4294967296 + lo + rep * shiftMs;
        block.writeUInt32LE(t % 4294967296, o + 6);
        block.writeInt32LE(Math.floor(t / 4294967296), o + 10);
        block.writeUInt32LE(crc32(block, o + 2, o + 6 + len), o + 6 + len);
      }
      writeSync(fd, block);
      written += block.length;
      records += offsets.length;
    }
    return { bytes: written, records };
  } finally {
    closeSync(fd);
  }
}

export const MAGIC = FLIGHT_LOG_MAGIC;
