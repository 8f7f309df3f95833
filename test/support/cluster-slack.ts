/**
 * Slack's side of test/cluster.test.ts: agents act in the emulated workspace and Slack delivers
 * each request, signed, to one instance behind the load balancer, picked at random among the live
 * ones. As Slack does, an event delivery that fails (refused, reset, no 2xx) is delivered again,
 * same event_id, with X-Slack-Retry-Num, here to another instance; and some events are delivered
 * twice at once, to two instances (a retry racing the original).
 */
import { ACTION } from '../../src/slack/ids';
import type { Instance } from './cluster-instances';
import { createSlackDriver, newEventId, type SlackDriver } from './slack-driver';
import type { EmulatedMessage, SlackEmulator } from './slack-emulator';

export class SlackSide {
  private readonly drivers = new Map<string, SlackDriver>();
  /** Deliveries that failed and were sent again elsewhere (for the report). */
  redelivered = 0;

  constructor(
    readonly emulator: SlackEmulator,
    private readonly instances: Instance[],
    private readonly signingSecret: string,
    readonly channel: string,
    private readonly random: () => number,
  ) {}

  driver(instance: Instance): SlackDriver {
    let d = this.drivers.get(instance.name);
    if (!d) {
      d = createSlackDriver({ appUrl: `${instance.url}/slack/events`, signingSecret: this.signingSecret, emulator: this.emulator });
      this.drivers.set(instance.name, d);
    }
    return d;
  }

  /** A live instance at random, other than `not` when another is live. */
  pick(not?: Instance): Instance {
    const live = this.instances.filter((x) => x.alive);
    if (!live.length) throw new Error('no live instance');
    const others = live.filter((x) => x !== not);
    const from = others.length ? others : live;
    return from[Math.floor(this.random() * from.length)]!;
  }

  /** `user` clicks Claim on the card, the request going to `instance`. */
  async claim(user: string, cardTs: string, instance: Instance): Promise<number> {
    const card = this.emulator.message(this.channel, cardTs);
    if (!card) throw new Error(`no card ${cardTs}`);
    const res = await this.driver(instance).blockAction(user, { actionId: ACTION.claim, message: card, channel: this.channel });
    return res.status;
  }

  /**
   * `user` replies in the card's thread: the message is posted in Slack, then its event is delivered
   * to `to` or a random instance, and also to another at once with the same event_id when `twice`.
   */
  async reply(user: string, threadTs: string, text: string, options: { twice?: boolean; to?: Instance } = {}): Promise<EmulatedMessage> {
    const { twice = false } = options;
    const message = this.emulator.postAsUser(user, this.channel, text, { thread_ts: threadTs });
    const eventId = newEventId();
    const first = options.to ?? this.pick();
    const deliveries = [this.deliver(message, eventId, first, 0)];
    if (twice) deliveries.push(this.deliver(message, eventId, this.pick(first), 1));
    await Promise.all(deliveries);
    return message;
  }

  /** Delivers until an instance answers 2xx, moving to another after a failure, as Slack retries. */
  private async deliver(message: EmulatedMessage, eventId: string, instance: Instance, retryNum: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (let attempt = retryNum; ; attempt++) {
      let outcome: string;
      try {
        const res = await this.driver(instance).deliverMessage(message, {
          eventId,
          ...(attempt > 0 ? { retryNum: Math.min(attempt, 3), retryReason: 'http_error' } : {}),
        });
        if (res.status >= 200 && res.status < 300) return;
        outcome = `HTTP ${res.status}`;
      } catch (err) {
        outcome = String((err as Error).cause ?? err);
      }
      this.redelivered++;
      if (Date.now() > deadline) throw new Error(`event ${eventId} was never accepted (last: ${outcome})`);
      await new Promise((r) => setTimeout(r, 200));
      instance = this.pick(instance);
    }
  }
}
