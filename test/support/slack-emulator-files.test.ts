/* eslint-disable @typescript-eslint/no-explicit-any */
/** The emulator's files: the upload flow, files.info / files.delete, url_private access, and users' file posts. */
import { describe, expect, it } from 'vitest';
import { client, clientFor, emu, emulatorKit, slackError } from './emulator-test-kit';
import { DEFAULT_BOT_TOKEN, DEFAULT_SCOPES, SLACK_IDS, UPLOAD_URL_METHOD } from './slack-emulator';
import { expectKeysWithin, haveSamples, sample } from './slack-samples';

const { rawAnswer, start } = emulatorKit();

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

async function reserve(name: string, length: number): Promise<{ upload_url: string; file_id: string }> {
  return (await client.files.getUploadURLExternal({ filename: name, length })) as any;
}

function post(url: string, body: Buffer | FormData, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', body: body instanceof FormData ? body : new Uint8Array(body), headers });
}

function get(url: string, token?: string): Promise<Response> {
  return fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, redirect: 'manual' });
}

describe('the upload flow', () => {
  it('reserves, takes the bytes once, and shares the file as a message in the thread', async () => {
    const parent: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'card' });
    const { upload_url, file_id } = await reserve('screen.png', PNG.length);
    expect(file_id).toMatch(/^F[A-Z0-9]{8,}$/);
    expect(upload_url.startsWith(emu.baseUrl)).toBe(true);
    if (haveSamples) expectKeysWithin(rawAnswer('files.getUploadURLExternal'), sample('api/files.getUploadURLExternal.json'), 'files.getUploadURLExternal');

    const up = await post(upload_url, PNG, { 'content-type': 'application/octet-stream' });
    expect(up.status).toBe(200);
    expect(await up.text()).toBe(`OK - ${PNG.length}`);
    expect((await post(upload_url, PNG)).status).toBe(410);

    const done: any = await client.files.completeUploadExternal({ files: [{ id: file_id, title: 'Screenshot' }], channel_id: 'C0SUPPORT', thread_ts: parent.ts, initial_comment: 'from the customer' });
    expect(done.files[0]).toMatchObject({ id: file_id, title: 'Screenshot', name: 'screen.png', mimetype: 'image/png', size: PNG.length });
    if (haveSamples) {
      const s = sample('api/files.completeUploadExternal.json');
      expectKeysWithin(rawAnswer('files.completeUploadExternal'), s, 'files.completeUploadExternal');
      expectKeysWithin(done.files[0], s.files[0], 'files.completeUploadExternal file');
    }
    const [reply] = emu.replies('C0SUPPORT', parent.ts);
    expect(reply).toMatchObject({ bot_id: SLACK_IDS.botId, text: 'from the customer', thread_ts: parent.ts, upload: true, files: [{ id: file_id, name: 'screen.png' }] });

    const info: any = await client.files.info({ file: file_id });
    expect(info.file.shares.public.C0SUPPORT).toEqual([expect.objectContaining({ ts: reply!.ts, thread_ts: parent.ts, channel_name: 'support' })]);
    if (haveSamples) {
      const s = sample('api/files.info.json');
      expectKeysWithin(rawAnswer('files.info'), s, 'files.info');
      expectKeysWithin(info.file, s.file, 'files.info file');
    }
    expect(emu.fileBytes(file_id)).toEqual(PNG);
  });

  it('takes multipart uploads too, and refuses a wrong length, a used or an expired URL', async () => {
    let now = 1_750_000_000_000;
    const e = await start({ now: () => now });
    const c = clientFor(e);
    const a: any = await c.files.getUploadURLExternal({ filename: 'a.txt', length: 5 });
    const form = new FormData();
    form.append('file', new Blob(['hello']), 'a.txt');
    expect((await post(a.upload_url, form)).status).toBe(200);
    expect(e.fileBytes(a.file_id)?.toString()).toBe('hello');

    const b: any = await c.files.getUploadURLExternal({ filename: 'b.txt', length: 5 });
    expect((await post(b.upload_url, Buffer.from('hello!'))).status).toBe(400);
    expect(e.file(b.file_id)?.state).toBe('reserved');
    now += 10 * 60 * 1000 + 1;
    expect((await post(b.upload_url, Buffer.from('hello'))).status).toBe(410);
    expect((await post(`${e.baseUrl}/upload/v1/nope`, Buffer.from('x'))).status).toBe(404);
    expect(e.fileTransfers.map((t) => t.status)).toEqual([200, 400, 410, 404]);
  });

  it('checks the arguments and refuses files whose bytes never came', async () => {
    expect((await slackError(client.files.getUploadURLExternal({ filename: 'x.txt', length: 0 }))).error).toBe('missing_argument');
    expect((await slackError(client.files.getUploadURLExternal({ filename: 'x.txt', length: 1024 ** 3 + 1 }))).error).toBe('file_upload_size_restricted');
    expect((await slackError(client.apiCall('files.getUploadURLExternal', { length: 3 }))).error).toBe('invalid_arguments');
    const { file_id } = await reserve('x.txt', 3);
    expect((await slackError(client.files.completeUploadExternal({ files: [{ id: file_id }], channel_id: 'C0SUPPORT' }))).error).toBe('file_not_found');
    expect((await slackError(client.files.completeUploadExternal({ files: [{ id: 'F0NOPE0000' }], channel_id: 'C0SUPPORT' }))).error).toBe('file_not_found');
    expect((await slackError(client.files.info({ file: file_id }))).error).toBe('file_not_found');
  });

  it('refuses channels and threads as chat.postMessage does', async () => {
    const uploaded = async () => {
      const { upload_url, file_id } = await reserve('x.txt', 3);
      await post(upload_url, Buffer.from('abc'));
      return file_id;
    };
    const id = await uploaded();
    expect((await slackError(client.files.completeUploadExternal({ files: [{ id }], channel_id: SLACK_IDS.general }))).error).toBe('not_in_channel');
    expect((await slackError(client.files.completeUploadExternal({ files: [{ id }], channel_id: SLACK_IDS.secret }))).error).toBe('channel_not_found');
    expect((await slackError(client.files.completeUploadExternal({ files: [{ id }], channel_id: 'C0SUPPORT', thread_ts: '1111111111.000001' }))).error).toBe('thread_not_found');
    emu.archiveChannel('C0SUPPORT');
    expect((await slackError(client.files.completeUploadExternal({ files: [{ id }], channel_id: 'C0SUPPORT' }))).error).toBe('is_archived');
    emu.archiveChannel('C0SUPPORT', false);
    expect(emu.messages('C0SUPPORT')).toHaveLength(0);
    // Completing twice shares twice (a duplicate in Slack): the emulator does not hide a repeated call.
    await client.files.completeUploadExternal({ files: [{ id }], channel_id: 'C0SUPPORT' });
    await client.files.completeUploadExternal({ files: [{ id }], channel_id: 'C0SUPPORT' });
    expect(emu.messages('C0SUPPORT')).toHaveLength(2);
    expect((await client.files.info({ file: id }) as any).file.shares.public.C0SUPPORT).toHaveLength(2);
  });

  it('plays faults and holds on the upload URL', async () => {
    const { upload_url, file_id } = await reserve('x.txt', 3);
    emu.failNext(UPLOAD_URL_METHOD, { status: 429, retryAfter: 7 });
    const limited = await post(upload_url, Buffer.from('abc'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    const hold = emu.holdNext(UPLOAD_URL_METHOD);
    const pending = post(upload_url, Buffer.from('abc'));
    await hold.arrived;
    expect(emu.file(file_id)?.state).toBe('reserved');
    hold.release();
    expect((await pending).status).toBe(200);
    expect(emu.file(file_id)?.state).toBe('uploaded');
  });

  it('needs files:write to upload and files:read to read', async () => {
    emu.setScopes(DEFAULT_SCOPES.filter((s) => s !== 'files:write'));
    const err = await slackError(client.files.getUploadURLExternal({ filename: 'x.txt', length: 3 }));
    expect(err).toMatchObject({ error: 'missing_scope', needed: 'files:write' });
    const { message, files } = emu.postFileAsUser(SLACK_IDS.ada, 'C0SUPPORT', [{ name: 'a.txt', bytes: 'abc' }]);
    emu.setScopes(DEFAULT_SCOPES.filter((s) => s !== 'files:read'));
    expect(await slackError(client.files.info({ file: files[0]!.id }))).toMatchObject({ error: 'missing_scope', needed: 'files:read' });
    expect((await get(message.files![0].url_private_download, DEFAULT_BOT_TOKEN)).status).toBe(403);
  });
});

