import { describe, expect, it } from 'vitest';
import {
  ApplicationDetailSchema,
  ApplicationFileSchema,
  ApplicationPassSchema,
  ApplicationSummarySchema,
  type ApplicationFile,
  type ApplicationPass,
  type ApplicationSummary,
} from './application.schema.js';
import { schemaProblems } from './validation.js';

const summary: ApplicationSummary = {
  startTime: '2024-06-10T05:31:10Z',
  endTime: '2024-06-10T06:02:44Z',
  flightTimeS: 2820,
  sprayTimeS: 1490,
  distanceFlownM: 96_400,
  sprayedDistanceM: 52_300,
  passCount: 31,
  fieldAreaHa: 64.7,
  treatedAreaHa: 63.9,
  treatedAreaAc: 157.9,
  overlapAreaHa: 2.1,
  insideBoundaryAreaHa: 63.2,
  offTargetAreaHa: 0.7,
  skippedAreaHa: 1.5,
  skippedPctOfField: 2.318,
  grossSprayedAreaHa: 66,
  volumeAppliedL: 1801.4,
  averageRateLPerHa: 28.19,
  averageRateGalPerAc: 3.01,
  targetRateLPerHa: 28,
  rateDeviationPct: 0.68,
  weather: {
    atSprayStart: { time: '2024-06-10T05:31:10Z', windSpeedMps: 2.8, windDirectionDeg: 315, temperatureC: 14.2, humidityPct: 71 },
    atSprayEnd: { time: '2024-06-10T06:02:44Z', windSpeedMps: 3.6, windDirectionDeg: 300, temperatureC: 16.9, humidityPct: 62 },
    windSpeedMps: { min: 2.1, max: 4.4, avg: 3.2 },
    windDirectionDeg: 308,
    temperatureC: { min: 14.2, max: 16.9, avg: 15.4 },
    humidityPct: { min: 62, max: 71, avg: 66.5 },
  },
};

const pass: ApplicationPass = {
  passIndex: 0,
  startTime: '2024-06-10T05:31:10Z',
  endTime: '2024-06-10T05:31:58Z',
  durationS: 48,
  distanceM: 2_150,
  sprayedAreaHa: 4.09,
  volumeL: 115.2,
  averageRateLPerHa: 28.17,
  averageSpeedMps: 44.8,
  headingDeg: 0.4,
  swathWidthM: 19,
  startPosition: [-106.6415, 52.1304],
  endPosition: [-106.6414, 52.1372],
};

const file: ApplicationFile = {
  id: '665f1c2ab3e4d5f6a7b8cb00',
  partnerCode: 'SATLOC',
  customerId: '665f1c2ab3e4d5f6a7b8c9d1',
  trackerId: '665f1c2ab3e4d5f6a7b8ca00',
  logId: '2024-06-10_0512_AC-10442',
  aircraftId: 'AC-10442',
  fileName: 'AC10442_20240610_0512.log',
  storedFileId: '665f1c2ab3e4d5f6a7b8ca01',
  contentHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  extJobId: '88123',
  jobId: '665f1c2ab3e4d5f6a7b8c9e0',
  assignId: '665f1c2ab3e4d5f6a7b8c9f0',
  match: { method: 'job_id_in_header', confidence: 1 },
  decoder: { format: 'agair-flightlog', version: '1' },
  records: { read: 11_342, skipped: 12, corrupt: 1 },
  processing: { stage: 'done', startedAt: '2024-06-10T09:00:05Z', finishedAt: '2024-06-10T09:00:06.4Z', durationMs: 1412 },
  summary,
  createdAt: '2024-06-10T09:00:06.4Z',
  updatedAt: '2024-06-10T09:00:06.4Z',
};

