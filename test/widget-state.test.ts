/**
 * The widget's pure reducer (widget/src/state.ts): server frames and the customer's intents in,
 * state out. No DOM, no socket, no storage: what the chat shows follows from these.
 */
import { describe, expect, it } from 'vitest';
import type { ServerFrame, WireFile } from '../src/gateway/protocol';
import { initialState, pendingOf, reduce, visible, type WidgetEvent, type WidgetState } from '../widget/src/state';

const run = (events: WidgetEvent[], from: WidgetState = initialState()) => events.reduce(reduce, from);
const welcome = (conversationId = 'c1', state: 'ai' | 'resolved' | 'human' = 'ai'): ServerFrame => ({ type: 'welcome', token: 't', conversationId, state });
const message = (seq: number, text: string, role: 'customer' | 'ai' | 'agent' = 'ai', clientId?: string): ServerFrame => ({
  type: 'message',
  id: `m${seq}`,
  seq,
  role,
  text,
  at: '2024-01-01T00:00:00Z',
  ...(clientId ? { clientId } : {}),
});
const withFiles = (seq: number, text: string, files: WireFile[], role: 'customer' | 'ai' | 'agent' = 'agent'): ServerFrame => ({
  type: 'message',
  id: `m${seq}`,
  seq,
  role,
  text,
  at: '2024-01-01T00:00:00Z',
  files,
});
const shown = (s: WidgetState) => s.items.filter((i) => i.text).map((i) => i.text);

