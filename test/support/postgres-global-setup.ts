import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openPostgres } from '../../src/db/postgres/database';
import { migratePostgres } from '../../src/db/postgres/migrator';
import { startPostgres } from './postgres-server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway server's superuser URL (the `postgres` project only). */
    postgresUrl: string;
  }
}

/** The migrated database every test database is copied from (CREATE DATABASE … TEMPLATE). */
export const TEMPLATE_DATABASE = 'handoff_template';

/**
 * Global setup of the `postgres` test project: one throwaway PostgreSQL for the run, with a
 * migrated template database, so each test gets a fresh, migrated database in milliseconds.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    await admin.end();
    const template = openPostgres(server.url.replace(/\/postgres$/, `/${TEMPLATE_DATABASE}`), { max: 1 });
    try {
      await migratePostgres(template.q);
    } finally {
      await template.close();
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
