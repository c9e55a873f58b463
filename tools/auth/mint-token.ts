/**
 * Mints a bearer token the APIs accept, for local use and demos.
 *
 *   JWT_SECRET=... node --import tsx --conditions=@agair/source tools/auth/mint-token.ts \
 *     --role customer --customer 64b000000000000000000001 [--sub alice] [--ttl 3600]
 *
 * JWT_ISSUER and JWT_AUDIENCE default to the apps' defaults (agair, agair-api).
 */
import { parseArgs } from 'node:util';
import { Role, mintToken } from '@agair/service-kit';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'admin' },
    customer: { type: 'string' },
    sub: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
});
const secret = process.env['JWT_SECRET'];
if (!secret) {
  process.stderr.write('mint-token: set JWT_SECRET to the secret the APIs are configured with\n');
  process.exit(2);
}
const role = values.role as Role;
if (!Object.values(Role).includes(role)) {
  process.stderr.write(`mint-token: --role must be one of ${Object.values(Role).join(', ')}\n`);
  process.exit(2);
}
if (role === Role.CUSTOMER && !values.customer) {
  process.stderr.write('mint-token: a customer token needs --customer <customerId>\n');
  process.exit(2);
}
process.stdout.write(
  `${mintToken({
    jwtSecret: secret,
    issuer: process.env['JWT_ISSUER'] ?? 'agair',
    audience: process.env['JWT_AUDIENCE'] ?? 'agair-api',
    sub: values.sub ?? `${role}-local`,
    role,
    customerId: values.customer,
    expiresInS: Number(values.ttl),
  })}\n`,
);