describe('ApplicationSummary', () => {
  it('accepts a realistic summary and one for a log without spraying or weather', () => {
    expect(schemaProblems(ApplicationSummarySchema, summary)).toEqual([]);
    const empty = {
      ...summary,
      startTime: null,
      endTime: null,
      sprayTimeS: 0,
      passCount: 0,
      averageRateLPerHa: null,
      averageRateGalPerAc: null,
      targetRateLPerHa: null,
      rateDeviationPct: null,
      weather: { atSprayStart: null, atSprayEnd: null, windSpeedMps: null, windDirectionDeg: null, temperatureC: null, humidityPct: null },
    };
    expect(schemaProblems(ApplicationSummarySchema, empty)).toEqual([]);
  });

  it('accepts an under-application as a negative deviation', () => {
    expect(schemaProblems(ApplicationSummarySchema, { ...summary, rateDeviationPct: -12.5 })).toEqual([]);
  });

  it('rejects negative areas, humidity over 100 %, a fractional pass count and a field the parser does not produce', () => {
    expect(schemaProblems(ApplicationSummarySchema, { ...summary, overlapAreaHa: -0.1 })).toContainEqual(expect.stringContaining('/overlapAreaHa'));
    expect(
      schemaProblems(ApplicationSummarySchema, { ...summary, weather: { ...summary.weather, atSprayEnd: { ...summary.weather.atSprayEnd, humidityPct: 104 } } }),
    ).toContainEqual(expect.stringContaining('/weather/atSprayEnd'));
    expect(schemaProblems(ApplicationSummarySchema, { ...summary, passCount: 30.5 })).toContainEqual(expect.stringContaining('/passCount'));
    expect(schemaProblems(ApplicationSummarySchema, { ...summary, treatedAreaM2: 639_000 })).toEqual(['/: unknown property treatedAreaM2']);
  });
});

describe('ApplicationPass', () => {
  it('accepts a pass and rejects a heading over 360° and a position outside WGS84', () => {
    expect(schemaProblems(ApplicationPassSchema, pass)).toEqual([]);
    expect(schemaProblems(ApplicationPassSchema, { ...pass, headingDeg: 361 })).toContainEqual(expect.stringContaining('/headingDeg'));
    expect(schemaProblems(ApplicationPassSchema, { ...pass, endPosition: [52.1372, -106.6414] })).toContainEqual(expect.stringContaining('/endPosition/1'));
  });
});

describe('ApplicationFile', () => {
  it('accepts a matched file and an unmatched manual upload', () => {
    expect(schemaProblems(ApplicationFileSchema, file)).toEqual([]);
    const manual = {
      ...file,
      trackerId: null,
      logId: null,
      aircraftId: null,
      extJobId: null,
      jobId: null,
      assignId: null,
      match: { method: 'unmatched', confidence: 0 },
    };
    expect(schemaProblems(ApplicationFileSchema, manual)).toEqual([]);
  });

  it('rejects a confidence over 1, an unknown match method, an unknown stage and negative record counts', () => {
    expect(schemaProblems(ApplicationFileSchema, { ...file, match: { method: 'file_name', confidence: 1.2 } })).toContainEqual(
      expect.stringContaining('/match/confidence'),
    );
    expect(schemaProblems(ApplicationFileSchema, { ...file, match: { method: 'guess', confidence: 0.2 } })).toContainEqual(
      expect.stringContaining('/match/method'),
    );
    expect(schemaProblems(ApplicationFileSchema, { ...file, processing: { ...file.processing, stage: 'parse' } })).toContainEqual(
      expect.stringContaining('/processing/stage'),
    );
    expect(schemaProblems(ApplicationFileSchema, { ...file, records: { read: 10, skipped: -1, corrupt: 0 } })).toContainEqual(
      expect.stringContaining('/records/skipped'),
    );
  });
});

describe('ApplicationDetail', () => {
  it('is a pass of a file: the pass fields plus the file and customer ids', () => {
    const detail = { id: '665f1c2ab3e4d5f6a7b8cc00', fileId: file.id, customerId: file.customerId, ...pass };
    expect(schemaProblems(ApplicationDetailSchema, detail)).toEqual([]);
    const { fileId: _fileId, ...noFile } = detail;
    expect(schemaProblems(ApplicationDetailSchema, noFile)).toContainEqual(expect.stringContaining('fileId'));
    const { swathWidthM: _swath, ...noSwath } = detail;
    expect(schemaProblems(ApplicationDetailSchema, noSwath)).toContainEqual(expect.stringContaining('swathWidthM'));
  });
});
