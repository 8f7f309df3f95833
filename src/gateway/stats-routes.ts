import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PERIODS, parsePeriod, type AnalyticsService, type PeriodName } from '../core/analytics/analytics-service';

export interface StatsRoutesDeps {
  analytics: Pick<AnalyticsService, 'report' | 'csv' | 'apiAccess' | 'period'>;
}

/** Compares two secrets in time independent of where they differ (and of their lengths: both are hashed first). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function bearer(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1]! : null;
}

/**
 * The admins' analytics API, behind `Authorization: Bearer <token>` (the token is generated into
 * the database at first start; admins see it with `/handoff stats api`):
 *
 * - `GET /api/stats?period=today|7d|30d` → the report as JSON (default 7d);
 * - `GET /api/stats.csv?period=…` → one row per handoff (timings, reason, agent, team, outcome, CSAT).
 *
 * 401 without the token, with a wrong or rotated one, or while it is revoked (`/handoff stats api
 * rotate|revoke`); 400 for an unknown period. Never cached.
 */
export function registerStatsRoutes(app: FastifyInstance, deps: StatsRoutesDeps): void {
  const guard = async (req: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const given = bearer(req);
    // Read from the database on every request: a rotated or revoked token is refused at once.
    const expected = deps.analytics.apiAccess().token;
    if (given === null || expected === null || !sameSecret(given, expected)) {
      const token = given === null ? 'missing' : expected === null ? 'revoked' : 'wrong';
      req.log.warn({ url: req.url.split('?')[0], ip: req.ip, token }, 'analytics API: unauthorized');
      await reply.code(401).header('www-authenticate', 'Bearer realm="handoff-analytics"').send({ ok: false, error: 'unauthorized' });
    }
  };

  const period = (req: FastifyRequest, reply: FastifyReply): PeriodName | null => {
    const raw = (req.query as Record<string, unknown> | undefined)?.['period'];
    const name = parsePeriod(typeof raw === 'string' ? raw : undefined);
    if (name === null) {
      void reply.code(400).send({ ok: false, error: 'bad_period', message: `period must be one of ${PERIODS.join(', ')}` });
    }
    return name;
  };

  app.get('/api/stats', { preHandler: guard }, async (req, reply) => {
    const name = period(req, reply);
    if (name === null) return reply;
    return reply.send({ ok: true, ...deps.analytics.report(name) });
  });

  app.get('/api/stats.csv', { preHandler: guard }, async (req, reply) => {
    const name = period(req, reply);
    if (name === null) return reply;
    const csv = deps.analytics.csv(name);
    const day = deps.analytics.period(name).to.slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="handoffs-${name}-${day}.csv"`)
      .send(csv);
  });
}
