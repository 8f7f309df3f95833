import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres } from './postgres-server';

async function one(connectionString: string, text: string): Promise<Record<string, unknown>> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(text)).rows[0] as Record<string, unknown>;
  } finally {
    await client.end();
  }
}

describe('the throwaway PostgreSQL', () => {
  it('accepts connections over TCP and its socket, makes fresh databases, and leaves nothing behind', async () => {
    const server = await startPostgres();
    const root = path.dirname(server.socketDir);
    try {
      expect(await one(server.url, 'SELECT current_user AS u')).toEqual({ u: 'postgres' });
      expect(await one(`postgres://postgres@/postgres?host=${server.socketDir}&port=${server.port}`, 'SELECT 1 AS x')).toEqual({ x: 1 });
      expect(await one(server.url, 'SHOW fsync')).toEqual({ fsync: 'off' });
      const fresh = await server.createDatabase();
      expect(await one(fresh, "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'")).toEqual({ n: 0 });
      expect(fs.existsSync(root)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(fs.existsSync(root)).toBe(false);
    await expect(one(server.url, 'SELECT 1')).rejects.toThrow();
  });
});
