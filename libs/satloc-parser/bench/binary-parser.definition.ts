import { Parser } from 'binary-parser';

/**
 * The open flight-log record (FORMAT.md) described for the `binary-parser` package, producing
 * the same decoded values as our decoder (scaled by formatters). Job header and marker are
 * included for completeness.
 */
const time = (p: Parser): Parser => p.uint32le('timeLo').int32le('timeHi');

const gnssFix = time(new Parser())
  .int32le('latDeg', { formatter: (v: number) => v / 1e7 })
  .int32le('lonDeg', { formatter: (v: number) => v / 1e7 })
  .int32le('altitudeM', { formatter: (v: number) => v / 1000 })
  .uint16le('groundSpeedMps', { formatter: (v: number) => v / 100 })
  .uint16le('headingDeg', { formatter: (v: number) => v / 100 })
  .uint8('fixQuality')
  .uint8('satellites')
  .uint16le('hdop', { formatter: (v: number) => (v === 0xffff ? null : v / 100) })
  .uint16le('differentialAgeS', { formatter: (v: number) => (v === 0xffff ? null : v / 10) })
  .uint16le('reserved');

const sprayState = time(new Parser()).uint32le('sectionMask').uint8('boomOn', { formatter: (v: number) => v !== 0 }).uint8('sectionCount').uint16le('reserved');

const flow = time(new Parser())
  .uint32le('targetRateLPerHa', { formatter: (v: number) => v / 100 })
  .uint32le('actualRateLPerHa', { formatter: (v: number) => v / 100 })
  .uint32le('flowLPerMin', { formatter: (v: number) => v / 1000 })
  .uint32le('pressureKPa', { formatter: (v: number) => v / 1000 });

const swath = time(new Parser()).uint32le('swathWidthM', { formatter: (v: number) => v / 1000 });
const laserAltitude = time(new Parser()).uint32le('heightAboveGroundM', { formatter: (v: number) => (v === 0xffffffff ? null : v / 1000) });
const environment = time(new Parser())
  .uint16le('windSpeedMps', { formatter: (v: number) => v / 100 })
  .uint16le('windDirectionDeg', { formatter: (v: number) => v / 100 })
  .int16le('temperatureC', { formatter: (v: number) => v / 100 })
  .uint16le('humidityPct', { formatter: (v: number) => v / 100 });
const marker = time(new Parser()).uint16le('code').uint16le('textLength').string('text', { length: 'textLength', encoding: 'utf8' });
const shortString = (p: Parser, name: string): Parser => p.uint8(`${name}Length`).string(name, { length: `${name}Length`, encoding: 'utf8' });
const jobHeader = shortString(
  shortString(shortString(shortString(time(new Parser()).uint32le('targetRate').uint8('rateUnit').skip(3), 'jobId'), 'aircraftId'), 'pilot'),
  'product',
);

/** One framed record: sync, type, flags, length, payload by type, CRC. */
export const recordParser = new Parser()
  .endianness('little')
  .uint16le('sync')
  .uint8('type')
  .uint8('flags')
  .uint16le('length')
  .choice('payload', {
    tag: 'type',
    choices: { 1: jobHeader, 2: gnssFix, 3: sprayState, 4: flow, 5: swath, 6: laserAltitude, 7: environment, 8: marker },
    defaultChoice: new Parser().buffer('raw', { length: 'length' }),
  })
  .uint32le('crc');

/** A run of whole records (the chunk-at-a-time mode). */
export const recordsParser = new Parser().array('records', { type: recordParser, readUntil: 'eof' });

/*
 * The same records without formatters: binary-parser returns the stored integers and the consumer
 * divides (readParsedRaw in consume.ts), so the values read are identical. binary-parser calls a
 * formatter through `Function#call` per field; this variant measures whether it is faster without.
 */
const gnssFixRaw = time(new Parser())
  .int32le('latE7')
  .int32le('lonE7')
  .int32le('altitudeMm')
  .uint16le('groundSpeedCmps')
  .uint16le('headingCdeg')
  .uint8('fixQuality')
  .uint8('satellites')
  .uint16le('hdopCenti')
  .uint16le('differentialAgeDs')
  .uint16le('reserved');
const sprayStateRaw = time(new Parser()).uint32le('sectionMask').uint8('boomOn').uint8('sectionCount').uint16le('reserved');
const flowRaw = time(new Parser()).uint32le('targetRate').uint32le('actualRate').uint32le('flow').uint32le('pressure');
const swathRaw = time(new Parser()).uint32le('swathWidthMm');
const laserAltitudeRaw = time(new Parser()).uint32le('heightMm');
const environmentRaw = time(new Parser()).uint16le('windSpeed').uint16le('windDirection').int16le('temperature').uint16le('humidity');

export const recordParserRaw = new Parser()
  .endianness('little')
  .uint16le('sync')
  .uint8('type')
  .uint8('flags')
  .uint16le('length')
  .choice('payload', {
    tag: 'type',
    choices: { 1: jobHeader, 2: gnssFixRaw, 3: sprayStateRaw, 4: flowRaw, 5: swathRaw, 6: laserAltitudeRaw, 7: environmentRaw, 8: marker },
    defaultChoice: new Parser().buffer('raw', { length: 'length' }),
  })
  .uint32le('crc');

export const recordsParserRaw = new Parser().array('records', { type: recordParserRaw, readUntil: 'eof' });
