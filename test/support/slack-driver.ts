/**
 * Plays Slack sending requests to our app's `/slack/events` endpoint: Events API envelopes (JSON), slash commands
 * (form), interactivity payloads (`payload=<json>` form), all signed with the real scheme
 * (X-Slack-Request-Timestamp + X-Slack-Signature). It works hand in hand with the Slack emulator: user messages
 * are stored there first (fresh ts), trigger_ids and response_urls come from it, and what the app answers
 * (command ack bodies, view_submission response_actions) is applied to it as Slack would.
 *
 *   const driver = createSlackDriver({ appUrl: `${app.url}/slack/events`, signingSecret, emulator });
 *   const { ts } = await driver.userReply('U0ADA', 'C0SUPPORT', card.ts, 'Hi, I can help');
 *   const res = await driver.event(ev, { signature: 'stale' });   // expect(res.status).toBe(401)
 *
 * With `socketMode: true` (no appUrl or signing secret) the same events, commands and interactions go to an app
 * connected to the emulator over Socket Mode, as envelopes (`emulator.sendSocketEnvelope`); the app's ack comes back
 * as the answer: status 200, `body` = the ack's payload ('' for a bare ack), `socket` = envelope and ack.
 *
 *   const driver = createSlackDriver({ emulator, socketMode: true });
 *   const res = await driver.slashCommand('U0ADA', 'help');        // res.body.text, res.socket.ack
 *
 * The parts live in ./slack-driver/: transport.ts (signing, HTTP, Socket Mode), events.ts (Events API deliveries),
 * interactions.ts (slash commands, block actions, views, shortcuts), block-state.ts (elements and state.values),
 * context.ts (what they share), types.ts.
 */
import { eventMethods, newEventId } from './slack-driver/events';
import { interactionMethods } from './slack-driver/interactions';
import { createTransport } from './slack-driver/transport';
import type { SlackDriver, SlackDriverOptions } from './slack-driver/types';

export type * from './slack-driver/types';
export { newEventId };

/** Create a driver sending to `appUrl`, signing with `signingSecret`, backed by `emulator`. */
export function createSlackDriver(options: SlackDriverOptions): SlackDriver {
  const transport = createTransport(options);
  const ctx = { emulator: options.emulator, transport, verificationToken: options.verificationToken ?? 'legacyVerificationToken00' };
  return {
    appUrl: transport.appUrl,
    socketMode: transport.socketMode,
    ...eventMethods(ctx),
    ...interactionMethods(ctx),
    signedHeaders: transport.signedHeaders,
  };
}
