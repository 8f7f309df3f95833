import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ReadinessReport } from '../ops/readiness';

export interface OpsRoutesDeps {
  /** The Prometheus exposition, rendered per scrape. */
  metrics: { render(): Promise<{ body: string; contentType: string }> };
  /** METRICS_TOKEN: when set, /metrics asks for `Authorization: Bearer <it>`. */
  metricsToken?: string | undefined;
  readiness: () => Promise<ReadinessReport>;
}

/**
 * GET /metrics (Prometheus text format) and GET /readyz (can this instance serve). /healthz, beside
 * them in server.ts, only says the process is alive with its database.
 */
export function registerOpsRoutes(app: FastifyInstance, deps: OpsRoutesDeps): void {
  const expected = deps.metricsToken ? digest(deps.metricsToken) : null;

  app.get('/metrics', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    if (expected && !bearerMatches(req.headers.authorization, expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ ok: false, error: 'unauthorized' });
    }
    const { body, contentType } = await deps.metrics.render();
    return reply.type(contentType).send(body);
  });

  app.get('/readyz', async (_req, reply) => {
    const report = await deps.readiness();
    reply.header('cache-control', 'no-store');
    if (report.ready) return reply.code(200).send({ ready: true, checks: report.checks });
    return reply.code(503).send({ ready: false, missing: report.missing, checks: report.checks });
  });
}

/** Both sides hashed first: equal lengths for timingSafeEqual, and the token's length is not timed either. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return match ? timingSafeEqual(digest(match[1]!), expected) : false;
}
