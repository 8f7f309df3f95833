import type { ApiKeyInfo, ApiKeyRow, ApiKeyScope, ApiKeyStore } from '../core/api-keys';
import type { Database } from './database';
import type { ApiKeysTable } from './schema';

const toInfo = (r: ApiKeysTable): ApiKeyInfo => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scope: r.scope as ApiKeyScope,
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
  lastUsedAt: r.last_used_at,
});

/** REST API keys (migration 20261208101000). */
export function createApiKeyRepository(db: Database) {
  const { q } = db;
  const repository = {
    insert(row: ApiKeyRow): void {
      db.run(
        q.insertInto('api_keys').values({
          id: row.id,
          name: row.name,
          prefix: row.prefix,
          hash: row.hash,
          scope: row.scope,
          created_by: row.createdBy,
          created_at: row.createdAt,
          revoked_at: row.revokedAt,
          revoked_by: row.revokedBy,
          last_used_at: row.lastUsedAt,
        }),
      );
    },
    byPrefix(prefix: string): ApiKeyRow | undefined {
      const r = db.first(q.selectFrom('api_keys').selectAll().where('prefix', '=', prefix));
      return r ? { ...toInfo(r), hash: r.hash } : undefined;
    },
    get(id: string): ApiKeyInfo | undefined {
      const r = db.first(q.selectFrom('api_keys').selectAll().where('id', '=', id));
      return r ? toInfo(r) : undefined;
    },
    list(): ApiKeyInfo[] {
      return db.all(q.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc')).map(toInfo);
    },
    revoke(id: string, by: string, at: string): boolean {
      const res = db.run(q.updateTable('api_keys').set({ revoked_at: at, revoked_by: by }).where('id', '=', id).where('revoked_at', 'is', null));
      return res.changes > 0;
    },
    touch(id: string, at: string): void {
      const minuteAgo = new Date(Date.parse(at) - 60_000).toISOString();
      db.run(
        q
          .updateTable('api_keys')
          .set({ last_used_at: at })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', minuteAgo)])),
      );
    },
  };
  return repository satisfies ApiKeyStore;
}
