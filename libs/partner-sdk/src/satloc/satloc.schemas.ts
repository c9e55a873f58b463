import { Type, type Static } from 'typebox';

// Field names are matched case-insensitively (SatLoc has no public docs and answers have been
// seen in PascalCase and camelCase), so every key here is lower case: see satloc.response.ts.

const Id = Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer({ minimum: 0 })]);
const OptionalText = Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()]));

/** `AuthenticateAPIUser`: a bare token, an object holding one, or `true` when no token is issued. */
export const SatlocAuthResultSchema = Type.Union([
  Type.String({ minLength: 1, maxLength: 8192 }),
  Type.Boolean(),
  Type.Null(),
  Type.Object({
    token: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 8192 }), Type.Null()])),
    accesstoken: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
    expiresin: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^[0-9]+$' })])),
    expiresat: Type.Optional(Type.String({ maxLength: 64 })),
  }),
]);
export type SatlocAuthResult = Static<typeof SatlocAuthResultSchema>;

export const SatlocAircraftSchema = Type.Object({
  aircraftid: Id,
  tailnumber: OptionalText,
  name: OptionalText,
});
export const SatlocAircraftListSchema = Type.Array(SatlocAircraftSchema, { maxItems: 10_000 });
export type SatlocAircraft = Static<typeof SatlocAircraftSchema>;

export const SatlocLogSchema = Type.Object({
  logid: Id,
  aircraftid: Type.Optional(Id),
  filename: Type.String({ minLength: 1, maxLength: 255 }),
  filesize: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  logdate: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  jobid: Type.Optional(Type.Union([Id, Type.Null()])),
});
export const SatlocLogListSchema = Type.Array(SatlocLogSchema, { maxItems: 100_000 });
export type SatlocLog = Static<typeof SatlocLogSchema>;

/** `UploadJobData`: the partner's job id, bare or in an object. */
export const SatlocUploadResultSchema = Type.Union([Id, Type.Object({ jobid: Id })]);
export type SatlocUploadResult = Static<typeof SatlocUploadResultSchema>;
