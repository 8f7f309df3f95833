import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

function capture(isTTY?: boolean) {
  const lines: string[] = [];
  const destination = { write: (s: string) => void lines.push(s), ...(isTTY === undefined ? {} : { isTTY }) };
  return { destination, text: () => lines.join('') };
}

// Colours are only ever added on the real terminal; strip them anyway so the test reads text.
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

describe('createLogger', () => {
  it('writes readable lines, not JSON, to a terminal, with secrets still redacted', () => {
    const out = capture(true);
    const logger = createLogger('info', out.destination);
    logger.child({ component: 'jobs' }).info({ token: 'xoxb-very-secret', botToken: 'xoxb-2', count: 3 }, 'presence polled');
    logger.warn('Slack is not configured');
    const text = plain(out.text());
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \(jobs\) presence polled$/);
    expect(text).toMatch(/^\s+count: 3$/m);
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: Slack is not configured$/m);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('xoxb-');
    for (const line of lines) expect(line.trimStart().startsWith('{')).toBe(false);
  });

  it('writes one JSON object a line anywhere else (a pipe, a file, a collector)', () => {
    for (const out of [capture(), capture(false)]) {
      createLogger('info', out.destination).info({ token: 'xoxb-very-secret', count: 3 }, 'presence polled');
      const line = JSON.parse(out.text()) as Record<string, unknown>;
      expect(line).toMatchObject({ level: 30, msg: 'presence polled', count: 3, token: '[redacted]', app: 'handoff' });
    }
  });

  it('lets the caller choose either format', () => {
    const json = capture(true);
    createLogger('info', json.destination, { pretty: false }).info('hi');
    expect(JSON.parse(json.text())).toMatchObject({ msg: 'hi' });
    const pretty = capture(false);
    createLogger('info', pretty.destination, { pretty: true }).info('hi');
    expect(plain(pretty.text())).toMatch(/INFO: hi\n$/);
  });
});
