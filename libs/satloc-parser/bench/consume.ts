import type { FlightLogRecord } from '../src/index.js';

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
