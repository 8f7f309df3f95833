import type { WebSocket, RawData } from 'ws';
import { send, type ConnectionRegistry } from './connection-registry';
import { messageFrame, wireAgent } from './frames';
import { clientFrameSchema, type ClientFrame, type ErrorCode, type ServerFrame } from './protocol';
import { DomainError } from '../core/errors';
import type { ConversationService } from '../core/conversation-service';
import type { Logger } from '../logger';

export interface WidgetSocketDeps {
  core: ConversationService;
  registry: ConnectionRegistry;
  logger: Logger;
  /** Frames a socket may send per second on average, and in a burst. */
  rate?: { perSecond: number; burst: number };
}

const DEFAULT_RATE = { perSecond: 10, burst: 30 };

/** Drops `__proto__` keys while parsing so no frame can touch an object's prototype. */
const safeReviver = (key: string, value: unknown) => (key === '__proto__' ? undefined : value);

/**
 * One widget connection. The message handler is attached before anything is awaited so no frame is
 * lost; frames are handled strictly in arrival order (a promise chain), so a message sent right
 * after `hello` is never processed before the session exists.
 */
export function handleWidgetSocket(socket: WebSocket, deps: WidgetSocketDeps): void {
  const { core, registry, logger } = deps;
  const rate = deps.rate ?? DEFAULT_RATE;
  let conversationId: string | null = null;
  let tokens = rate.burst;
  let lastRefill = Date.now();
  let chain: Promise<void> = Promise.resolve();

  const reply = (frame: ServerFrame) => send(socket, frame, logger);
  const fail = (code: ErrorCode, message: string, clientId?: string) =>
    reply(clientId ? { type: 'error', code, message, clientId } : { type: 'error', code, message });

  socket.on('message', (data: RawData, isBinary: boolean) => {
    // Nothing a client sends may throw out of here: that would take the process down.
    try {
      onFrame(data, isBinary);
    } catch (err) {
      logger.error({ err }, 'widget frame handling failed');
      fail('internal', 'Something went wrong on our side. Please try again.');
    }
  });

  function onFrame(data: RawData, isBinary: boolean): void {
    const now = Date.now();
    tokens = Math.min(rate.burst, tokens + ((now - lastRefill) / 1000) * rate.perSecond);
    lastRefill = now;
    if (tokens < 1) {
      fail('rate_limited', 'You are sending messages too quickly. Please wait a moment.');
      return;
    }
    tokens -= 1;

    if (isBinary) return fail('bad_frame', 'Frames must be JSON text.');
    const frame = parseFrame(data);
    if (!frame.ok) return fail('bad_frame', frame.message, frame.clientId);
    chain = chain.then(() => handle(frame.value)).catch((err: unknown) => {
      if (err instanceof DomainError) {
        fail(err.code === 'invalid_email' || err.code === 'not_resolved' ? err.code : 'bad_frame', err.message, clientIdOf(frame.value));
      } else if (isStorageUnavailable(err)) {
        // Locked by another process, a full or read-only disk: nothing was stored; the widget
        // keeps the message and sends it again with the same clientId.
        logger.error({ err, type: frame.value.type }, 'the database refused a write');
        fail('unavailable', "We couldn't save that just now. It will be sent again in a moment.", clientIdOf(frame.value));
      } else {
        logger.error({ err, type: frame.value.type }, 'widget frame failed');
        fail('internal', 'Something went wrong on our side. Please try again.', clientIdOf(frame.value));
      }
    });
  }

  socket.on('close', () => {
    if (conversationId) registry.remove(conversationId, socket);
  });
  socket.on('error', (err) => logger.debug({ err }, 'widget socket error'));

  async function handle(frame: ClientFrame): Promise<void> {
    if (frame.type === 'hello') {
      if (conversationId) return fail('already_started', 'This connection already said hello.');
      const session = core.openSession({ token: frame.token, reopen: frame.reopen, visitor: frame.visitor, page: frame.page });
      const { conversation } = session;
      const welcome: Extract<ServerFrame, { type: 'welcome' }> = {
        type: 'welcome',
        token: session.token,
        conversationId: conversation.id,
        state: conversation.state,
      };
      const agent = wireAgent(core.agentFor(conversation));
      if (agent) welcome.agent = agent;
      reply(welcome);
      // Replay and registration happen in the same tick: nothing committed in between is missed or doubled.
      const replay = core.replay(conversation.id, frame.lastSeq ?? 0);
      for (const m of replay) reply(messageFrame(m));
      // What was just sent has been seen: it need not be emailed.
      core.markSeen(conversation.id, Math.max(frame.lastSeq ?? 0, replay.at(-1)?.seq ?? 0));
      conversationId = conversation.id;
      registry.add(conversation.id, socket);
      if (conversation.state === 'waiting') {
        reply({ type: 'state', state: 'waiting', queue: core.queueInfo(conversation.id) });
      }
      return;
    }
    if (!conversationId) return fail('hello_required', 'Send a hello frame first.', clientIdOf(frame));
    switch (frame.type) {
      case 'message': {
        const { message } = await core.customerMessage(conversationId, frame.clientId, frame.text);
        reply({ type: 'ack', clientId: frame.clientId, id: message.id, seq: message.seq });
        return;
      }
      case 'request_human':
        return core.requestHuman(conversationId);
      case 'email':
        return core.setEmail(conversationId, frame.email);
      case 'page':
        return core.setPage(conversationId, frame.url, frame.title);
      case 'typing':
        return core.typing(conversationId, frame.typing);
      case 'rate':
        return core.rate(conversationId, frame.score, frame.comment);
    }
  }
}

type Parsed = { ok: true; value: ClientFrame } | { ok: false; message: string; clientId?: string };

function parseFrame(data: RawData): Parsed {
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text, safeReviver);
  } catch {
    return { ok: false, message: 'Frames must be valid JSON.' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, message: 'A frame must be a JSON object with a type.' };
  }
  const result = clientFrameSchema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const obj = json as { type?: unknown; clientId?: unknown };
  const clientId = typeof obj.clientId === 'string' && obj.clientId.length <= 64 ? obj.clientId : undefined;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  const message =
    issue?.code === 'invalid_union' || issue?.path[0] === 'type'
      ? 'Unknown frame type.'
      : `Invalid ${String(obj.type)} frame: ${where}${issue?.message ?? 'invalid'}`;
  return clientId ? { ok: false, message, clientId } : { ok: false, message };
}

function clientIdOf(frame: ClientFrame): string | undefined {
  return frame.type === 'message' ? frame.clientId : undefined;
}

/** SQLite errors that mean "not now" rather than "never": busy, locked, full, read-only, I/O. */
function isStorageUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|FULL|READONLY|IOERR|CANTOPEN)/.test(code);
}
