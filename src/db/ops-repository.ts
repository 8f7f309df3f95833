import type { Database } from './database';
import { migrationFiles } from './migrator';

/**
 * What operators watch, read at scrape time (/metrics) and by /readyz: counts over the shared
 * database, so every instance reports the deployment's backlog, not only its own.
 */
export function createOpsRepository(db: Database) {
  const { q } = db;
  // Open items only: the partial indexes on status keep these counts off the sent history.
  const outboxBacklog = db.prepare(() =>
    q
      .selectFrom('slack_outbox')
      .select((eb) => ['lane', eb.fn.countAll<number>().as('n')])
      .where('status', 'in', ['pending', 'sending'])
      .groupBy('lane'),
  );
  const waiting = db.prepare(() =>
    q
      .selectFrom('conversations')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .where('state', 'in', ['waiting', 'queued'])
      .groupBy('state'),
  );
  const webhookBacklog = db.prepare(() =>
    q
      .selectFrom('webhook_deliveries')
      .select((eb) => ['endpoint_id', eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'pending')
      .groupBy('endpoint_id'),
  );
  const migrations = db.prepare(() => q.selectFrom('schema_migrations' as never).select('name' as never));

  return {
    /** Slack posts not yet sent nor failed, per lane (a lane is a channel). */
    outboxBacklog(): { lane: string; count: number }[] {
      return outboxBacklog.all({}).map((r) => ({ lane: r.lane, count: Number(r.n) }));
    },
    /** Conversations in line: waiting for an agent, and queued for follow-up. */
    queueLength(): { waiting: number; queued: number } {
      const counts = { waiting: 0, queued: 0 };
      for (const r of waiting.all({})) counts[r.state as 'waiting' | 'queued'] = Number(r.n);
      return counts;
    },
    /** Webhook deliveries not yet delivered (nor failed or dropped), per endpoint. */
    webhookBacklog(): { endpointId: string; count: number }[] {
      return webhookBacklog.all({}).map((r) => ({ endpointId: r.endpoint_id, count: Number(r.n) }));
    },
    /** The migration files this code ships that the database has not recorded as applied. */
    pendingMigrations(): string[] {
      const applied = new Set((migrations.all({}) as unknown as { name: string }[]).map((r) => r.name));
      return migrationFiles().filter((f) => !applied.has(f));
    },
  };
}

export type OpsRepository = ReturnType<typeof createOpsRepository>;
