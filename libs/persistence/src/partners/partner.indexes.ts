import type { IndexSpec } from '../infrastructure/index-spec.js';

export const PARTNERS_COLLECTION = 'partners';

export const partnerIndexes: readonly IndexSpec[] = [
  { collection: PARTNERS_COLLECTION, name: 'partner_code_unique', key: { code: 1 }, unique: true },
  { collection: PARTNERS_COLLECTION, name: 'partner_active', key: { active: 1, code: 1 } },
];
