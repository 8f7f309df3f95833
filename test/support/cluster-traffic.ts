/**
 * Steady traffic for test/cluster.test.ts while instances die and come back: every customer writes
 * a message every 150–300 ms (under the widget socket's 10 a second, so nothing is refused for
 * rate) and every owner replies in Slack every 200–400 ms, every other reply delivered twice.
 * The pauses pace the load; no step waits on them for a result.
 */
import type { Customer } from './cluster-customer';
import type { Instance } from './cluster-instances';
import type { SlackSide } from './cluster-slack';

export interface Conversation {
  customer: Customer;
  owner: string;
  threadTs: string;
  /** Agent replies sent so far, in the order sent. */
  replies: string[];
}

export class Traffic {
  private running = false;
  private loops: Promise<void>[] = [];
  private replyCount = 0;

  constructor(
    private readonly slack: SlackSide,
    private readonly conversations: Conversation[],
    private readonly random: () => number,
  ) {}

  /** The customer's next message (numbered from 1 in the order written). */
  write(c: Conversation): void {
    c.customer.write(`${c.customer.o.name} m${c.customer.written.length + 1}`);
  }

  /** The owner's next reply, delivered to `to` or a random instance (every other one twice). */
  reply(c: Conversation, to?: Instance): Promise<unknown> {
    const text = `Reply ${c.replies.length + 1} to ${c.customer.o.name}`;
    c.replies.push(text);
    return this.slack.reply(c.owner, c.threadTs, text, { twice: ++this.replyCount % 2 === 0, to });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.conversations.flatMap((c) => [
      this.loop(150, () => this.write(c)),
      this.loop(200, () => this.reply(c)),
    ]);
  }

  /** Stops and resolves once every delivery started has been answered. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(minMs: number, step: () => unknown): Promise<void> {
    while (this.running) {
      await step();
      await new Promise((r) => setTimeout(r, minMs * (1 + this.random())));
    }
  }
}
