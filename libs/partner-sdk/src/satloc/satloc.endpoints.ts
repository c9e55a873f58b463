/** SatLoc Cloud endpoints, under the configured base URL (which ends in `/api/Satloc`). */
export const SatlocEndpoint = {
  IS_ALIVE: 'IsAlive',
  AUTHENTICATE: 'AuthenticateAPIUser',
  AIRCRAFT_LIST: 'GetAircraftList',
  AIRCRAFT_LOGS: 'GetAircraftLogs',
  AIRCRAFT_LOG_DATA: 'GetAircraftLogData',
  UPLOAD_JOB: 'UploadJobData',
} as const;
export type SatlocEndpoint = (typeof SatlocEndpoint)[keyof typeof SatlocEndpoint];

export const SATLOC_ENDPOINTS: readonly SatlocEndpoint[] = Object.values(SatlocEndpoint);
