/**
 * The Web API endpoint, `POST /api/{method}`: parses form and JSON bodies as Slack does, plays the scripted
 * faults, holds and rate limits, verifies the token and scope, runs the method, and records every call.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type http from 'node:http';
import type { TokenAuth } from '../auth';
import type { FaultPlan } from '../faults';
import type { ApiCall, SlackFault } from '../types';
import { SlackApiError, send, shortId, sleep, summarizeArgs } from '../util';
import { appMethods } from './apps';
import { chatMethods } from './chat';
import type { ApiContext, MethodTable } from './context';
import { conversationMethods } from './conversations';
import { fileMethods } from './files';
import { userMethods } from './users';
import { viewMethods } from './views';

/** Arguments Slack decodes from JSON when a form sends them as strings. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'view', 'unfurls', 'user_auth_blocks', 'files']);

export type CallCounters = { calls: number; ok: number; errors: number; rateLimited: number; faults: number };

export class WebApi {
  /** Every call, in the order answered. */
  readonly calls: ApiCall[] = [];
  readonly counters = new Map<string, CallCounters>();
  private readonly methods: MethodTable;

  constructor(
    private readonly ctx: ApiContext,
    private readonly auth: TokenAuth,
    private readonly faults: FaultPlan,
    private readonly timers: Set<NodeJS.Timeout>,
  ) {
    this.methods = { ...appMethods(ctx), ...chatMethods(ctx), ...conversationMethods(ctx), ...fileMethods(ctx), ...userMethods(ctx), ...viewMethods(ctx) };
  }

  clear(): void {
    this.calls.length = 0;
    this.counters.clear();
  }

  private parseArgs(req: http.IncomingMessage, url: URL, raw: string): { args: Record<string, any>; token?: string; parseError?: string } {
    const args: Record<string, any> = Object.fromEntries(url.searchParams);
    const ctype = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let bodyToken: string | undefined;
    if (raw.length > 0) {
      if (ctype === 'application/json') {
        try {
          const parsed = JSON.parse(raw);
          if (parsed && typeof parsed === 'object') Object.assign(args, parsed);
          delete args.token; // Slack ignores a token in a JSON body; it must be in Authorization.
        } catch {
          return { args, parseError: 'invalid_json' };
        }
      } else if (ctype === 'application/x-www-form-urlencoded' || ctype === '' || ctype === 'text/plain') {
        const form = new URLSearchParams(raw);
        for (const [k, v] of form) args[k] = v;
        bodyToken = form.get('token') ?? undefined;
        delete args.token;
      } else {
        return { args, parseError: 'invalid_post_type' };
      }
    } else if (url.searchParams.has('token')) {
      bodyToken = url.searchParams.get('token') ?? undefined;
      delete args.token;
    }
    const auth = req.headers.authorization;
    const headerToken = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    const decoded: Record<string, any> = {};
    for (const [k, v] of Object.entries(args)) {
      if (JSON_FIELDS.has(k) && typeof v === 'string') {
        try {
          decoded[k] = JSON.parse(v);
        } catch {
          decoded[k] = v;
        }
      } else decoded[k] = v;
    }
    return { args: decoded, token: headerToken || bodyToken };
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: string): Promise<void> {
    const { space } = this.ctx;
    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const at = space.now();
    const { args, token, parseError } = this.parseArgs(req, url, raw);
    const counter = this.counters.get(method) ?? { calls: 0, ok: 0, errors: 0, rateLimited: 0, faults: 0 };
    this.counters.set(method, counter);
    counter.calls += 1;
    const record = (status: number, response: any, fault?: SlackFault): void => {
      const ok = !!response && response.ok === true;
      if (status !== 0 && status !== 429) {
        if (ok) counter.ok += 1;
        else counter.errors += 1;
      }
      const call: ApiCall = { method, args, token, at, status, ok, response, fault };
      if (!ok) call.error = response?.error ?? (status === 0 ? 'connection_reset' : `http_${status}`);
      this.calls.push(call);
      if (space.logging) space.log(`${method} ${summarizeArgs(args)} -> ${status} ${ok ? 'ok' : call.error}`);
      space.changed();
    };
    const answer = (status: number, body: any, fault?: SlackFault): void => {
      send(res, status, body);
      record(status, body, fault);
    };

    if ((await this.faults.waitIfHeld(method, args)) && space.closed) return;

    const fault = this.faults.takeFault(method, args);
    if (fault) {
      counter.faults += 1;
      if (fault.delayMs) await sleep(fault.delayMs, this.timers);
      if (space.closed) return;
      if (fault.reset) {
        record(0, undefined, fault);
        req.socket.destroy();
        return;
      }
      if (fault.status === 429) {
        res.setHeader('retry-after', String(fault.retryAfter ?? 1));
        counter.rateLimited += 1;
        return answer(429, { ok: false, error: 'ratelimited' }, fault);
      }
      if (fault.status !== undefined && fault.status !== 200) return answer(fault.status, (fault.body as any) ?? { ok: false, error: 'fatal_error' }, fault);
      if (fault.error) return answer(200, { ok: false, error: fault.error, ...fault.extra }, fault);
      if (fault.body !== undefined) return answer(200, fault.body, fault);
    }

    const tokenScopes = this.auth.scopesOf(token);
    const scopesHeader = [...tokenScopes].join(',');
    res.setHeader('x-oauth-scopes', scopesHeader);
    res.setHeader('x-slack-req-id', shortId(`req${at}${this.calls.length}`, 16));
    let body: Record<string, any>;
    let status = 200;
    try {
      if (parseError) throw new SlackApiError(parseError);
      const handler = this.methods[method];
      if (!handler) throw new SlackApiError('unknown_method', { req_method: method });
      const needed = this.auth.verify(method, token, args);
      if (needed) res.setHeader('x-accepted-oauth-scopes', needed);
      if (needed && !tokenScopes.has(needed)) throw new SlackApiError('missing_scope', { needed, provided: scopesHeader });
      const retryAfter = this.faults.checkRateLimit(method, args);
      if (retryAfter !== null) {
        res.setHeader('retry-after', String(retryAfter));
        counter.rateLimited += 1;
        status = 429;
        throw new SlackApiError('ratelimited');
      }
      body = { ok: true, ...handler(args) };
    } catch (e) {
      if (!(e instanceof SlackApiError)) throw e;
      body = { ok: false, error: e.error, ...e.extra };
    }
    answer(status, body);
  }
}
