import type { IndexSpec } from '../infrastructure/index-spec.js';

export const USERS_COLLECTION = 'users';

/*
 * `identityKey` carries the uniqueness rules of both kinds in one always-present field, since
 * FerretDB 1.x has no partial indexes: `internal:<username>` for internal users, and
 * `psu:<customerId>:<partnerCode>` for the one active partner system user of a customer and
 * partner (a deactivated one moves to `psu-inactive:<id>`, freeing the slot).
 */
export const userIndexes: readonly IndexSpec[] = [
  { collection: USERS_COLLECTION, name: 'user_identity_unique', key: { identityKey: 1 }, unique: true },
  { collection: USERS_COLLECTION, name: 'user_customer_kind', key: { customerId: 1, kind: 1, active: 1 } },
  {
    collection: USERS_COLLECTION,
    name: 'user_partner_aircraft',
    key: { 'partnerInfo.partnerCode': 1, 'partnerInfo.partnerAircraftId': 1, customerId: 1 },
  },
  { collection: USERS_COLLECTION, name: 'user_system_partner', key: { partnerCode: 1, kind: 1 } },
];