describe('file URLs', () => {
  it('serve the bytes only with the bot token, as Slack does', async () => {
    const { message, files } = emu.postFileAsUser(SLACK_IDS.ada, 'C0SUPPORT', [{ name: 'Report Q3.pdf', bytes: Buffer.from('%PDF-1.4 report'), mimetype: 'application/pdf' }]);
    const f = message.files![0];
    expect(f).toMatchObject({ id: files[0]!.id, name: 'Report Q3.pdf', mimetype: 'application/pdf', size: 15, url_private: expect.stringContaining('/files-pri/'), url_private_download: expect.stringContaining('/download/') });

    const anonymous = await get(f.url_private_download);
    expect(anonymous.status).toBe(302);
    const signIn = await fetch(anonymous.headers.get('location')!);
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('content-type')).toContain('text/html');
    expect((await get(f.url_private_download, 'xoxb-not-ours')).status).toBe(302);
    // What a client following redirects without the token ends up with: an HTML page, not the file.
    expect((await fetch(f.url_private)).headers.get('content-type')).toContain('text/html');

    const res = await get(f.url_private_download, DEFAULT_BOT_TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="Report Q3.pdf"');
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('%PDF-1.4 report');
    emu.revokeToken();
    expect((await get(f.url_private, DEFAULT_BOT_TOKEN)).status).toBe(302);
    emu.revokeToken(false);
    expect(emu.fileTransfers.filter((t) => t.kind === 'download').map((t) => t.status)).toEqual([302, 302, 302, 200, 302]);
  });

  it('stop working once the file is deleted (files.delete for the bot’s own)', async () => {
    const { upload_url, file_id } = await reserve('x.txt', 3);
    await post(upload_url, Buffer.from('abc'));
    const done: any = await client.files.completeUploadExternal({ files: [{ id: file_id }], channel_id: 'C0SUPPORT' });
    const url = done.files[0].url_private;
    expect((await get(url, DEFAULT_BOT_TOKEN)).status).toBe(200);
    const theirs = emu.postFileAsUser(SLACK_IDS.ada, 'C0SUPPORT', [{ name: 'a.txt', bytes: 'abc' }]).files[0]!;
    expect((await slackError(client.files.delete({ file: theirs.id }))).error).toBe('cant_delete_file');
    await client.files.delete({ file: file_id });
    expect((await get(url, DEFAULT_BOT_TOKEN)).status).toBe(404);
    expect((await slackError(client.files.info({ file: file_id }))).error).toBe('file_deleted');
    // Its message had nothing else: it is gone.
    expect(emu.messages('C0SUPPORT').map((m) => m.files?.[0]?.id)).toEqual([theirs.id]);
  });
});

