/** Constants of the AgAir open flight-log format, version 1. FORMAT.md is the specification. */

/** "\x89AGLOG\r\n": non-ASCII first byte and CR LF catch text-mode transfers, like PNG's signature. */
export const FLIGHT_LOG_MAGIC = Uint8Array.of(0x89, 0x41, 0x47, 0x4c, 0x4f, 0x47, 0x0d, 0x0a);
export const FLIGHT_LOG_FORMAT_NAME = 'agair-flight-log';
export const FLIGHT_LOG_VERSION_MAJOR = 1;
export const FLIGHT_LOG_VERSION_MINOR = 0;
/** magic(8) + major u16 + minor u16 + CRC-32 of bytes 0..11. */
export const PREAMBLE_BYTES = 16;

export const SYNC_BYTE_0 = 0xa5;
export const SYNC_BYTE_1 = 0x5a;
/** sync(2) type(1) flags(1) length(2). */
export const RECORD_HEADER_BYTES = 6;
export const RECORD_CRC_BYTES = 4;
export const RECORD_OVERHEAD_BYTES = RECORD_HEADER_BYTES + RECORD_CRC_BYTES;
/** A longer declared payload is corruption, never an allocation. */
export const MAX_PAYLOAD_BYTES = 4096;
export const MAX_RECORD_BYTES = MAX_PAYLOAD_BYTES + RECORD_OVERHEAD_BYTES;

export const RecordType = {
  JobHeader: 0x01,
  GnssFix: 0x02,
  SprayState: 0x03,
  Flow: 0x04,
  Swath: 0x05,
  LaserAltitude: 0x06,
  Environment: 0x07,
  Marker: 0x08,
} as const;
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

/** Minimum payload length per known type; longer payloads are allowed (fields appended by later minor versions). */
export const MIN_PAYLOAD_BYTES: Readonly<Record<RecordTypeCode, number>> = {
  [RecordType.JobHeader]: 20,
  [RecordType.GnssFix]: 32,
  [RecordType.SprayState]: 16,
  [RecordType.Flow]: 24,
  [RecordType.Swath]: 12,
  [RecordType.LaserAltitude]: 12,
  [RecordType.Environment]: 16,
  [RecordType.Marker]: 12,
};

export const NO_VALUE_U16 = 0xffff;
export const NO_VALUE_U32 = 0xffffffff;
export const TWO_POW_32 = 4294967296;
