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
