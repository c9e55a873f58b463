import type { IndexSpec } from './index-spec.js';

export const WRITE_TOKENS_COLLECTION = 'write_tokens';

export const writeTokenIndexes: readonly IndexSpec[] = [
  // Housekeeping: tokens left by writers that died mid-write (`sweepAbandonedWriteTokens`).
  { collection: WRITE_TOKENS_COLLECTION, name: 'write_token_at', key: { at: 1 } },
];
