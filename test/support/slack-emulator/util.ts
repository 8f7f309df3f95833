/** Small helpers shared by the emulator's parts: Slack's error answer, argument coercion, ids, paging. */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { SlackBlock } from './types';

/** Thrown by a Web API method: answered as `{ ok: false, error, ...extra }`. */
export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

export function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

export function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

export function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

export function int(v: unknown, dflt: number): number {
  const n = typeof v === 'number' ? v : Number.parseInt(String(v ?? ''), 10);
  return Number.isFinite(n) ? n : dflt;
}

export function missing(field: string): SlackApiError {
  return new SlackApiError('invalid_arguments', { response_metadata: { messages: [`[ERROR] missing required field: ${field}`] } });
}

export function tsToMicros(ts: string): number {
  const [s, f = '0'] = ts.split('.');
  return Number(s) * 1e6 + Number(f.padEnd(6, '0').slice(0, 6));
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64');
}

function decodeCursor(cursor: unknown): number {
  if (typeof cursor !== 'string' || cursor === '') return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!m) throw new SlackApiError('invalid_cursor');
  return Number(m[1]);
}

export function paginate<T>(items: T[], args: Record<string, any>, dfltLimit: number): { page: T[]; next: string } {
  const offset = decodeCursor(args.cursor);
  const limit = Math.max(1, Math.min(int(args.limit, dfltLimit) || dfltLimit, 1000));
  const page = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? encodeCursor(offset + limit) : '';
  return { page, next };
}

export function shortId(seed: string, len = 5): string {
  return createHash('sha1').update(seed).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, len);
}

export function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });
}

export function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function summarizeArgs(args: Record<string, any>): string {
  const keep: Record<string, unknown> = {};
  for (const k of ['channel', 'ts', 'thread_ts', 'user', 'users', 'user_id', 'view_id', 'trigger_id', 'text']) {
    if (args[k] !== undefined) keep[k] = typeof args[k] === 'string' && args[k].length > 60 ? `${args[k].slice(0, 57)}...` : args[k];
  }
  return JSON.stringify(keep);
}

export function richTextBlocks(text: string, blockId: string): SlackBlock[] {
  return [{ type: 'rich_text', block_id: blockId, elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }] }];
}

export function uuidFrom(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The first element with `actionId` (and `value`, when given) in a message's blocks. */
export function findElement(blocks: SlackBlock[], actionId: string, value?: string): { block: SlackBlock; element: any } | undefined {
  for (const block of blocks) {
    const els: any[] = [];
    if (Array.isArray(block.elements)) els.push(...block.elements);
    if (block.accessory) els.push(block.accessory);
    if (block.element) els.push(block.element);
    for (const el of els) {
      if (el && el.action_id === actionId && (value === undefined || el.value === value || el.options?.some((o: any) => o.value === value))) {
        return { block, element: el };
      }
    }
  }
  return undefined;
}
