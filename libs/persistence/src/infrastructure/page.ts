import type { ObjectId } from 'mongodb';

/** A page of a list, newest first; `next` is the cursor that continues after its last item (null at the end). */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/**
 * The page from `docs` fetched with `limit + 1` (sorted by `_id` descending): the extra one only
 * says whether there is more, so the last page is known without a count.
 */
export function pageOf<D extends { _id: ObjectId }, T>(docs: readonly D[], limit: number, map: (doc: D) => T): Page<T> {
  const kept = docs.slice(0, limit);
  const last = kept[kept.length - 1];
  return { items: kept.map(map), next: docs.length > limit && last ? last._id.toHexString() : null };
}
