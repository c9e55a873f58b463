import type { FlightLogRecordVisitor, RecordConsumer } from './flight-log.decoder.types.js';
import type {
  EnvironmentRecord,
  FlowRecord,
  GnssFixFields,
  JobHeaderRecord,
  LaserAltitudeFields,
  MarkerRecord,
  RateUnit,
  SprayStateRecord,
  SwathRecord,
} from './flight-log.records.js';

// Reused records of the visitor path: one instance per type and decoder, refilled per record.
// Classes (not literals) so every instance has one stable shape; numeric fields start as
// doubles so V8 keeps them in double representation, and never hold null (a field that mixes
// null and doubles is stored tagged, and every double written to it is a new heap number).

export class GnssFixView implements GnssFixFields {
  readonly type = 'gnssFix';
  timeMs = 0.5;
  latDeg = 0.5;
  lonDeg = 0.5;
  altitudeM = 0.5;
  groundSpeedMps = 0.5;
  headingDeg = 0.5;
  fixQuality = 0;
  satellites = 0;
  hdop = NaN;
  differentialAgeS = NaN;
}

export class SprayStateView implements SprayStateRecord {
  readonly type = 'sprayState';
  timeMs = 0.5;
  boomOn = false;
  sectionMask = 0.5;
  sectionCount = 0;
}

export class FlowView implements FlowRecord {
  readonly type = 'flow';
  timeMs = 0.5;
  targetRateLPerHa = 0.5;
  actualRateLPerHa = 0.5;
  flowLPerMin = 0.5;
  pressureKPa = 0.5;
}

export class SwathView implements SwathRecord {
  readonly type = 'swath';
  timeMs = 0.5;
  swathWidthM = 0.5;
}

export class LaserAltitudeView implements LaserAltitudeFields {
  readonly type = 'laserAltitude';
  timeMs = 0.5;
  heightAboveGroundM = NaN;
}

export class EnvironmentView implements EnvironmentRecord {
  readonly type = 'environment';
  timeMs = 0.5;
  windSpeedMps = 0.5;
  windDirectionDeg = 0.5;
  temperatureC = 0.5;
  humidityPct = 0.5;
}

export class MarkerView implements MarkerRecord {
  readonly type = 'marker';
  timeMs = 0.5;
  code = 0;
  text = '';
}

export class JobHeaderView implements JobHeaderRecord {
  readonly type = 'jobHeader';
  timeMs = 0.5;
  jobId = '';
  aircraftId = '';
  pilot = '';
  product = '';
  targetRate = 0.5;
  rateUnit: RateUnit = 'L/ha';
}

/** The object-per-record API on top of the visitor path: copies each view into a fresh record. */
export class RecordObjectVisitor implements Required<FlightLogRecordVisitor> {
  constructor(readonly onRecord: RecordConsumer) {}

  jobHeader(r: Readonly<JobHeaderRecord>): void {
    this.onRecord({
      type: 'jobHeader',
      timeMs: r.timeMs,
      targetRate: r.targetRate,
      rateUnit: r.rateUnit,
      jobId: r.jobId,
      aircraftId: r.aircraftId,
      pilot: r.pilot,
      product: r.product,
    });
  }

  gnssFix(r: Readonly<GnssFixFields>): void {
    this.onRecord({
      type: 'gnssFix',
      timeMs: r.timeMs,
      latDeg: r.latDeg,
      lonDeg: r.lonDeg,
      altitudeM: r.altitudeM,
      groundSpeedMps: r.groundSpeedMps,
      headingDeg: r.headingDeg,
      fixQuality: r.fixQuality,
      satellites: r.satellites,
      hdop: nullIfNaN(r.hdop),
      differentialAgeS: nullIfNaN(r.differentialAgeS),
    });
  }

  sprayState(r: Readonly<SprayStateRecord>): void {
    this.onRecord({ type: 'sprayState', timeMs: r.timeMs, boomOn: r.boomOn, sectionMask: r.sectionMask, sectionCount: r.sectionCount });
  }

  flow(r: Readonly<FlowRecord>): void {
    this.onRecord({
      type: 'flow',
      timeMs: r.timeMs,
      targetRateLPerHa: r.targetRateLPerHa,
      actualRateLPerHa: r.actualRateLPerHa,
      flowLPerMin: r.flowLPerMin,
      pressureKPa: r.pressureKPa,
    });
  }

  swath(r: Readonly<SwathRecord>): void {
    this.onRecord({ type: 'swath', timeMs: r.timeMs, swathWidthM: r.swathWidthM });
  }

  laserAltitude(r: Readonly<LaserAltitudeFields>): void {
    this.onRecord({ type: 'laserAltitude', timeMs: r.timeMs, heightAboveGroundM: nullIfNaN(r.heightAboveGroundM) });
  }

  environment(r: Readonly<EnvironmentRecord>): void {
    this.onRecord({
      type: 'environment',
      timeMs: r.timeMs,
      windSpeedMps: r.windSpeedMps,
      windDirectionDeg: r.windDirectionDeg,
      temperatureC: r.temperatureC,
      humidityPct: r.humidityPct,
    });
  }

  marker(r: Readonly<MarkerRecord>): void {
    this.onRecord({ type: 'marker', timeMs: r.timeMs, code: r.code, text: r.text });
  }
}

const nullIfNaN = (x: number): number | null => (Number.isNaN(x) ? null : x);
