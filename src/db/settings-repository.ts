import { randomBytes } from 'node:crypto';
import type { Database } from './database';
import type { SettingsStore } from '../core/stores';

/** Key-value settings (JSON values) and generated secrets. */
export function createSettingsRepository(db: Database) {
  const { q } = db;
  // Implements the core's port; the rest is for the adapters (admin, maintenance).
  const repository = {
    all(): Record<string, unknown> {
      const rows = db.all(q.selectFrom('settings').select(['key', 'value']));
      return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
    },
    set(key: string, value: unknown, by: string | null, now: string): void {
      const json = JSON.stringify(value);
      db.run(
        q
          .insertInto('settings')
          .values({ key, value: json, updated_at: now, updated_by: by })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: now, updated_by: by })),
      );
    },
    /** The named secret, generated (32 random bytes) and stored the first time it is asked for. */
    secret(name: string, now: string): string {
      const read = () => db.first(q.selectFrom('secrets').select('value').where('name', '=', name))?.value;
      const stored = read();
      if (stored !== undefined) return stored;
      // Instances starting together on a new database each generate one: the first insert wins and
      // every instance uses the winner's (a read-then-insert would fail or differ on PostgreSQL).
      db.run(
        q
          .insertInto('secrets')
          .values({ name, value: randomBytes(32).toString('base64url'), created_at: now })
          .onConflict((oc) => oc.column('name').doNothing()),
      );
      return read()!;
    },
    /**
     * A secret that admins can rotate and revoke, read from the database on every use so a change
     * applies at once (and in every process). Generated at first use, like `secret`; a revoked one
     * is stored empty, so it stays revoked across restarts until it is rotated.
     */
    secretStore(name: string, now: string): SecretStore {
      this.secret(name, now);
      const read = () => db.first(q.selectFrom('secrets').select('value').where('name', '=', name))?.value ?? '';
      const write = (value: string, at: string) =>
        db.run(
          q
            .insertInto('secrets')
            .values({ name, value, created_at: at })
            .onConflict((oc) => oc.column('name').doUpdateSet({ value, created_at: at })),
        );
      return {
        read: () => read() || null,
        rotate(at: string): string {
          const value = randomBytes(32).toString('base64url');
          write(value, at);
          return value;
        },
        revoke(at: string): void {
          write('', at);
        },
      };
    },
  };
  return repository satisfies SettingsStore;
}

/** A rotatable secret (see `secretStore`). */
export interface SecretStore {
  /** The current value; null when revoked. */
  read(): string | null;
  /** A new random value replaces the old one (or ends a revocation) and is returned. */
  rotate(now: string): string;
  /** No value until the next rotation. */
  revoke(now: string): void;
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
