export { createSatlocSimulator, type SatlocSimulator, type SatlocSimulatorOptions } from './satloc-simulator.app.js';
export { FaultInjector, type EndpointFaults, type FaultTarget, type SimulatedFailure } from './simulator.faults.js';
export {
  SimulatorState,
  type SimAircraft,
  type SimCompany,
  type SimJob,
  type SimLog,
  type SimRequestRecord,
  type SimSeed,
  type SimUser,
} from './simulator.state.js';
export type { ResponseStyle } from './simulator.schemas.js';
export { produceFlightLogs, type ProducedLog } from './flight-log.producer.js';
