import { createTaskMessage, TaskType, type ApplicationPass, type ApplicationSummary, type TaskMessage } from '@agair/domain-models';
import { newObjectIdString } from '../src/index.js';

export function processLogMessage(taskId: string, customerId = newObjectIdString()): TaskMessage {
  return createTaskMessage(
    TaskType.PROCESS_PARTNER_LOG,
    {
      trackerId: newObjectIdString(),
      partnerCode: 'SATLOC',
      customerId,
      aircraftId: 'N123AB',
      logId: 'LOG-1',
      storedFileId: newObjectIdString(),
      contentHash: 'a'.repeat(64),
    },
    { taskId, createdAt: '2024-05-02T07:41:09.120Z' },
  );
}

export function sampleSummary(overrides: Partial<ApplicationSummary> = {}): ApplicationSummary {
  return {
    startTime: '2024-05-02T07:41:09.120Z',
    endTime: '2024-05-02T08:11:00.000Z',
    flightTimeS: 1791,
    sprayTimeS: 1200.5,
    distanceFlownM: 52000,
    sprayedDistanceM: 30000,
    passCount: 2,
    fieldAreaHa: 40.5,
    treatedAreaHa: 39.8,
    treatedAreaAc: 98.35,
    overlapAreaHa: 1.2,
    insideBoundaryAreaHa: 39.1,
    offTargetAreaHa: 0.7,
    skippedAreaHa: 1.4,
    skippedPctOfField: 2,
    grossSprayedAreaHa: 72,
    volumeAppliedL: 1990,
    averageRateLPerHa: 50,
    averageRateGalPerAc: 5.35,
    targetRateLPerHa: 48,
    rateDeviationPct: 4.166666666666667,
    weather: {
      atSprayStart: { time: '2024-05-02T07:45:00.000Z', windSpeedMps: 3.2, windDirectionDeg: 270, temperatureC: 18.5, humidityPct: 60 },
      atSprayEnd: null,
      windSpeedMps: { min: 2.1, max: 4.4, avg: 3.3 },
      windDirectionDeg: 265,
      temperatureC: { min: 17, max: 21, avg: 19 },
      humidityPct: null,
    },
    ...overrides,
  };
}

export function samplePass(passIndex: number): ApplicationPass {
  return {
    passIndex,
    startTime: '2024-05-02T07:45:00.000Z',
    endTime: '2024-05-02T07:46:00.000Z',
    durationS: 60,
    distanceM: 1500,
    sprayedAreaHa: 2.7,
    volumeL: 135,
    averageRateLPerHa: 50,
    averageSpeedMps: 25,
    headingDeg: 90,
    swathWidthM: 18,
    startPosition: [-97.12, 38.1 + passIndex * 0.0002],
    endPosition: [-97.1, 38.1 + passIndex * 0.0002],
  };
}
