import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger';

type AuthTest = Awaited<ReturnType<WebClient['auth']['test']>>;

/** auth.test's last answer: passed, or Slack's error code (or the network's failure). */
export type AuthStatus = { ok: true } | { ok: false; error: string };

function authError(err: unknown): string {
  const e = err as { data?: { error?: unknown }; code?: unknown; message?: unknown } | null;
  if (typeof e?.data?.error === 'string') return e.data.error;
  return typeof e?.code === 'string' ? e.code : err instanceof Error ? err.message : String(err);
}

/**
 * Who the app is in Slack (auth.test), asked once; a failure is asked again next time. Given
 * `token` with tokenVerificationEnabled: false, Bolt 4/5 calls auth.test again for every incoming
 * request (its cached promise is overwritten on each call): 200 thread replies a second were 200
 * auth.test calls. Also the workspace URL that permalinks are made from, learnt at start.
 */
export class SlackIdentity {
  private identity: Promise<AuthTest> | null = null;
  private url: string | null = null;

  constructor(private readonly client: Pick<WebClient, 'auth'>) {}

  private lastAnswer: AuthStatus | null = null;

  whoAmI(): Promise<AuthTest> {
    return (this.identity ??= this.client.auth.test().then(
      (r) => {
        this.lastAnswer = { ok: true };
        return r;
      },
      (err: unknown) => {
        this.identity = null;
        this.lastAnswer = { ok: false, error: authError(err) };
        throw err;
      },
    ));
  }

  /**
   * Whether auth.test passed (readiness): once it has, that answer stands (asked once); otherwise
   * it is asked again, so a fixed token or a Slack back online makes the app ready.
   */
  async authStatus(): Promise<AuthStatus> {
    if (this.lastAnswer?.ok) return this.lastAnswer;
    try {
      await this.whoAmI();
    } catch {
      // Recorded by whoAmI.
    }
    return this.lastAnswer ?? { ok: false, error: 'not asked' };
  }

  /** The workspace URL (auth.test `url`), for permalinks; null until learnt. */
  readonly teamUrl = (): string | null => this.url;

  /** Learns the workspace URL; Slack being unreachable now only makes permalinks plainer. */
  learnTeamUrl(logger: Logger): void {
    this.whoAmI()
      .then((r) => {
        this.url = typeof r.url === 'string' ? r.url : null;
      })
      .catch((err: unknown) => logger.warn({ err }, 'auth.test failed; permalinks fall back to channel links'));
  }
}
