import type { FlightLogRecord } from './flight-log.records.js';

/** One record of every type, with values exactly representable at the format's resolution. Shared by specs. */
export const SAMPLE_RECORDS: FlightLogRecord[] = [
  { type: 'jobHeader', timeMs: 1_750_000_000_000, jobId: 'J-4711', aircraftId: 'N123AG', pilot: 'Zoë Müller', product: 'Fungicide X', targetRate: 30, rateUnit: 'L/ha' },
  { type: 'swath', timeMs: 1_750_000_000_000, swathWidthM: 21.336 },
  {
    type: 'gnssFix',
    timeMs: 1_750_000_000_123,
    latDeg: -33.8688197,
    lonDeg: 151.2092955,
    altitudeM: 45.678,
    groundSpeedMps: 55.5,
    headingDeg: 359.99,
    fixQuality: 4,
    satellites: 17,
    hdop: 0.8,
    differentialAgeS: 1.2,
  },
  { type: 'gnssFix', timeMs: 1_750_000_000_323, latDeg: 0, lonDeg: -179.9999999, altitudeM: -12, groundSpeedMps: 0, headingDeg: 0, fixQuality: 0, satellites: 0, hdop: null, differentialAgeS: null },
  { type: 'sprayState', timeMs: 1_750_000_000_400, boomOn: true, sectionMask: 0xffffffff, sectionCount: 32 },
  { type: 'flow', timeMs: 1_750_000_000_400, targetRateLPerHa: 30, actualRateLPerHa: 29.87, flowLPerMin: 213.456, pressureKPa: 310.5 },
  { type: 'laserAltitude', timeMs: 1_750_000_000_450, heightAboveGroundM: 3.25 },
  { type: 'laserAltitude', timeMs: 1_750_000_000_460, heightAboveGroundM: null },
  { type: 'environment', timeMs: 1_750_000_000_500, windSpeedMps: 3.4, windDirectionDeg: 270.5, temperatureC: -4.25, humidityPct: 65.5 },
  { type: 'marker', timeMs: 1_750_000_000_600, code: 4, text: 'power line ⚡' },
  { type: 'sprayState', timeMs: 1_750_000_001_000, boomOn: false, sectionMask: 0, sectionCount: 0 },
];
