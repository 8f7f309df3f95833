import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from './ports';
import type { AuditStore } from './stores';

/**
 * REST API keys (issue 21). A key is `hk_<prefix>_<secret>`: the prefix (8 characters) names it in
 * lists and logs, the secret is 32 random bytes. Only the SHA-256 of the whole key is stored, so a
 * leaked database does not leak working keys; the key is shown once, when it is created.
 */

export const API_SCOPES = ['read', 'read+erase'] as const;
export type ApiKeyScope = (typeof API_SCOPES)[number];
/** What a route needs: `erase` is granted only by `read+erase`. */
export type ApiScopeNeed = 'read' | 'erase';

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  scope: ApiKeyScope;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
}

export interface ApiKeyRow extends ApiKeyInfo {
  hash: string;
}

/** The storage port (src/db/api-key-repository.ts). */
export interface ApiKeyStore {
  insert(row: ApiKeyRow): void;
  byPrefix(prefix: string): ApiKeyRow | undefined;
  get(id: string): ApiKeyInfo | undefined;
  /** Newest first, revoked ones included. */
  list(): ApiKeyInfo[];
  /** false when the key is unknown or already revoked. */
  revoke(id: string, by: string, at: string): boolean;
  /** Records a use no more often than once a minute per key (a busy client writes nothing more). */
  touch(id: string, at: string): void;
}

export const MAX_KEY_NAME = 60;
const KEY_SHAPE = /^hk_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43,})$/;
const PREFIX_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function scopeAllows(scope: ApiKeyScope, need: ApiScopeNeed): boolean {
  return need === 'read' || scope === 'read+erase';
}

export type CreateKeyResult = { ok: true; key: string; info: ApiKeyInfo } | { ok: false; error: string };

export class ApiKeysService {
  constructor(private readonly deps: { store: ApiKeyStore; audit: AuditStore; clock: Clock; newId: () => string }) {}

  /** A new key for an admin (checked by the caller); the returned `key` is never available again. */
  create(input: { name: string; scope: string; by: string }): CreateKeyResult {
    const name = input.name.trim().replace(/\s+/g, ' ');
    if (!name) return { ok: false, error: 'Give the key a name (what will use it).' };
    if (name.length > MAX_KEY_NAME) return { ok: false, error: `A key's name is at most ${MAX_KEY_NAME} characters.` };
    if (!(API_SCOPES as readonly string[]).includes(input.scope)) return { ok: false, error: `The scope is one of ${API_SCOPES.join(', ')}.` };
    const scope = input.scope as ApiKeyScope;
    const at = this.deps.clock.now().toISOString();
    const prefix = randomPrefix();
    const key = `hk_${prefix}_${randomBytes(32).toString('base64url')}`;
    const info: ApiKeyInfo = { id: this.deps.newId(), name, prefix, scope, createdBy: input.by, createdAt: at, revokedAt: null, revokedBy: null, lastUsedAt: null };
    this.deps.store.insert({ ...info, hash: hashApiKey(key) });
    this.deps.audit.record({ actor: input.by, action: 'api_key.create', target: info.id, detail: { name, prefix, scope }, at });
    return { ok: true, key, info };
  }

  revoke(id: string, by: string): ApiKeyInfo | null {
    const at = this.deps.clock.now().toISOString();
    if (!this.deps.store.revoke(id, by, at)) return null;
    const info = this.deps.store.get(id)!;
    this.deps.audit.record({ actor: by, action: 'api_key.revoke', target: id, detail: { name: info.name, prefix: info.prefix }, at });
    return info;
  }

  list(): ApiKeyInfo[] {
    return this.deps.store.list();
  }

  get(id: string): ApiKeyInfo | undefined {
    return this.deps.store.get(id);
  }

  /**
   * The live key a bearer token names, or null. Looked up by its prefix, then the hashes compared
   * in constant time; read from the database every time, so a revocation applies at once on every
   * instance.
   */
  authenticate(token: string): ApiKeyInfo | null {
    const m = KEY_SHAPE.exec(token);
    if (!m) return null;
    const row = this.deps.store.byPrefix(m[1]!);
    if (!row || row.revokedAt !== null) return null;
    const given = Buffer.from(hashApiKey(token), 'hex');
    const stored = Buffer.from(row.hash, 'hex');
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) return null;
    this.deps.store.touch(row.id, this.deps.clock.now().toISOString());
    const { hash: _hash, ...info } = row;
    return info;
  }
}

function randomPrefix(): string {
  const bytes = randomBytes(8);
  let out = '';
  for (const b of bytes) out += PREFIX_ALPHABET[b % PREFIX_ALPHABET.length];
  return out;
}
