import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

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
});
