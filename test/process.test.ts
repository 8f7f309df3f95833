import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WidgetClient } from './support/widget-client';

/** Runs `src/main.ts` as `npm start` does (tsx), in its own process, with exactly `env`. */
function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

async function waitFor(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-proc-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('the process', () => {
  it('exits 1 naming every invalid variable', async () => {
    const p = run({ PORT: 'abc', AI_CONFIDENCE_THRESHOLD: '7', DATABASE_PATH: path.join(tmp(), 'x.db') });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('PORT');
    expect(p.output()).toContain('AI_CONFIDENCE_THRESHOLD');
  });

  it('refuses a bot token without a signing secret or app token, naming the missing variable', async () => {
    const p = run({ SLACK_BOT_TOKEN: 'xoxb-1', DATABASE_PATH: path.join(tmp(), 'x.db') });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('SLACK_SIGNING_SECRET');
  });

  it('stops with a non-zero exit when the database cannot be migrated', async () => {
    const dir = tmp();
    const file = path.join(dir, 'h.db');
    fs.writeFileSync(file, 'this is not a database, just text that SQLite will refuse to open as one........');
    const p = run({ DATABASE_PATH: file, PORT: '0', LOG_LEVEL: 'info' });
    expect(await p.exited).not.toBe(0);
  });

  it('starts without Slack (saying so once), serves a chat, and on SIGTERM stops cleanly with exit 0', async () => {
    const dir = tmp();
    const p = run({ DATABASE_PATH: path.join(dir, 'data', 'handoff.db'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    await waitFor(() => /Handoff is listening/.test(p.output()));
    expect(p.output().match(/Slack is not configured/g)?.length).toBe(1);
    const port = Number(/"address":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(p.output())?.[1]);
    expect(port).toBeGreaterThan(0);
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const w = await WidgetClient.connect(url);
    await w.hello();
    w.send({ type: 'message', clientId: 'p1', text: 'How do I export my data?' });
    await w.next('ack');
    await w.next('message', (m) => m.role === 'ai');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('stopped');
    expect(fs.existsSync(path.join(dir, 'data', 'handoff.db'))).toBe(true);
  }, 30_000);
});
