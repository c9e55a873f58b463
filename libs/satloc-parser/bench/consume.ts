import type {
  EnvironmentRecord,
  FlightLogRecord,
  FlightLogRecordVisitor,
  FlowRecord,
  GnssFixFields,
  JobHeaderRecord,
  LaserAltitudeFields,
  MarkerRecord,
  SprayStateRecord,
  SwathRecord,
} from '../src/index.js';

/** A consumer that reads every field of every record (so no decoder can skip work). */
export class FieldReader {
  sum = 0;
  count = 0;
  read(r: FlightLogRecord): void {
    this.count++;
    switch (r.type) {
      case 'gnssFix':
        this.sum += r.timeMs + r.latDeg + r.lonDeg + r.altitudeM + r.groundSpeedMps + r.headingDeg + r.fixQuality + r.satellites + (r.hdop ?? 0) + (r.differentialAgeS ?? 0);
        return;
      case 'sprayState':
        this.sum += r.timeMs + (r.boomOn ? 1 : 0) + r.sectionMask + r.sectionCount;
        return;
      case 'flow':
        this.sum += r.timeMs + r.targetRateLPerHa + r.actualRateLPerHa + r.flowLPerMin + r.pressureKPa;
        return;
      case 'environment':
        this.sum += r.timeMs + r.windSpeedMps + r.windDirectionDeg + r.temperatureC + r.humidityPct;
        return;
      case 'swath':
        this.sum += r.timeMs + r.swathWidthM;
        return;
      case 'laserAltitude':
        this.sum += r.timeMs + (r.heightAboveGroundM ?? 0);
        return;
      case 'marker':
        this.sum += r.timeMs + r.code + r.text.length;
        return;
      case 'jobHeader':
        this.sum += r.timeMs + r.targetRate + r.jobId.length + r.aircraftId.length + r.pilot.length + r.product.length + (r.rateUnit === 'L/ha' ? 0 : 1);
        return;
    }
  }
}

/** The same for binary-parser's output objects (raw time halves, payload nested). */
// binary-parser's parse() result is untyped; the field names are those of binary-parser.definition.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function readParsed(reader: FieldReader, rec: any): void {
  const p = rec.payload;
  const t = p.timeHi * 4294967296 + p.timeLo;
  reader.count++;
  switch (rec.type) {
    case 2:
      reader.sum += t + p.latDeg + p.lonDeg + p.altitudeM + p.groundSpeedMps + p.headingDeg + p.fixQuality + p.satellites + (p.hdop ?? 0) + (p.differentialAgeS ?? 0);
      return;
    case 3:
      reader.sum += t + (p.boomOn ? 1 : 0) + p.sectionMask + p.sectionCount;
      return;
    case 4:
      reader.sum += t + p.targetRateLPerHa + p.actualRateLPerHa + p.flowLPerMin + p.pressureKPa;
      return;
    case 7:
      reader.sum += t + p.windSpeedMps + p.windDirectionDeg + p.temperatureC + p.humidityPct;
      return;
    case 5:
      reader.sum += t + p.swathWidthM;
      return;
    case 6:
      reader.sum += t + (p.heightAboveGroundM ?? 0);
      return;
    case 8:
      reader.sum += t + p.code + p.text.length;
      return;
    case 1:
      reader.sum += t + p.targetRate / 100 + p.jobId.length + p.aircraftId.length + p.pilot.length + p.product.length + p.rateUnit;
      return;
  }
}

/** The same reads through the visitor API (reused records, one callback per type). */
export class FieldVisitor implements Required<FlightLogRecordVisitor> {
  sum = 0;
  count = 0;
  gnssFix(r: GnssFixFields): void {
    this.count++;
    this.sum +=
      r.timeMs + r.latDeg + r.lonDeg + r.altitudeM + r.groundSpeedMps + r.headingDeg + r.fixQuality + r.satellites +
      (Number.isNaN(r.hdop) ? 0 : r.hdop) + (Number.isNaN(r.differentialAgeS) ? 0 : r.differentialAgeS);
  }
  sprayState(r: SprayStateRecord): void {
    this.count++;
    this.sum += r.timeMs + (r.boomOn ? 1 : 0) + r.sectionMask + r.sectionCount;
  }
  flow(r: FlowRecord): void {
    this.count++;
    this.sum += r.timeMs + r.targetRateLPerHa + r.actualRateLPerHa + r.flowLPerMin + r.pressureKPa;
  }
  environment(r: EnvironmentRecord): void {
    this.count++;
    this.sum += r.timeMs + r.windSpeedMps + r.windDirectionDeg + r.temperatureC + r.humidityPct;
  }
  swath(r: SwathRecord): void {
    this.count++;
    this.sum += r.timeMs + r.swathWidthM;
  }
  laserAltitude(r: LaserAltitudeFields): void {
    this.count++;
    this.sum += r.timeMs + (Number.isNaN(r.heightAboveGroundM) ? 0 : r.heightAboveGroundM);
  }
  marker(r: MarkerRecord): void {
    this.count++;
    this.sum += r.timeMs + r.code + r.text.length;
  }
  jobHeader(r: JobHeaderRecord): void {
    this.count++;
    this.sum += r.timeMs + r.targetRate + r.jobId.length + r.aircraftId.length + r.pilot.length + r.product.length + (r.rateUnit === 'L/ha' ? 0 : 1);
  }
}

/** binary-parser without formatters: the consumer scales the stored integers (same divisions, same values). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- binary-parser's parse() result is untyped
export function readParsedRaw(reader: FieldReader, rec: any): void {
  const p = rec.payload;
  const t = p.timeHi * 4294967296 + p.timeLo;
  reader.count++;
  switch (rec.type) {
    case 2:
      reader.sum +=
        t + p.latE7 / 1e7 + p.lonE7 / 1e7 + p.altitudeMm / 1000 + p.groundSpeedCmps / 100 + p.headingCdeg / 100 + p.fixQuality + p.satellites +
        (p.hdopCenti === 0xffff ? 0 : p.hdopCenti / 100) + (p.differentialAgeDs === 0xffff ? 0 : p.differentialAgeDs / 10);
      return;
    case 3:
      reader.sum += t + (p.boomOn !== 0 ? 1 : 0) + p.sectionMask + p.sectionCount;
      return;
    case 4:
      reader.sum += t + p.targetRate / 100 + p.actualRate / 100 + p.flow / 1000 + p.pressure / 1000;
      return;
    case 7:
      reader.sum += t + p.windSpeed / 100 + p.windDirection / 100 + p.temperature / 100 + p.humidity / 100;
      return;
    case 5:
      reader.sum += t + p.swathWidthMm / 1000;
      return;
    case 6:
      reader.sum += t + (p.heightMm === 0xffffffff ? 0 : p.heightMm / 1000);
      return;
    case 8:
      reader.sum += t + p.code + p.text.length;
      return;
    case 1:
      reader.sum += t + p.targetRate / 100 + p.jobId.length + p.aircraftId.length + p.pilot.length + p.product.length + p.rateUnit;
      return;
  }
}
