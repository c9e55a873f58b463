import type { ApplicationFile, ApplicationSummary } from '@agair/domain-models';
import { describe, expect, it } from 'vitest';
import { applicationTotals } from './application-totals.js';

function file(summary: Partial<ApplicationSummary>): ApplicationFile {
  const base: ApplicationSummary = {
    startTime: null,
    endTime: null,
    flightTimeS: 0,
    sprayTimeS: 0,
    distanceFlownM: 0,
    sprayedDistanceM: 0,
    passCount: 0,
    fieldAreaHa: 50,
    treatedAreaHa: 0,
    treatedAreaAc: 0,
    overlapAreaHa: 0,
    insideBoundaryAreaHa: 0,
    offTargetAreaHa: 0,
    skippedAreaHa: 0,
    volumeAppliedL: 0,
    averageRateLPerHa: null,
    averageRateGalPerAc: null,
    targetRateLPerHa: 20,
    rateDeviationPct: null,
    weather: { atSprayStart: null, atSprayEnd: null, windSpeedMps: null, windDirectionDeg: null, temperatureC: null, humidityPct: null },
  };
  return { summary: { ...base, ...summary } } as ApplicationFile;
}

describe('applicationTotals', () => {
  const first = file({
    startTime: '2024-05-02T07:00:00.000Z',
    endTime: '2024-05-02T07:40:00.000Z',
    flightTimeS: 2400,
    sprayTimeS: 1800,
    passCount: 20,
    treatedAreaHa: 30,
    overlapAreaHa: 1.5,
    insideBoundaryAreaHa: 29,
    offTargetAreaHa: 1,
    volumeAppliedL: 600,
    averageRateLPerHa: 20,
    weather: {
      atSprayStart: null,
      atSprayEnd: null,
      windSpeedMps: { min: 1, max: 4, avg: 2 },
      windDirectionDeg: 180,
      temperatureC: { min: 18, max: 22, avg: 20 },
      humidityPct: null,
    },
  });
  const second = file({
    startTime: '2024-05-02T06:00:00.000Z',
    endTime: '2024-05-02T06:20:00.000Z',
    flightTimeS: 1200,
    sprayTimeS: 600,
    passCount: 8,
    treatedAreaHa: 10,
    overlapAreaHa: 0.5,
    insideBoundaryAreaHa: 10,
    offTargetAreaHa: 0,
    volumeAppliedL: 260,
    averageRateLPerHa: 26,
    weather: {
      atSprayStart: null,
      atSprayEnd: null,
      windSpeedMps: { min: 0.5, max: 3, avg: 6 },
      windDirectionDeg: 170,
      temperatureC: null,
      humidityPct: null,
    },
  });

  it('adds areas, volumes and times across logs and spans their first start to last end', () => {
    const totals = applicationTotals([first, second], 20);
    expect(totals).toMatchObject({
      fileCount: 2,
      startTime: '2024-05-02T06:00:00.000Z',
      endTime: '2024-05-02T07:40:00.000Z',
      flightTimeS: 3600,
      sprayTimeS: 2400,
      passCount: 28,
      treatedAreaHa: 40,
      overlapAreaHa: 2,
      insideBoundaryAreaHa: 39,
      offTargetAreaHa: 1,
      volumeAppliedL: 860,
    });
    expect(totals.treatedAreaAc).toBeCloseTo(98.842, 2);
  });

  it('weights the average rate by treated area and compares it with the target', () => {
    const totals = applicationTotals([first, second], 20);
    expect(totals.averageRateLPerHa).toBeCloseTo((20 * 30 + 26 * 10) / 40, 9);
    expect(totals.rateDeviationPct).toBeCloseTo(7.5, 6);
    expect(totals.averageRateGalPerAc).toBeCloseTo(21.5 * 0.404686 / 3.785411784, 4);
  });

  it('takes weather extremes over the logs, averages weighted by spray time, null where no log has it', () => {
    const { weather } = applicationTotals([first, second], 20);
    expect(weather.windSpeedMps).toEqual({ min: 0.5, max: 4, avg: (2 * 1800 + 6 * 600) / 2400 });
    expect(weather.temperatureC).toEqual({ min: 18, max: 22, avg: 20 });
    expect(weather.humidityPct).toBeNull();
  });

  it('answers zeros and nulls for a job without logs', () => {
    const totals = applicationTotals([], 20);
    expect(totals).toMatchObject({ fileCount: 0, treatedAreaHa: 0, volumeAppliedL: 0, averageRateLPerHa: null, rateDeviationPct: null, startTime: null, endTime: null });
  });
});
