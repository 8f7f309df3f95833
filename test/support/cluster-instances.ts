/**
 * App processes sharing one database, for test/cluster.test.ts: each on its own port, started with
 * the same environment, ready when /healthz answers 200; killable with SIGKILL and started again
 * on the same port. Every line an instance logs is kept (across its restarts) for failure reports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from './free-port';
import { ROOT } from './run-process';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CHILD = path.join(ROOT, 'test/support/cluster-child.ts');

export class Instance {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Everything logged by every run of this instance, each run headed by its pid. */
  log = '';
  /** Pids of every run, oldest first. */
  readonly pids: number[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly cwd: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.child !== null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and resolves once /healthz answers 200 (fails if it exits first). */
  async start(deadlineMs = 60_000): Promise<void> {
    if (this.child) throw new Error(`${this.name} is running`);
    const child = spawn(process.execPath, ['--import', TSX, CHILD], {
      cwd: this.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.pids.push(child.pid!);
    this.log += `\n----- ${this.name} pid ${child.pid} -----\n`;
    child.stdout!.on('data', (d) => (this.log += String(d)));
    child.stderr!.on('data', (d) => (this.log += String(d)));
    let gone = false;
    this.exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        gone = true;
        if (this.child === child) this.child = null;
        resolve();
      }),
    );
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (gone) throw new Error(`${this.name} exited while starting:\n${this.tail()}`);
      if (await healthy(this.url)) return;
      if (Date.now() > deadline) throw new Error(`${this.name} was not healthy within ${deadlineMs} ms:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** kill -9, resolved once the process is gone. */
  async kill9(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** A clean stop (SIGTERM); SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  tail(lines = 60): string {
    return this.log.trim().split('\n').slice(-lines).join('\n');
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** `count` instances on free ports with the same environment, started together. */
export async function startInstances(count: number, env: Record<string, string>, cwd: string): Promise<Instance[]> {
  const instances: Instance[] = [];
  for (let i = 0; i < count; i++) instances.push(new Instance(String.fromCharCode(65 + i), await freePort(), env, cwd));
  const started = await Promise.allSettled(instances.map((x) => x.start()));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(instances.map((x) => x.kill9()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return instances;
}
