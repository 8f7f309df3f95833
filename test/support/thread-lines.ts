import type { EmulatedMessage, SlackEmulator } from './slack-emulator';

/**
 * What a post shows, as text: its sections' mrkdwn in order (a post that took in several customer
 * messages has them there, each on its own lines), else its `text`.
 */
export function postText(m: EmulatedMessage): string {
  const sections = ((m.blocks ?? []) as { type?: string; text?: { text?: string } }[]).filter(
    (b) => b.type === 'section' && typeof b.text?.text === 'string',
  );
  return sections.length ? sections.map((b) => b.text!.text!).join('\n') : m.text;
}

/** A customer's post in a thread: made under their name, marked as a customer's. */
export const isCustomerPost = (m: EmulatedMessage) => m.username?.endsWith('(customer)') ?? false;

/**
 * The lines of a thread's replies, in order. Customer messages still waiting for Slack merge into one
 * post (issue 17), so tests count messages as lines, not as posts. `customer`: only customer posts.
 */
export function threadLines(emulator: SlackEmulator, channel: string, ts: string, opts: { customer?: boolean } = {}): string[] {
  return emulator
    .replies(channel, ts)
    .filter((m) => !opts.customer || isCustomerPost(m))
    .flatMap((m) => postText(m).split('\n'));
}
