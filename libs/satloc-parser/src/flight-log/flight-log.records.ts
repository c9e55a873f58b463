/** Decoded records, in SI-ish units named in each field. Times are milliseconds since the Unix epoch (UTC). */

export type RateUnit = 'L/ha' | 'gal/ac';

export interface JobHeaderRecord {
  type: 'jobHeader';
  timeMs: number;
  jobId: string;
  aircraftId: string;
  pilot: string;
  product: string;
  /** Planned rate in `rateUnit`. */
  targetRate: number;
  rateUnit: RateUnit;
}

/** NMEA GGA fix-quality codes. */
export const FixQuality = { None: 0, Autonomous: 1, Differential: 2, Pps: 3, RtkFixed: 4, RtkFloat: 5, DeadReckoning: 6 } as const;

export interface GnssFixRecord {
  type: 'gnssFix';
  timeMs: number;
  latDeg: number;
  lonDeg: number;
  altitudeM: number;
  groundSpeedMps: number;
  /** Course over ground, degrees clockwise from true north. */
  headingDeg: number;
  fixQuality: number;
  satellites: number;
  hdop: number | null;
  differentialAgeS: number | null;
}

export interface SprayStateRecord {
  type: 'sprayState';
  timeMs: number;
  boomOn: boolean;
  /** Bit i set = section i (0 = leftmost looking forward) open. */
  sectionMask: number;
  /** 0 = the boom is not sectioned. */
  sectionCount: number;
}

export interface FlowRecord {
  type: 'flow';
  timeMs: number;
  targetRateLPerHa: number;
  actualRateLPerHa: number;
  flowLPerMin: number;
  pressureKPa: number;
}

export interface SwathRecord {
  type: 'swath';
  timeMs: number;
  swathWidthM: number;
}

export interface LaserAltitudeRecord {
  type: 'laserAltitude';
  timeMs: number;
  /** null = no laser return. */
  heightAboveGroundM: number | null;
}

export interface EnvironmentRecord {
  type: 'environment';
  timeMs: number;
  windSpeedMps: number;
  /** Direction the wind blows from, degrees clockwise from true north. */
  windDirectionDeg: number;
  temperatureC: number;
  humidityPct: number;
}

export const MarkerCode = { Other: 0, JobStart: 1, JobEnd: 2, Refill: 3, PilotMark: 4, Hazard: 5 } as const;

export interface MarkerRecord {
  type: 'marker';
  timeMs: number;
  code: number;
  text: string;
}

export type FlightLogRecord =
  | JobHeaderRecord
  | GnssFixRecord
  | SprayStateRecord
  | FlowRecord
  | SwathRecord
  | LaserAltitudeRecord
  | EnvironmentRecord
  | MarkerRecord;

export type FlightLogRecordType = FlightLogRecord['type'];

/**
 * A GNSS fix as the visitor API hands it over: an unknown HDOP or differential age is `NaN`, not
 * `null`, so the reused record keeps numeric fields and no number is allocated per record
 * (storing `null` next to numbers made the fast path about 25 % slower, bench/RESULTS.md).
 * Test with `Number.isNaN`. The object API and everything built on it carry `null`.
 */
export type GnssFixFields = Omit<GnssFixRecord, 'hdop' | 'differentialAgeS'> & {
  /** NaN = not reported. */
  hdop: number;
  /** NaN = not reported. */
  differentialAgeS: number;
};

/** A laser altitude as the visitor API hands it over: no laser return is `NaN` (see {@link GnssFixFields}). */
export type LaserAltitudeFields = Omit<LaserAltitudeRecord, 'heightAboveGroundM'> & {
  /** NaN = no laser return. */
  heightAboveGroundM: number;
};
