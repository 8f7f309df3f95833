import { afterEach, describe, expect, it } from 'vitest';
import { MessageLog } from '../src/core/message-log';
import { EventBus } from '../src/core/events';
import { systemClock } from '../src/core/ports';
import { createConversationRepository } from '../src/db/conversation-repository';
import { GroupCommit } from '../src/db/group-commit';
import { createMessageRepository } from '../src/db/message-repository';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';

let t: TestApp | undefined;
afterEach(async () => {
  if (t) {
    await t.stop();
    removeDir(t.dir);
    t = undefined;
  }
});

/** A MessageLog with its own GroupCommit on the app's database, to look inside a batch's window. */
async function setup() {
  t = await startTestApp({});
  const db = t.app.db;
  const { conversation } = t.app.core.openSession({});
  const bus = new EventBus(() => {});
  const commit = new GroupCommit(db);
  const log = new MessageLog(db, createConversationRepository(db), createMessageRepository(db), systemClock, bus, commit);
  const announced: number[] = [];
  bus.subscribe((e) => e.type === 'message.created' && announced.push(e.message.seq));
  return { c: conversation.id, commit, log, announced };
}

describe('MessageLog between a batch commit and its fsync', () => {
  it('reports the committed but unannounced messages, until they are announced', async () => {
    const { c, commit, log, announced } = await setup();
    let during: number | undefined;
    let replayedDuring: string[] = [];
    const one = log.appendDurably(c, { role: 'ai', text: 'one' });
    // Runs in the same batch, right after it commits — the window in which a widget's hello could read it.
    void commit.run(
      () => 0,
      () => {
        during = log.firstUnannounced(c);
        replayedDuring = log.announcedAfter(c, 0).map((m) => m.text);
      },
    );
    const { message } = await one;
    expect(during).toBe(message.seq);
    expect(replayedDuring).not.toContain('one'); // a replay now would send it, and so would its announcement
    expect(announced).toEqual([message.seq]);
    expect(log.firstUnannounced(c)).toBeUndefined();
    expect(log.announcedAfter(c, 0).map((m) => m.text)).toContain('one');
    commit.close();
  });

  it('announces a message appended at once after the earlier ones still waiting for their fsync', async () => {
    const { c, commit, log, announced } = await setup();
    const one = log.appendDurably(c, { role: 'ai', text: 'one' });
    void commit.run(() => 0, () => log.append(c, { role: 'system', text: 'two' }));
    await one;
    await commit.drain();
    await new Promise((r) => setImmediate(r));
    expect(announced).toEqual([1, 2]);
    commit.close();
  });

  it('resumes a reader at the last message it may have: before a batch awaiting its fsync, never past what exists', async () => {
    const { c, commit, log } = await setup();
    await log.appendDurably(c, { role: 'ai', text: 'one' });
    let during: ReturnType<MessageLog['resume']> | undefined;
    const two = log.appendDurably(c, { role: 'ai', text: 'two' });
    void commit.run(
      () => 0,
      () => (during = log.resume(c, 0)),
    );
    await two;
    expect(during).toMatchObject({ through: 1, latest: 2 });
    expect(during!.messages.map((m) => m.text)).toEqual(['one']);
    expect(log.resume(c, 0)).toMatchObject({ through: 2, latest: 2 });
    expect(log.resume(c, 2)).toMatchObject({ messages: [], through: 2, latest: 2 });
    // A seq the reader kept from elsewhere: counting from it would skip messages 3 to 40.
    expect(log.resume(c, 40)).toMatchObject({ messages: [], through: 2 });
    commit.close();
  });
});

describe('MessageLog idempotency by clientId', () => {
  it('stores a message sent again once, takes no seq for the copy, and leaves the conversation untouched', async () => {
    const { c, log } = await setup();
    // The copy in the same batch as the first, and a later message right behind it.
    const [first, again, next] = await Promise.all([
      log.appendDurably(c, { role: 'customer', text: 'hi', clientId: 'k1' }),
      log.appendDurably(c, { role: 'customer', text: 'hi', clientId: 'k1' }),
      log.appendDurably(c, { role: 'customer', text: 'there', clientId: 'k2' }),
    ]);
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ message: first.message, duplicate: true });
    expect([first.message.seq, next.message.seq]).toEqual([1, 2]);

    const fresh = () => createConversationRepository(t!.app.db).get(c)!; // no cached row
    const before = fresh();
    expect(before.lastSeq).toBe(2);
    // Sent again later, in a batch of its own.
    await new Promise((r) => setTimeout(r, 5));
    expect(await log.appendDurably(c, { role: 'customer', text: 'hi', clientId: 'k1' })).toEqual({ message: first.message, duplicate: true });
    expect(fresh()).toEqual(before);
    expect((await log.appendDurably(c, { role: 'ai', text: 'hello' })).message.seq).toBe(3);
    expect(log.announcedAfter(c, 0).map((m) => `${m.seq} ${m.text}`)).toEqual(['1 hi', '2 there', '3 hello']);
  });
});
