import type { LonLat } from '../geometry/geojson.types.js';
import { JobFileError, type JobFile, type JobPolygon } from './job-file.types.js';

const JOB_HEADER = /^\.JOB\s+(\d+)(?:\s+(.*))?$/i;
const VERSION = /^\.VERSION\s+(\S+)$/i;
const POLYGON_HEADER = /^\.POL\s+(\d+)(?:\s+(.*))?$/i;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

interface OpenPolygon {
  polygon: JobPolygon;
  headerLine: number;
  kindSeen: boolean;
}

/**
 * Reads a SatLoc `.JOB` text file (CRLF or LF). Unknown dot-directives and the data lines
 * after them are ignored; everything else that does not fit throws {@link JobFileError}.
 */
export function readJobFile(text: string): JobFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let header: { jobNumber: number; name: string } | null = null;
  let version: 1 | 2 = 1;
  const polygons: JobPolygon[] = [];
  let open: OpenPolygon | null = null;
  let ignoring = false;

  const close = (): void => {
    if (!open) return;
    if (!open.kindSeen) {
      throw new JobFileError('MISSING_POLYGON_KIND', open.headerLine, `.POL ${open.polygon.index} has no INC/EXC line`);
    }
    if (open.polygon.ring.length < 3) {
      throw new JobFileError(
        'TOO_FEW_VERTICES',
        open.headerLine,
        `.POL ${open.polygon.index} has ${open.polygon.ring.length} vertices, at least 3 are needed`,
      );
    }
    polygons.push(open.polygon);
    open = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim();
    if (line === '') continue;

    if (line.startsWith('.')) {
      ignoring = false;
      if (header === null) {
        const m = JOB_HEADER.exec(line);
        if (!m) {
          if (/^\.JOB\b/i.test(line)) throw new JobFileError('BAD_JOB_HEADER', lineNo, `expected ".JOB <number> <name>", got "${line}"`);
          throw new JobFileError('MISSING_JOB_HEADER', lineNo, `the file must start with ".JOB <number> <name>", got "${line}"`);
        }
        header = { jobNumber: Number(m[1]), name: (m[2] ?? '').trim() };
        if (!Number.isSafeInteger(header.jobNumber)) throw new JobFileError('BAD_JOB_HEADER', lineNo, `job number ${m[1]} is too large`);
        continue;
      }
      if (/^\.JOB\b/i.test(line)) throw new JobFileError('BAD_JOB_HEADER', lineNo, 'a second .JOB line');
      if (/^\.VERSION\b/i.test(line)) {
        const m = VERSION.exec(line);
        if (!m || (m[1] !== '1' && m[1] !== '2')) throw new JobFileError('BAD_VERSION', lineNo, `expected ".VERSION 1" or ".VERSION 2", got "${line}"`);
        version = m[1] === '1' ? 1 : 2;
        continue;
      }
      if (/^\.POL\b/i.test(line)) {
        close();
        const m = POLYGON_HEADER.exec(line);
        if (!m) throw new JobFileError('BAD_POLYGON_HEADER', lineNo, `expected ".POL <n> <label>", got "${line}"`);
        const index = Number(m[1]);
        if (!Number.isSafeInteger(index)) throw new JobFileError('BAD_POLYGON_HEADER', lineNo, `polygon number ${m[1]} is too large`);
        open = { polygon: { index, label: (m[2] ?? '').trim(), kind: 'INC', ring: [] }, headerLine: lineNo, kindSeen: false };
        continue;
      }
      // Unknown directive (other SatLoc objects): skip it and its data lines.
      close();
      ignoring = true;
      continue;
    }

    if (header === null) throw new JobFileError('MISSING_JOB_HEADER', lineNo, `the file must start with ".JOB <number> <name>", got "${line}"`);
    if (ignoring) continue;
    const polygon: OpenPolygon | null = open;
    if (polygon === null) throw new JobFileError('DATA_OUTSIDE_POLYGON', lineNo, `"${line}" is not inside a .POL section`);

    const upper = line.toUpperCase();
    if (upper === 'INC' || upper === 'EXC') {
      if (polygon.kindSeen || polygon.polygon.ring.length > 0) {
        throw new JobFileError('MISSING_POLYGON_KIND', lineNo, `${upper} must come once, right after .POL`);
      }
      polygon.polygon.kind = upper;
      polygon.kindSeen = true;
      continue;
    }
    if (!polygon.kindSeen) throw new JobFileError('MISSING_POLYGON_KIND', lineNo, `expected INC or EXC after .POL, got "${line}"`);
    polygon.polygon.ring.push(parseLatLon(line, lineNo));
  }
  close();
  if (header === null) throw new JobFileError('MISSING_JOB_HEADER', 0, 'no .JOB line');
  return { jobNumber: header.jobNumber, name: header.name, version, polygons };
}

function parseLatLon(line: string, lineNo: number): LonLat {
  const parts = line.split(/[\s,;]+/).filter((p) => p !== '');
  if (parts.length !== 2 || !NUMBER.test(parts[0]) || !NUMBER.test(parts[1])) {
    throw new JobFileError('BAD_COORDINATE', lineNo, `expected "lat lon", got "${line}"`);
  }
  const lat = Number(parts[0]);
  const lon = Number(parts[1]);
  if (!(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)) {
    throw new JobFileError('COORDINATE_OUT_OF_RANGE', lineNo, `latitude ${parts[0]} / longitude ${parts[1]} out of range`);
  }
  return [lon, lat];
}
