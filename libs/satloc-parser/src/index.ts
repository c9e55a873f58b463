export * from './geometry/geojson.types.js';
export * from './job-file/job-file.types.js';
export { readJobFile } from './job-file/job-file.reader.js';
export { writeJobFile } from './job-file/job-file.writer.js';
export { jobFileFromGeoJson, jobFileToGeoJson, type JobFileGeometry } from './job-file/job-file.geojson.js';
export * from './flight-log/flight-log.records.js';
export * from './flight-log/flight-log.decoder.types.js';
export { FlightLogParseError, isUnsupportedFormatCode, type FlightLogParseErrorCode } from './flight-log/flight-log.error.js';
export {
  FLIGHT_LOG_FORMAT_NAME,
  FLIGHT_LOG_MAGIC,
  FLIGHT_LOG_VERSION_MAJOR,
  FLIGHT_LOG_VERSION_MINOR,
  MAX_PAYLOAD_BYTES,
  MAX_RECORD_BYTES,
  RecordType,
  type RecordTypeCode,
} from './flight-log/flight-log.format.js';
export { crc32, crc32View, crc32ViewRange } from './flight-log/crc32.js';
export { FlightLogWriter, type FlightLogWriterOptions } from './flight-log/flight-log.writer.js';
export { FlightLogStreamDecoder, openFlightLogDecoder } from './flight-log/flight-log.decoder.js';
export {
  decodeFlightLog,
  decodeFlightLogBuffer,
  defaultFlightLogDecoders,
  FlightLogDecoding,
  sniffFormat,
  type ChunkSource,
  type DecodeFlightLogOptions,
} from './flight-log/flight-log.stream.js';
export * from './statistics/application-statistics.types.js';
export {
  ApplicationStatisticsAccumulator,
  accumulateFlight,
  computeApplicationStatistics,
  type RecordSource,
} from './statistics/application-statistics.js';
export { combineJobStatistics, type JobField, type JobStatistics, type LogForJob } from './statistics/job-statistics.js';
export { StatisticsError, type StatisticsErrorCode } from './statistics/statistics.error.js';
export { packCoverageLayers } from './statistics/packed-coverage.js';
export { HECTARES_PER_ACRE, LITRES_PER_US_GALLON, haToAc, lPerHaToGalPerAc, galPerAcToLPerHa } from './statistics/units.js';
export { fieldShapes, type PlanarPoint, type PlanarRing } from './simulator/field-shapes.js';
export {
  simulateFlight,
  simulateJob,
  type FlightPlan,
  type GroundTruth,
  type InjectedFaults,
  type PlannedSpraySegment,
  type SimulatedFlight,
  type SimulatedJob,
  type SimulateFlightOptions,
  type SimulateJobOptions,
  type SimulatorFaults,
  type WindChange,
} from './simulator/flight-simulator.js';
export { Prng } from './simulator/prng.js';
