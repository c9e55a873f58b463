import { execFileSync } from 'node:child_process';
import type { Db } from 'mongodb';

/**
 * Bytes each collection of `db` occupies, data and indexes. On FerretDB over PostgreSQL (given
 * its PostgreSQL URL) this is `pg_total_relation_size` of the collection's table: heap, TOAST
 * (where large documents such as GridFS chunks live), every index, dead row versions not yet
 * vacuumed. Otherwise `collStats.totalSize` (MongoDB: compressed WiredTiger files).
 */
export async function storageByCollection(db: Db, ferretdbPostgresUrl?: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (ferretdbPostgresUrl) {
    // FerretDB keeps one schema per database and maps collection names to tables in its metadata table.
    const schema = db.databaseName.replace(/"/g, '');
    const sql = `SELECT m._jsonb->>'_id', pg_total_relation_size(format('%I.%I', '${schema}', m._jsonb->>'table')) FROM "${schema}"._ferretdb_database_metadata m`;
    const out = execFileSync('psql', [ferretdbPostgresUrl, '-tA', '-F', '\t', '-c', sql], { encoding: 'utf8' });
    for (const line of out.split('\n').filter(Boolean)) {
      const [name, bytes] = line.split('\t');
      if (name) sizes.set(name, Number(bytes));
    }
    return sizes;
  }
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    const stats = await db.command({ collStats: name });
    sizes.set(name, Number(stats['totalSize'] ?? 0));
  }
  return sizes;
}
