import type { InjectedFaults, SimulatorFaults } from './flight-simulator.types.js';
import type { Prng } from './prng.js';

/** Damages a finished log in place of a faulty logger or transfer; reports where, for the tests to check the decoder against. */
export function injectByteFaults(
  log: Buffer,
  recordStarts: readonly number[],
  faults: SimulatorFaults,
  rng: Prng,
  unknownRecordsWritten: number,
): { bytes: Buffer; injected: InjectedFaults } {
  let bytes = log;
  const injected: InjectedFaults = { unknownRecordsWritten, corruptedRecordOffsets: [], garbageOffsets: [], truncatedAtByte: null, zeroLength: false };
  const corruptCount = Math.min(faults.corruptRecords ?? 0, Math.max(0, recordStarts.length - 2));
  const chosen = new Set<number>();
  while (chosen.size < corruptCount) chosen.add(rng.int(2, recordStarts.length - 1));
  for (const i of [...chosen].sort((a, b) => a - b)) {
    const start = recordStarts[i];
    const end = i + 1 < recordStarts.length ? recordStarts[i + 1] : bytes.length;
    const at = rng.int(start, end - 1);
    bytes[at] ^= 1 << rng.int(0, 7);
    injected.corruptedRecordOffsets.push(start);
  }
  const garbageRuns = faults.garbageRuns ?? 0;
  if (garbageRuns > 0) {
    const cuts = new Set<number>();
    while (cuts.size < Math.min(garbageRuns, recordStarts.length - 1)) cuts.add(rng.int(1, recordStarts.length - 1));
    const parts: Buffer[] = [];
    const inserted: { at: number; length: number }[] = [];
    let from = 0;
    let shift = 0;
    for (const i of [...cuts].sort((a, b) => a - b)) {
      parts.push(bytes.subarray(from, recordStarts[i]));
      const garbage = Buffer.from(new Uint8Array(rng.int(1, 200)).map(() => rng.int(0, 255)));
      garbage[0] = 0x00; // never a sync byte, so the damage starts exactly here
      injected.garbageOffsets.push(recordStarts[i] + shift);
      inserted.push({ at: recordStarts[i], length: garbage.length });
      shift += garbage.length;
      parts.push(garbage);
      from = recordStarts[i];
    }
    parts.push(bytes.subarray(from));
    injected.corruptedRecordOffsets = injected.corruptedRecordOffsets.map(
      (o) => o + inserted.filter((g) => g.at <= o).reduce((sum, g) => sum + g.length, 0),
    );
    bytes = Buffer.concat(parts);
  }
  if (faults.truncateAtFraction !== undefined) {
    const at = Math.max(0, Math.min(bytes.length, Math.floor(bytes.length * faults.truncateAtFraction)));
    bytes = bytes.subarray(0, at);
    injected.truncatedAtByte = at;
  }
  if (faults.zeroLength) {
    bytes = Buffer.alloc(0);
    injected.zeroLength = true;
  }
  return { bytes, injected };
}
