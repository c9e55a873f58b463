import type { LonLat } from '../geometry/geojson.types.js';

export type JobPolygonKind = 'INC' | 'EXC';

export interface JobPolygon {
  /** The number after `.POL`. */
  index: number;
  label: string;
  /** INC = area to treat, EXC = exclusion zone. */
  kind: JobPolygonKind;
  /** Open ring (first vertex not repeated), GeoJSON order [lon, lat]. */
  ring: LonLat[];
}

export interface JobFile {
  jobNumber: number;
  name: string;
  version: 1 | 2;
  polygons: JobPolygon[];
}

export type JobFileErrorCode =
  | 'MISSING_JOB_HEADER'
  | 'BAD_JOB_HEADER'
  | 'BAD_VERSION'
  | 'BAD_POLYGON_HEADER'
  | 'MISSING_POLYGON_KIND'
  | 'BAD_COORDINATE'
  | 'COORDINATE_OUT_OF_RANGE'
  | 'TOO_FEW_VERTICES'
  | 'DATA_OUTSIDE_POLYGON'
  | 'INVALID_JOB';

/** A malformed `.JOB` file; `line` is 1-based (0 when the problem is not on one line). */
export class JobFileError extends Error {
  override readonly name = 'JobFileError';
  constructor(
    readonly code: JobFileErrorCode,
    readonly line: number,
    message: string,
  ) {
    super(line > 0 ? `.JOB line ${line}: ${message}` : `.JOB: ${message}`);
  }
}