describe('the widget state', () => {
  it('takes a welcome: the conversation, its state, and what this browser remembered about it', () => {
    const s = run([{ ...welcome('c1', 'ai'), saved: { seen: 4, email: 'a@b.co', rated: 0 } }]);
    expect(s).toMatchObject({ conversationId: 'c1', state: 'ai', seenSeq: 4, email: 'a@b.co', offline: false });
    // Welcomed again on the same conversation (a reconnect): nothing is forgotten or re-read.
    const again = run([message(1, 'Hello'), { ...welcome('c1'), saved: { seen: 0, email: null, rated: 0 } }], s);
    expect(again).toMatchObject({ seenSeq: 4, email: 'a@b.co', lastSeq: 1 });
    expect(shown(again)).toEqual(['Hello']);
    // Another conversation: its stored messages replace the old ones.
    const other = run([welcome('c2')], again);
    expect(other).toMatchObject({ conversationId: 'c2', lastSeq: 0, seenSeq: 0, email: null });
    expect(other.items).toEqual([]);
  });

  it('orders messages by seq, after none of the pending ones, and adds each seq once', () => {
    let s = run([welcome(), { type: 'send', clientId: 'x', text: 'mine, unsent' }]);
    s = run([message(3, 'three'), message(1, 'one'), message(2, 'two'), message(2, 'two again'), message(1, 'one again')], s);
    expect(shown(s)).toEqual(['one', 'two', 'three', 'mine, unsent']);
    expect(s.lastSeq).toBe(3);
    // A message replayed as deleted is known (not added later) but not shown.
    s = run([message(4, ''), message(4, 'back?')], s);
    expect(shown(s)).toEqual(['one', 'two', 'three', 'mine, unsent']);
    s = run([{ type: 'message_updated', id: 'm2', seq: 2, text: 'two, edited' }, { type: 'message_deleted', id: 'm1', seq: 1 }], s);
    expect(shown(s)).toEqual(['two, edited', 'three', 'mine, unsent']);
    // Once deleted, an edit does not bring it back.
    s = run([{ type: 'message_updated', id: 'm1', seq: 1, text: 'one?' }], s);
    expect(shown(s)).toEqual(['two, edited', 'three', 'mine, unsent']);
  });

  it('keeps the customer’s messages pending, in the order written, until acked; an ack or its echo stores it at its seq', () => {
    let s = run([welcome(), { type: 'send', clientId: 'a', text: 'first' }, { type: 'send', clientId: 'b', text: 'second' }]);
    expect(s.items.map((i) => [i.text, i.status])).toEqual([
      ['first', 'sending'],
      ['second', 'sending'],
    ]);
    s = run([{ type: 'ack', clientId: 'b', id: 'm5', seq: 5 }], s);
    expect(s.items.map((i) => [i.text, i.seq, i.status])).toEqual([
      ['second', 5, undefined],
      ['first', undefined, 'sending'],
    ]);
    expect(pendingOf(s, 'b')).toBeUndefined();
    // The echo of a pending message (its clientId) stores it too; an unknown ack changes nothing.
    s = run([message(4, 'first', 'customer', 'a'), { type: 'ack', clientId: 'zzz', id: 'm9', seq: 9 }], s);
    expect(s.items.map((i) => [i.text, i.seq, i.clientId])).toEqual([
      ['first', 4, 'a'],
      ['second', 5, 'b'],
    ]);
    expect(s.lastSeq).toBe(5);
  });

  it('marks the message an error names by its clientId: retrying when the refusal is for now, failed when it is for good', () => {
    let s = run([welcome(), { type: 'send', clientId: 'a', text: 'busy' }, { type: 'send', clientId: 'b', text: 'too much' }]);
    s = run(
      [
        { type: 'error', code: 'rate_limited', message: 'Slow down', clientId: 'a' },
        { type: 'error', code: 'bad_frame', message: 'Too long', clientId: 'b' },
      ],
      s,
    );
    expect(s.items.map((i) => [i.clientId, i.status])).toEqual([
      ['a', 'retry'],
      ['b', 'failed'],
    ]);
    expect(pendingOf(s, 'a')?.status).toBe('retry');
    expect(pendingOf(s, 'b')).toBeUndefined();
    expect(s.notice).toBeUndefined();
    // About a message already stored (a resend): nothing to show. Without a clientId: a notice.
    s = run([{ type: 'error', code: 'internal', message: 'x', clientId: 'stored' }], s);
    expect(s.notice).toBeUndefined();
    // Said in the customer's language (a text's key), not in the server's English message.
    s = run([{ type: 'error', code: 'internal', message: 'Internal error' }], s);
    expect(s.notice).toEqual({ key: 'errorInternal' });
    s = run([{ type: 'error', code: 'rate_limited', message: 'Slow down' }], s);
    expect(s.notice).toEqual({ key: 'errorRateLimited' });
    s = run([{ type: 'error', code: 'unavailable', message: 'Try later' }], s);
    expect(s.notice).toEqual({ key: 'errorUnavailable' });
    s = run([{ type: 'error', code: 'not_resolved', message: 'Not resolved' }], s);
    expect(s.notice).toEqual({ key: 'error' });
    // A message stored later goes before the one still pending; the failed one stays where it was.
    s = run([message(1, 'reply')], s);
    expect(s.items.map((i) => i.text)).toEqual(['reply', 'busy', 'too much']);
  });

  it('follows the conversation state: a human request ends with a handoff, the queue shows only while waiting', () => {
    let s = run([welcome(), { type: 'human' }]);
    expect(s.humanAsked).toBe(true);
    s = run([{ type: 'state', state: 'waiting', queue: { position: 2, etaSeconds: 90 } }], s);
    expect(s).toMatchObject({ state: 'waiting', humanAsked: false, queue: { position: 2, etaSeconds: 90 } });
    // A state frame without a queue keeps the last one while still waiting.
    s = run([{ type: 'state', state: 'waiting' }], s);
    expect(s.queue).toEqual({ position: 2, etaSeconds: 90 });
    s = run([{ type: 'state', state: 'human', agent: { name: 'Ada' } }], s);
    expect(s).toMatchObject({ state: 'human', agent: { name: 'Ada' }, queue: undefined });
    // The agent's typing shows until their message arrives.
    s = run([{ type: 'typing', role: 'agent', typing: true }], s);
    expect(s.typing).toBe('agent');
    s = run([{ type: 'typing', role: 'customer', typing: true }, message(7, 'Hi, Ada here', 'agent')], s);
    expect(s.typing).toBeUndefined();
  });

  it('asks for a rating once resolved, remembers the score given, and asks again after a reopening', () => {
    let s = run([welcome('c1', 'human'), { type: 'state', state: 'resolved' }]);
    expect(s).toMatchObject({ state: 'resolved', rated: 0, score: 0 });
    s = run([{ type: 'pick', score: 4 }, { type: 'rate' }], s);
    expect(s).toMatchObject({ score: 4, rated: 4 });
    // Reopened: the rating is forgotten; resolved again, a new one is asked for.
    s = run([{ type: 'state', state: 'ai' }], s);
    expect(s.rated).toBe(0);
    s = run([{ type: 'state', state: 'resolved' }], s);
    expect(s).toMatchObject({ rated: 0, score: 0 });
    // A reload after rating: the welcome brings the remembered score.
    const reloaded = run([{ ...welcome('c1', 'resolved'), saved: { seen: 0, email: null, rated: 5 } }]);
    expect(reloaded).toMatchObject({ state: 'resolved', rated: 5 });
  });

  it('counts replies as unread while the chat is closed, and none once it is open', () => {
    let s = run([{ ...welcome(), saved: { seen: 1, email: null, rated: 0 } }, message(1, 'seen before'), message(2, 'new'), message(3, 'mine', 'customer')]);
    expect(s.unread).toBe(1);
    s = run([{ type: 'open' }], s);
    expect(s).toMatchObject({ unread: 0, seenSeq: 3 });
    s = run([message(4, 'while open')], s);
    expect(s).toMatchObject({ unread: 0, seenSeq: 4 });
  });

  it('takes the email the card found valid, asks for a valid one otherwise; a server refusal asks again', () => {
    // The card (widget-later.js) passes '' for an address that does not look like one.
    let s = run([welcome(), { type: 'email', email: '' }]);
    expect(s.email).toBeNull();
    expect(s.emailError).toEqual({ key: 'emailInvalid' });
    const first = s.emailError;
    s = run([{ type: 'email', email: '' }], s);
    expect(s.emailError).not.toBe(first); // said again
    s = run([{ type: 'email', email: 'jane@example.com' }], s);
    expect(s).toMatchObject({ email: 'jane@example.com', emailError: undefined });
    s = run([{ type: 'error', code: 'invalid_email', message: '' }], s);
    expect(s).toMatchObject({ email: null, emailError: { key: 'emailCheck' } });
  });

  it('forgets the stored messages for another signed-in user, keeping the unsent ones', () => {
    let s = run([welcome(), message(1, 'old'), { type: 'send', clientId: 'u', text: 'unsent' }, { type: 'reset' }]);
    expect(s.items.map((i) => i.text)).toEqual(['unsent']);
    expect(s.lastSeq).toBe(0);
    s = run([{ type: 'offline', offline: true }, { type: 'notice', key: 'tooLong' }], s);
    expect(s).toMatchObject({ offline: true, notice: { key: 'tooLong' } });
    s = run([{ type: 'notice' }, welcome()], s);
    expect(s).toMatchObject({ offline: false, notice: undefined });
  });

  it('shows messages with files even without text; an update replaces the files (one deleted in Slack goes), a deletion takes both', () => {
    const shot = { id: 'f_1', name: 'shot.png', mime: 'image/png', size: 10, url: 'https://h.example/files/f_1/shot.png?exp=1&sig=x' };
    const doc = { id: 'f_2', name: 'report.pdf', mime: 'application/pdf', size: 20, url: 'https://h.example/files/f_2/report.pdf?exp=1&sig=y' };
    let s = run([welcome(), withFiles(3, '', [shot, doc]), { type: 'open' }]);
    expect(s.items.map((i) => [i.text, i.files?.map((f) => f.name)])).toEqual([['', ['shot.png', 'report.pdf']]]);
    expect(visible(s.items[0]!)).toBe(true);
    // An earlier message arriving later goes before it: the files-only message counts as shown.
    s = run([message(2, 'and the text')], s);
    expect(s.items.map((i) => i.seq)).toEqual([2, 3]);
    s = run([{ type: 'message_updated', id: 'm3', seq: 3, text: '', files: [doc] }], s);
    expect(s.items[1]!.files).toEqual([doc]);
    // An edit of the text alone keeps the files.
    s = run([{ type: 'message_updated', id: 'm3', seq: 3, text: 'see attached' }], s);
    expect(s.items[1]).toMatchObject({ text: 'see attached', files: [doc] });
    s = run([{ type: 'message_updated', id: 'm3', seq: 3, text: '', files: [] }], s);
    expect(visible(s.items[1]!)).toBe(false);
    s = run([{ type: 'message_updated', id: 'm2', seq: 2, text: 'and the text', files: [shot] }, { type: 'message_deleted', id: 'm2', seq: 2 }], s);
    expect(s.items.filter(visible)).toEqual([]);
    // Deleted, the seq is still known: a replay does not bring it back.
    s = run([withFiles(2, 'again', [shot])], s);
    expect(s.items.filter(visible)).toEqual([]);
  });

  it('keeps a message with uploads pending until each is stored; a refused file leaves it, and a message left empty goes', () => {
    const up = (key: string, name = `${key}.png`) => ({ key, name, mime: 'image/png', size: 5 });
    let s = run([welcome(), { type: 'send', clientId: 'a', text: 'two files', files: [up('k1'), up('k2')] }, { type: 'send', clientId: 'b', text: '', files: [up('k3')] }]);
    expect(s.items.map((i) => [i.clientId, i.files?.map((f) => f.id ?? null)])).toEqual([
      ['a', [null, null]],
      ['b', [null]],
    ]);
    s = run([{ type: 'file', key: 'k1', file: { ...up('k1'), id: 'f_1' } }], s);
    expect(pendingOf(s, 'a')!.files).toEqual([{ ...up('k1'), id: 'f_1' }, up('k2')]);
    // Refused: out of the message, which keeps its text and its other file.
    s = run([{ type: 'file', key: 'k2', file: null }], s);
    expect(pendingOf(s, 'a')!.files).toEqual([{ ...up('k1'), id: 'f_1' }]);
    // A message of one refused file and no text is not sent at all.
    s = run([{ type: 'file', key: 'k3', file: null }], s);
    expect(pendingOf(s, 'b')).toBeUndefined();
    expect(s.items.map((i) => i.clientId)).toEqual(['a']);
    // An upload that finishes before its message is sent (still in the preview) changes nothing here; a send without files has none.
    const same = run([{ type: 'file', key: 'k9', file: { ...up('k9'), id: 'f_9' } }, { type: 'send', clientId: 'c', text: 'plain', files: [] }], s);
    expect(same.items.map((i) => [i.clientId, i.files])).toEqual([
      ['a', [{ ...up('k1'), id: 'f_1' }]],
      ['c', undefined],
    ]);
    // Acked: stored at its seq with its files.
    s = run([{ type: 'ack', clientId: 'a', id: 'm3', seq: 3 }], s);
    expect(s.items).toEqual([expect.objectContaining({ seq: 3, text: 'two files', files: [{ ...up('k1'), id: 'f_1' }], status: undefined })]);
  });

  it('never changes the state it is given', () => {
    const before = run([welcome(), { type: 'send', clientId: 'a', text: 'hi' }]);
    const copy = structuredClone(before);
    run([{ type: 'ack', clientId: 'a', id: 'm1', seq: 1 }, message(2, 'reply'), { type: 'open' }, { type: 'state', state: 'resolved' }], before);
    const uploading = run([{ type: 'send', clientId: 'b', text: '', files: [{ key: 'k', name: 'a.png', mime: 'image/png', size: 1 }] }], before);
    const copied = structuredClone(uploading);
    run([{ type: 'file', key: 'k', file: { key: 'k', id: 'f_1', name: 'a.png', mime: 'image/png', size: 1 } }, { type: 'file', key: 'k', file: null }], uploading);
    expect(uploading).toEqual(copied);
    expect(before).toEqual(copy);
  });
});
