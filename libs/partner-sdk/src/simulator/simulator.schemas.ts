import { Type, type Static } from 'typebox';

const Failure = Type.Union([
  Type.Object({ kind: Type.Literal('status'), status: Type.Integer({ minimum: 400, maximum: 599 }) }),
  Type.Object({
    kind: Type.Literal('rate-limit'),
    retryAfterS: Type.Optional(Type.Integer({ minimum: 0 })),
    httpDate: Type.Optional(Type.Boolean()),
  }),
  Type.Object({ kind: Type.Literal('token-expired') }),
  Type.Object({ kind: Type.Literal('reset') }),
  Type.Object({ kind: Type.Literal('down') }),
]);

export const EndpointFaultsSchema = Type.Object(
  {
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    failure: Type.Optional(Failure),
    rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    times: Type.Optional(Type.Integer({ minimum: 0 })),
    trickle: Type.Optional(Type.Object({ chunkBytes: Type.Integer({ minimum: 1 }), intervalMs: Type.Integer({ minimum: 0 }) })),
    truncate: Type.Optional(
      Type.Object({ atBytes: Type.Integer({ minimum: 0 }), mode: Type.Union([Type.Literal('drop-connection'), Type.Literal('short-file')]) }),
    ),
    corruptBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

export const SimSeedSchema = Type.Object(
  {
    companies: Type.Optional(Type.Array(Type.Object({ companyId: Type.String({ minLength: 1 }), name: Type.String() }))),
    users: Type.Optional(
      Type.Array(Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }), companyId: Type.String({ minLength: 1 }) })),
    ),
    aircraft: Type.Optional(
      Type.Array(
        Type.Object({
          aircraftId: Type.String({ minLength: 1 }),
          companyId: Type.String({ minLength: 1 }),
          tailNumber: Type.String(),
          name: Type.String(),
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

export const ResponseStyleSchema = Type.Object(
  { envelope: Type.Boolean(), casing: Type.Union([Type.Literal('pascal'), Type.Literal('camel')]) },
  { additionalProperties: false },
);
export type ResponseStyle = Static<typeof ResponseStyleSchema>;

export const ProduceLogsSchema = Type.Object({ jobId: Type.Optional(Type.Integer()) }, { additionalProperties: false });

export const RawLogSchema = Type.Object(
  { aircraftId: Type.String({ minLength: 1 }), base64: Type.String(), fileName: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);
