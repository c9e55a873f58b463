import { JobFileError, type JobFile } from './job-file.types.js';

const EOL = '\r\n';

/**
 * Writes a `.JOB` file: CRLF line endings (SatLoc tools run on Windows), coordinates as
 * `lat lon` with 6 decimals, polygons in the order given. The same job always gives the same text.
 */
export function writeJobFile(job: JobFile): string {
  if (!Number.isSafeInteger(job.jobNumber) || job.jobNumber < 0) {
    throw new JobFileError('INVALID_JOB', 0, `job number must be a non-negative integer, got ${job.jobNumber}`);
  }
  if (job.version !== 1 && job.version !== 2) throw new JobFileError('INVALID_JOB', 0, `version must be 1 or 2, got ${String(job.version)}`);
  const name = singleLine(job.name);
  const out: string[] = [name === '' ? `.JOB ${job.jobNumber}` : `.JOB ${job.jobNumber} ${name}`, `.VERSION ${job.version}`];
  for (const polygon of job.polygons) {
    if (!Number.isSafeInteger(polygon.index) || polygon.index < 0) {
      throw new JobFileError('INVALID_JOB', 0, `polygon number must be a non-negative integer, got ${polygon.index}`);
    }
    const ring = openRing(polygon.ring);
    if (ring.length < 3) throw new JobFileError('INVALID_JOB', 0, `.POL ${polygon.index} has fewer than 3 distinct vertices`);
    const label = singleLine(polygon.label);
    out.push(label === '' ? `.POL ${polygon.index}` : `.POL ${polygon.index} ${label}`);
    out.push(polygon.kind === 'EXC' ? 'EXC' : 'INC');
    for (const [lon, lat] of ring) {
      if (!(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)) {
        throw new JobFileError('INVALID_JOB', 0, `.POL ${polygon.index}: coordinate [${lon}, ${lat}] out of range`);
      }
      out.push(`${fixed6(lat)} ${fixed6(lon)}`);
    }
  }
  return out.join(EOL) + EOL;
}

function singleLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').trim();
}

function fixed6(value: number): string {
  const text = value.toFixed(6);
  return text === '-0.000000' ? '0.000000' : text;
}

/** Drops a closing vertex equal to the first one (GeoJSON rings are closed, .JOB rings are not). */
function openRing<T extends readonly number[]>(ring: readonly T[]): readonly T[] {
  if (ring.length > 1) {
    const first = ring[0];
    const last = ring[ring.length - 1];
    if (first[0] === last[0] && first[1] === last[1]) return ring.slice(0, -1);
  }
  return ring;
}
