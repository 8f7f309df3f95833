/**
 * response_urls (5 uses in 30 minutes, bound to an interaction) and slash command ack bodies: both delete or
 * replace the original message, post in channel, or show an ephemeral, as Slack does.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type http from 'node:http';
import { BLOCK_KIT_LIMITS, BlockValidator } from './block-kit';
import type { MessageLog } from './messages';
import type { ResponseUrlContext, ResponseUrlPost, SlackBlock } from './types';
import { SlackApiError, bool, clone, send, shortId, str } from './util';
import type { Workspace } from './workspace';

interface ResponseUrlRecord {
  context: ResponseUrlContext;
  issuedAt: number;
  uses: number;
}

const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
const RESPONSE_URL_USES = 5;

export class ResponseUrls {
  /** Everything the app POSTed to response_urls. */
  readonly posts: ResponseUrlPost[] = [];
  private readonly urls = new Map<string, ResponseUrlRecord>();

  constructor(
    private readonly space: Workspace,
    private readonly log: MessageLog,
  ) {}

  issue(context: ResponseUrlContext): string {
    const seq = this.space.nextSeq();
    const id = `${this.space.team.id}/${1000000 + seq}/${shortId(`resp${seq}`, 24)}`;
    this.urls.set(id, { context, issuedAt: this.space.now(), uses: 0 });
    return `${this.space.baseUrl}/response_url/${id}`;
  }

  /** A slash command's HTTP ack body, shown to the user (ephemeral, or in channel with `response_type: in_channel`). */
  applyCommandAck(context: { user: string; channel: string }, body: unknown): void {
    if (body === undefined || body === null || body === '') return;
    const payload = typeof body === 'string' ? { text: body } : (body as Record<string, any>);
    if (!payload.text && !payload.blocks) return;
    this.deliver({ kind: 'command', user: context.user, channel: context.channel }, payload, 'ack');
  }

  /** `POST /response_url/…` */
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: string): void {
    const id = url.pathname.slice('/response_url/'.length);
    const rec = this.urls.get(id);
    const fullUrl = `${this.space.baseUrl}${url.pathname}`;
    let body: any;
    try {
      const ctype = String(req.headers['content-type'] ?? '');
      body = ctype.includes('x-www-form-urlencoded') ? JSON.parse(new URLSearchParams(raw).get('payload') ?? '{}') : JSON.parse(raw || '{}');
    } catch {
      body = raw;
    }
    const answer = (status: number, payload: Record<string, any>): void => {
      this.posts.push({ url: fullUrl, body, at: this.space.now(), status, context: rec ? clone(rec.context) : undefined });
      send(res, status, payload);
      this.space.changed();
    };
    if (req.method !== 'POST') return answer(405, { ok: false, error: 'method_not_allowed' });
    if (!rec) return answer(404, { ok: false, error: 'no_such_url' });
    if (this.space.now() - rec.issuedAt > RESPONSE_URL_TTL_MS) return answer(404, { ok: false, error: 'expired_url' });
    if (rec.uses >= RESPONSE_URL_USES) return answer(404, { ok: false, error: 'used_url' });
    if (!body || typeof body !== 'object') return answer(400, { ok: false, error: 'invalid_payload' });
    rec.uses += 1;
    try {
      this.deliver(rec.context, body, 'response_url');
    } catch (e) {
      if (e instanceof SlackApiError) return answer(400, { ok: false, error: e.error, ...e.extra });
      throw e;
    }
    answer(200, { ok: true });
  }

  /** Apply a response_url post or a command ack: delete/replace the original, post in channel, or ephemeral. */
  private deliver(ctx: ResponseUrlContext, body: Record<string, any>, via: 'response_url' | 'ack'): void {
    const { log, space } = this;
    const original = ctx.channel && ctx.messageTs && !ctx.isEphemeral ? log.find(ctx.channel, ctx.messageTs) : undefined;
    // An ephemeral message can be deleted or replaced through the response_url of a click on it, only for its user.
    const ephemeralIndex = ctx.isEphemeral && ctx.messageTs ? log.ephemerals.findIndex((e) => e.ts === ctx.messageTs && e.user === ctx.user) : -1;
    if (bool(body.delete_original)) {
      if (original) log.remove(original);
      if (ephemeralIndex !== -1) {
        log.ephemerals.splice(ephemeralIndex, 1);
        space.changed();
      }
      return;
    }
    const text = str(body.text) ?? '';
    let blocks: SlackBlock[] | undefined;
    if (body.blocks !== undefined) {
      const v = new BlockValidator(`resp${space.seq++}`);
      blocks = v.blocks(body.blocks, '/blocks', BLOCK_KIT_LIMITS.messageBlocks);
      if (v.errors.length) throw new SlackApiError('invalid_blocks', { errors: v.errors });
    }
    if (bool(body.replace_original) && ephemeralIndex !== -1) {
      const e = log.ephemerals[ephemeralIndex]!;
      e.text = text;
      if (blocks) e.blocks = blocks;
      else delete e.blocks;
      space.changed();
      return;
    }
    if (bool(body.replace_original) && original) {
      log.edit(original, text, blocks, space.bot.botId);
      return;
    }
    if (body.response_type === 'in_channel' && ctx.channel) {
      const ch = space.lookupChannel(ctx.channel);
      if (!ch) return;
      const threadTs = str(body.thread_ts) ?? ctx.threadTs;
      const msg = log.botMessage(ch.id, text);
      if (blocks) msg.blocks = blocks;
      if (Array.isArray(body.attachments)) msg.attachments = body.attachments.map((a: any, i: number) => ({ id: i + 1, ...a }));
      const root = threadTs ? log.find(ch.id, threadTs) : undefined;
      if (root) {
        msg.thread_ts = root.thread_ts ?? root.ts;
        msg.parent_user_id = root.user;
      }
      log.insert(msg, via);
      return;
    }
    log.addEphemeral({
      channel: ctx.channel ?? '',
      user: ctx.user,
      ts: space.nextTs(),
      text,
      ...(blocks ? { blocks } : {}),
      ...(body.attachments ? { attachments: body.attachments } : {}),
      ...(ctx.threadTs ? { thread_ts: ctx.threadTs } : {}),
      via,
    });
  }
}
