import type { IndexSpec } from './index-spec.js';

export const WRITE_TOKENS_COLLECTION = 'write_tokens';

export const writeTokenIndexes: readonly IndexSpec[] = [
  // Housekeeping: old tokens of finished and abandoned writes (`WriteTokenSweeper.sweep`, run by the poller).
  { collection: WRITE_TOKENS_COLLECTION, name: 'write_token_at', key: { at: 1 } },
];
