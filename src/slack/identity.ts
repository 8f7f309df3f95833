import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger';

type AuthTest = Awaited<ReturnType<WebClient['auth']['test']>>;

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

  whoAmI(): Promise<AuthTest> {
    return (this.identity ??= this.client.auth.test().catch((err: unknown) => {
      this.identity = null;
      throw err;
    }));
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