describe('users sharing and deleting files', () => {
  it('posts a file_share message in a thread with the event Slack sends', async () => {
    const parent: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'card' });
    const { message } = emu.postFileAsUser(SLACK_IDS.ada, 'C0SUPPORT', [{ name: 'a.png', bytes: PNG }, { name: 'b.txt', bytes: 'notes' }], { text: 'two files', thread_ts: parent.ts });
    const ev = emu.toMessageEvent(message);
    expect(ev).toMatchObject({ type: 'message', subtype: 'file_share', user: SLACK_IDS.ada, text: 'two files', thread_ts: parent.ts, channel: 'C0SUPPORT', upload: true });
    expect(ev.files.map((f: any) => [f.name, f.mimetype, f.size])).toEqual([
      ['a.png', 'image/png', PNG.length],
      ['b.txt', 'text/plain', 5],
    ]);
    if (haveSamples) {
      const s = sample('events/MessageFileSharePayload.json');
      const { event_ts: _e, ...rest } = ev;
      expectKeysWithin(rest, s.event, 'file_share event');
      expectKeysWithin(ev.files[0], s.event.files[0], 'file_share event file');
    }
    const info: any = await client.files.info({ file: ev.files[0].id });
    expect(info.file.shares.public.C0SUPPORT[0]).toMatchObject({ ts: message.ts, thread_ts: parent.ts, share_user_id: SLACK_IDS.ada });
  });

  it('deleting a file sends file_deleted and changes or deletes the messages sharing it', async () => {
    const parent: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'card' });
    const alone = emu.postFileAsUser(SLACK_IDS.ada, 'C0SUPPORT', [{ name: 'a.txt', bytes: 'a' }], { thread_ts: parent.ts });
    const withText = emu.postFileAsUser(SLACK_IDS.ada, 'C0SUPPORT', [{ name: 'b.txt', bytes: 'b' }], { thread_ts: parent.ts, text: 'see attached' });

    const gone = emu.deleteFileAsUser(SLACK_IDS.ada, alone.files[0]!.id);
    expect(gone.map((e) => e.subtype ?? e.type)).toEqual(['file_deleted', 'message_deleted']);
    expect(gone[0]).toMatchObject({ file_id: alone.files[0]!.id, channel_ids: ['C0SUPPORT'] });
    expect(gone[1]).toMatchObject({ channel: 'C0SUPPORT', deleted_ts: alone.message.ts, previous_message: { ts: alone.message.ts, thread_ts: parent.ts } });

    const changed = emu.deleteFileAsUser(SLACK_IDS.ada, withText.files[0]!.id);
    expect(changed.map((e) => e.subtype ?? e.type)).toEqual(['file_deleted', 'message_changed']);
    expect(changed[1]!.message).toMatchObject({ ts: withText.message.ts, text: 'see attached', files: [{ id: withText.files[0]!.id, mode: 'tombstone' }] });
    expect(changed[1]!.previous_message.files[0].name).toBe('b.txt');
    expect(emu.replies('C0SUPPORT', parent.ts).map((m) => m.text)).toEqual(['see attached']);
    expect(emu.file(withText.files[0]!.id)?.state).toBe('deleted');
    expect(emu.fileBytes(withText.files[0]!.id)).toBeUndefined();
  });
});
