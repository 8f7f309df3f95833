import type { AuthStatus } from '../slack/identity';

export interface ReadinessDeps {
  /** Whether the database answers a trivial query now. */
  ping: () => boolean;
  /** Migration files not recorded as applied (throws when the database cannot be read). */
  pendingMigrations: () => string[];
  /** auth.test's answer; null when Slack is not configured (then not a condition). */
  slackAuth: (() => Promise<AuthStatus>) | null;
  /** How long /readyz waits for Slack before calling it not ready (default 5 s). */
  slackTimeoutMs?: number;
}

export type CheckResult = 'ok' | 'not configured' | string;

export interface ReadinessReport {
  ready: boolean;
  checks: { database: CheckResult; migrations: CheckResult; slack: CheckResult };
  /** What keeps the instance from being ready, one short sentence each (empty when ready). */
  missing: string[];
}

/**
 * Ready means this instance can serve: the database answers, every migration this code ships is
 * applied (an instance started against an older or half-migrated database is not), and Slack took
 * our token (when Slack is configured). Never throws.
 */
export async function checkReadiness(d: ReadinessDeps): Promise<ReadinessReport> {
  const missing: string[] = [];
  const checks: ReadinessReport['checks'] = { database: 'ok', migrations: 'ok', slack: 'not configured' };

  const reachable = safe(d.ping, false);
  if (!reachable) {
    checks.database = 'unreachable';
    checks.migrations = 'unknown';
    missing.push('database: unreachable');
  } else {
    let pending: string[] | null;
    try {
      pending = d.pendingMigrations();
    } catch (err) {
      pending = null;
      checks.migrations = `unreadable: ${err instanceof Error ? err.message : String(err)}`;
      missing.push(`migrations: ${checks.migrations}`);
    }
    if (pending?.length) {
      checks.migrations = `pending: ${pending.join(', ')}`;
      missing.push(`migrations ${checks.migrations}`);
    }
  }

  if (d.slackAuth) {
    const status = await withTimeout(d.slackAuth, d.slackTimeoutMs ?? 5_000);
    checks.slack = status.ok ? 'ok' : `auth.test: ${status.error}`;
    if (!status.ok) missing.push(`slack auth.test: ${status.error}`);
  }
  return { ready: missing.length === 0, checks, missing };
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

async function withTimeout(ask: () => Promise<AuthStatus>, ms: number): Promise<AuthStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<AuthStatus>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `no answer within ${ms / 1000} s` }), ms);
  });
  try {
    return await Promise.race([ask().catch((err: unknown): AuthStatus => ({ ok: false, error: err instanceof Error ? err.message : String(err) })), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
