import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { FileStore } from '../files/file-store';
import { createLogger } from '../logger';
import { DEFAULT_BOT_TOKEN, SLACK_IDS, startSlackEmulator, type SlackEmulator } from '../../test/support/slack-emulator';
import { openTestDatabase, raw } from '../../test/support/test-engine';
import { AgentFiles, liveFiles, refusalNotice, type SlackEventFile } from './agent-files';

// An agent's files from Slack: fetched with the bot token from Slack only, within the limit, kept once.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const MB = 1024 * 1024;

let emulator: SlackEmulator;
afterEach(async () => {
  await emulator?.close();
});

async function setup(opts: { maxBytes?: number; botToken?: string } = {}) {
  emulator = await startSlackEmulator();
  const db = openTestDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-agent-files-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const at = new Date().toISOString();
  db.run(raw(db, sql`INSERT INTO visitors (id, attributes, created_at, last_seen_at) VALUES ('v_1', '{}', ${at}, ${at})`));
  db.run(raw(db, sql`INSERT INTO conversations (id, visitor_id, state, created_at, updated_at) VALUES ('c_1', 'v_1', 'human', ${at}, ${at})`));
  const store = new FileStore({ db, dir });
  const files = new AgentFiles({
    store,
    removeFile: async () => null,
    message: () => undefined,
    deleteMessage: () => {},
    botToken: opts.botToken ?? DEFAULT_BOT_TOKEN,
    apiUrl: emulator.apiUrl,
    maxBytes: opts.maxBytes ?? 10 * MB,
    logger: createLogger('silent'),
  });
  return { store, files };
}

/** What the event of Ada sharing these files in #support carries. */
function shared(...seeds: { name: string; bytes: Buffer | string }[]): SlackEventFile[] {
  return emulator.toMessageEvent(emulator.postFileAsUser(SLACK_IDS.ada, SLACK_IDS.support, seeds).message).files;
}

describe('AgentFiles.fetch', () => {
  it('fetches with the bot token and stores the file as an agent’s, under Slack’s id', async () => {
    const { store, files } = await setup();
    const [file] = shared({ name: 'shot.png', bytes: PNG });
    const { refs, refused } = await files.fetch('c_1', [file!]);
    expect(refused).toEqual([]);
    expect(refs).toEqual([expect.objectContaining({ name: 'shot.png', mime: 'image/png', size: PNG.length })]);
    expect(store.get(refs[0]!.id)).toMatchObject({ origin: 'agent', slackFileId: file!.id, visitorId: null, conversationId: 'c_1' });
    expect(await store.readBytes(refs[0]!.id)).toEqual(PNG);
    expect(emulator.fileTransfers).toEqual([expect.objectContaining({ kind: 'download', status: 200, token: DEFAULT_BOT_TOKEN })]);

    // The same event processed again (a crash before its message was stored): the file is reused.
    const again = await files.fetch('c_1', [file!]);
    expect(again.refs.map((r) => r.id)).toEqual([refs[0]!.id]);
    expect(emulator.fileTransfers).toHaveLength(1);
  });

  it('refuses what is over the limit — by the size Slack gives, and by the bytes when it gives none', async () => {
    const { files } = await setup({ maxBytes: 1 * MB });
    const [big] = shared({ name: 'big.png', bytes: Buffer.concat([PNG, Buffer.alloc(2 * MB)]) });
    expect(await files.fetch('c_1', [big!])).toEqual({ refs: [], refused: [{ name: 'big.png', reason: 'too_large', size: PNG.length + 2 * MB }] });
    expect(emulator.fileTransfers).toEqual([]);
    const { size: _s, ...unsized } = big!;
    expect((await files.fetch('c_1', [unsized])).refused).toEqual([{ name: 'big.png', reason: 'too_large' }]);
  });

  it('refuses a type customers are not sent, by its content', async () => {
    const { files } = await setup();
    const [page] = shared({ name: 'photo.png', bytes: '<!DOCTYPE html><script>alert(1)</script>' });
    expect((await files.fetch('c_1', [page!])).refused).toEqual([{ name: 'photo.png', reason: 'unsupported_type' }]);
  });

  it('does not take a sign-in page for the file (a wrong token)', async () => {
    const { files } = await setup({ botToken: 'xoxb-wrong' });
    const [file] = shared({ name: 'shot.png', bytes: PNG });
    expect((await files.fetch('c_1', [file!])).refused).toEqual([{ name: 'shot.png', reason: 'unavailable' }]);
    expect(emulator.fileTransfers.map((t) => t.status)).toEqual([302]);
  });

  it('never sends the bot token to a host that is not Slack’s', async () => {
    const { files } = await setup();
    const seen: (string | undefined)[] = [];
    const elsewhere = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.end(PNG);
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => elsewhere.close(() => r())));
    const url = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/files-pri/T0HANDOFF-F0X/shot.png`;
    expect((await files.fetch('c_1', [{ id: 'F0X', name: 'shot.png', size: PNG.length, url_private_download: url }])).refused).toEqual([
      { name: 'shot.png', reason: 'unavailable' },
    ]);
    expect(seen).toEqual([]);
  });
});

describe('helpers', () => {
  it('liveFiles leaves out tombstones', () => {
    expect(liveFiles([{ id: 'F1', name: 'a' }, { id: 'F2', mode: 'tombstone' }, null, 'x']).map((f) => f.id)).toEqual(['F1']);
    expect(liveFiles(undefined)).toEqual([]);
  });

  it('refusalNotice names each file, why, and what the customer got', () => {
    const text = refusalNotice(
      [
        { name: 'huge.mov', reason: 'too_large', size: 25 * MB },
        { name: 'page.html', reason: 'unsupported_type' },
      ],
      10 * MB,
      false,
    );
    expect(text).toBe(
      [
        '📎 Not sent to the customer:',
        '• huge.mov (25 MB) is over the 10 MB limit for files sent to customers',
        '• page.html is a type of file customers are not sent (images, PDF, text and office documents are)',
        'Nothing was sent to the customer.',
      ].join('\n'),
    );
  });
});
