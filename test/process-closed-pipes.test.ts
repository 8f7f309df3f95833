import { spawn, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, waitUntil } from './support/run-process';
import { WidgetClient } from './support/widget-client';

let child: ChildProcessByStdio<null, Readable, Readable> | undefined;
let dir: string | undefined;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Resolves with the exit code, or 'timeout' if the process is still running at the deadline. */
function exitWithin(p: ChildProcessByStdio<Writable | null, Readable, Readable>, ms: number): Promise<number | string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    p.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

describe('the process with its stdout and stderr read ends closed', () => {
  it('still stops on SIGTERM with exit 0: a broken log pipe neither keeps it alive nor crashes it', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-pipes-'));
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_PATH: path.join(dir, 'handoff.db'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = p;
    let out = '';
    p.stdout.on('data', (d) => (out += String(d)));
    p.stderr.on('data', (d) => (out += String(d)));
    await waitUntil(() => /Handoff is listening/.test(out) || p.exitCode !== null, 'the app to listen');
    const port = Number(/"address":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out)?.[1]);
    expect(port, out).toBeGreaterThan(0);
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // Nobody reads the logs any more (a log shipper that died, `| head` that finished).
    p.stdout.destroy();
    p.stderr.destroy();
    // The app keeps logging meanwhile (a chat, an AI turn), to the broken pipes, and keeps serving.
    const w = await WidgetClient.connect(url);
    await w.hello();
    w.send({ type: 'message', clientId: 'p1', text: 'How do I export my data?' });
    await w.next('ack', () => true, 10_000);
    await w.next('message', (m) => m.role === 'ai', 10_000);
    w.close();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    p.kill('SIGTERM');
    expect(await exitWithin(p, 15_000)).toBe(0);
  }, 60_000);

  it('exits at once when it logs right before process.exit to the closed pipes (no retry loop at exit)', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/log-to-closed-pipes.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = exitWithin(p, 15_000);
    p.stdout.destroy();
    p.stderr.destroy();
    p.stdin.write('go\n');
    expect(await exited).toBe(0);
  }, 30_000);
});
