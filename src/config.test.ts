import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, withDotEnv } from './config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.databasePath).toBe('./data/handoff.db');
    expect(c.slack.apiUrl).toBe('https://slack.com/api/');
    expect(c.slack.botToken).toBeUndefined();
    expect(c.emailFrom).toBe('support@localhost');
    expect(c.kbDir).toBe('./kb');
    expect(c.aiConfidenceThreshold).toBe(0.5);
    expect(c.offlineEmailDelaySeconds).toBe(120);
    expect(c.widgetAllowedOrigins).toBeNull();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.slack)).toBe(true);
  });

  it('derives PUBLIC_URL from PORT and reads every variable', () => {
    const c = loadConfig({
      PORT: '8080',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      SLACK_API_URL: 'http://127.0.0.1:9/api',
      SLACK_HANDOFF_CHANNEL: 'C0SUPPORT',
      SLACK_ADMIN_USER_IDS: 'U1AAA, U2BBB',
      WIDGET_ALLOWED_ORIGINS: 'https://a.example.com, https://b.example.com/',
      AI_CONFIDENCE_THRESHOLD: '0.7',
      OFFLINE_EMAIL_DELAY_S: '30',
      DATABASE_PATH: ':memory:',
    });
    expect(c.publicUrl).toBe('http://localhost:8080');
    expect(c.slack.apiUrl).toBe('http://127.0.0.1:9/api/');
    expect(c.slack.adminUserIds).toEqual(['U1AAA', 'U2BBB']);
    expect(c.widgetAllowedOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(c.aiConfidenceThreshold).toBe(0.7);
    expect(c.offlineEmailDelaySeconds).toBe(30);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', SLACK_BOT_TOKEN: '' }).port).toBe(3000);
  });

  it('names every invalid variable', () => {
    const p = problems({
      PORT: 'eighty',
      PUBLIC_URL: 'not a url',
      SLACK_BOT_TOKEN: 'abc',
      SLACK_APP_TOKEN: 'xoxb-wrong',
      SLACK_HANDOFF_CHANNEL: '#support',
      SLACK_ADMIN_USER_IDS: 'bob',
      AI_CONFIDENCE_THRESHOLD: '1.5',
      OFFLINE_EMAIL_DELAY_S: '-1',
      SMTP_URL: 'http://mail',
      WIDGET_ALLOWED_ORIGINS: 'example.com',
      LOG_LEVEL: 'loud',
    });
    const named = p.map((x) => x.split(':')[0]);
    expect(named).toEqual(
      expect.arrayContaining([
        'PORT', 'PUBLIC_URL', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_HANDOFF_CHANNEL', 'SLACK_ADMIN_USER_IDS',
        'AI_CONFIDENCE_THRESHOLD', 'OFFLINE_EMAIL_DELAY_S', 'SMTP_URL', 'WIDGET_ALLOWED_ORIGINS', 'LOG_LEVEL',
      ]),
    );
  });

  it('refuses a bot token without a signing secret or an app token, naming the missing variable', () => {
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([expect.stringMatching(/^SLACK_SIGNING_SECRET: /)]);
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })).toEqual([]);
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'x' })).toEqual([]);
  });

  it('says what PORT must be instead of "received NaN"', () => {
    expect(problems({ PORT: 'abc' })).toEqual(['PORT: must be a port number from 0 to 65535']);
    expect(problems({ PORT: '70000' })).toEqual(['PORT: must be a port number from 0 to 65535']);
    expect(problems({ PORT: '80.5' })).toEqual(['PORT: must be a port number from 0 to 65535']);
    expect(loadConfig({ PORT: ' 8080 ' }).port).toBe(8080);
  });

  it('trusts no proxy by default; TRUST_PROXY takes a hop count or the proxies\' addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.1.0.0/16,::1' }).trustProxy).toEqual(['10.0.0.1', '10.1.0.0/16', '::1']);
    for (const bad of ['true', 'everyone', '10.0.0.1/33', '10.0.0', '99']) {
      expect(problems({ TRUST_PROXY: bad }), bad).toEqual([expect.stringMatching(/^TRUST_PROXY: must be off, a hop count/)]);
    }
  });

  it('reads WIDGET_MAX_SOCKETS_PER_IP (default 50)', () => {
    expect(loadConfig({}).widgetMaxSocketsPerIp).toBe(50);
    expect(loadConfig({ WIDGET_MAX_SOCKETS_PER_IP: '5' }).widgetMaxSocketsPerIp).toBe(5);
    expect(problems({ WIDGET_MAX_SOCKETS_PER_IP: '0' })).toEqual([expect.stringMatching(/^WIDGET_MAX_SOCKETS_PER_IP: /)]);
  });
});

describe('withDotEnv', () => {
  it('reads .env from the folder, and the environment wins', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-env-'));
    fs.writeFileSync(path.join(dir, '.env'), '# a comment\nPORT=4001\nKB_DIR="./docs kb"\nEMAIL_FROM=a@b.example\n');
    const env = withDotEnv({ EMAIL_FROM: 'env@example.com' }, dir);
    const c = loadConfig(env);
    expect(c.port).toBe(4001);
    expect(c.kbDir).toBe('./docs kb');
    expect(c.emailFrom).toBe('env@example.com');
  });

  it('is no error without a .env', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-env-'));
    expect(withDotEnv({ PORT: '1' }, dir)).toEqual({ PORT: '1' });
  });
});
