import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';

/**
 * The environment of ../shared/contract.md, parsed once at start. Nothing else reads process.env.
 * Every invalid variable is reported by name (ConfigError.problems) so the operator fixes all at once.
 */

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());

const url = (what: string) =>
  z.string().trim().refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, `must be an http(s) URL (${what})`);

/** A whole number; "abc" is reported as what it is, not as zod's "received NaN". */
const wholeNumber = (min: number, max: number, fallback: number, what = `a whole number from ${min} to ${max}`) =>
  z.preprocess(
    emptyToUndefined,
    z
      .union([z.number(), z.string()])
      .optional()
      .transform((v) => (v === undefined ? fallback : typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN))
      .refine((n) => Number.isInteger(n) && n >= min && n <= max, `must be ${what}`),
  );

/** An IPv4/IPv6 address, optionally with a /prefix. */
function isAddressOrCidr(v: string): boolean {
  const [addr, prefix, extra] = v.split('/');
  const family = isIP(addr ?? '');
  if (!family || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY: whose X-Forwarded-For is believed. Off by default: any client could otherwise pick
 * its own address. A hop count, or the proxies' addresses/CIDRs (never "trust everyone").
 */
const trustProxy = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((v, ctx): false | number | string[] => {
      const t = (v ?? 'off').trim().toLowerCase();
      if (t === 'off' || t === 'false' || t === 'no' || t === '0') return false;
      if (/^\d+$/.test(t)) {
        const hops = Number(t);
        if (hops <= 16) return hops;
      }
      const list = t.split(',').map((x) => x.trim()).filter(Boolean);
      if (list.length && list.every(isAddressOrCidr)) return list;
      ctx.addIssue({ code: 'custom', message: 'must be off, a hop count (1-16), or comma-separated proxy addresses/CIDRs such as 10.0.0.1,10.1.0.0/16' });
      return z.NEVER;
    }),
);

const numberIn = (min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().refine((n) => Number.isFinite(n) && n >= min && n <= max, `must be a number from ${min} to ${max}`));

const envSchema = z.object({
  PORT: wholeNumber(0, 65535, 3000, 'a port number from 0 to 65535'),
  HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  PUBLIC_URL: z.preprocess(emptyToUndefined, url('e.g. https://support.example.com').optional()),
  DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().default('./data/handoff.db')),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => /^postgres(ql)?:\/\/[^\s]*$/.test(v) && URL.canParse(v), 'must be postgres://user:pass@host:port/db (a socket folder as ?host=/dir)')
      .optional(),
  ),
  SLACK_BOT_TOKEN: z.preprocess(emptyToUndefined, z.string().startsWith('xoxb-', 'must start with xoxb-').optional()),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: z.preprocess(emptyToUndefined, z.string().startsWith('xapp-', 'must start with xapp-').optional()),
  SLACK_API_URL: z.preprocess(emptyToUndefined, url('the Slack Web API base').default('https://slack.com/api/')),
  SLACK_HANDOFF_CHANNEL: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0123ABCD').optional(),
  ),
  SLACK_ADMIN_USER_IDS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []))
      .refine((ids) => ids.every((id) => /^[UW][A-Z0-9]{2,}$/.test(id)), 'must be comma-separated Slack user ids (U…)'),
  ),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: z.preprocess(emptyToUndefined, url('an OpenAI-compatible API base').optional()),
  OPENAI_MODEL: z.preprocess(emptyToUndefined, z.string().default('gpt-4o-mini')),
  SMTP_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => /^smtps?:\/\//.test(v), 'must be smtp://user:pass@host:port or smtps://…')
      .optional(),
  ),
  EMAIL_FROM: z.preprocess(emptyToUndefined, z.string().default('support@localhost')),
  KB_DIR: z.preprocess(emptyToUndefined, z.string().default('./kb')),
  FILES_DIR: z.preprocess(emptyToUndefined, z.string().default('./data/files')),
  MAX_UPLOAD_MB: wholeNumber(1, 1024, 10, 'a whole number of megabytes from 1 to 1024'),
  AI_CONFIDENCE_THRESHOLD: numberIn(0, 1).default(0.5),
  OFFLINE_EMAIL_DELAY_S: wholeNumber(0, 365 * 24 * 3600, 120, 'a whole number of seconds (0 or more)'),
  IDENTITY_SECRET: optionalString,
  METRICS_TOKEN: optionalString,
  WIDGET_ALLOWED_ORIGINS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .transform((v) => (v && v.trim() !== '*' ? v.split(',').map((s) => s.trim().replace(/\/$/, '')).filter(Boolean) : null))
      .refine((list) => list === null || list.every((o) => /^https?:\/\/[^/]+$/.test(o)), 'must be comma-separated origins such as https://www.example.com'),
  ),
  TRUST_PROXY: trustProxy,
  WIDGET_MAX_SOCKETS_PER_IP: wholeNumber(1, 100_000, 50),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  WEBHOOK_ALLOW_PRIVATE_URLS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        const t = (v ?? 'false').trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(t)) return true;
        if (['0', 'false', 'no', 'off'].includes(t)) return false;
        ctx.addIssue({ code: 'custom', message: 'must be true or false' });
        return z.NEVER;
      }),
  ),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly databasePath: string;
  /** PostgreSQL (DATABASE_URL): the store of a deployment of several instances; databasePath is then unused. */
  readonly databaseUrl?: string;
  readonly slack: {
    readonly botToken?: string;
    readonly signingSecret?: string;
    readonly appToken?: string;
    readonly apiUrl: string;
    readonly handoffChannel?: string;
    readonly adminUserIds: readonly string[];
  };
  readonly openai: { readonly apiKey?: string; readonly baseUrl?: string; readonly model: string };
  readonly smtpUrl?: string;
  readonly emailFrom: string;
  readonly kbDir: string;
  /** Where file bytes are kept; instances sharing a PostgreSQL database must share this directory. */
  readonly filesDir: string;
  /** The largest upload accepted, in bytes (MAX_UPLOAD_MB). */
  readonly maxUploadBytes: number;
  readonly aiConfidenceThreshold: number;
  readonly offlineEmailDelaySeconds: number;
  readonly identitySecret?: string;
  /** When set, /metrics asks for `Authorization: Bearer <it>` (METRICS_TOKEN); unset: open. */
  readonly metricsToken?: string;
  /** null means any origin may open the widget socket. */
  readonly widgetAllowedOrigins: readonly string[] | null;
  readonly logLevel: Env['LOG_LEVEL'];
  /** Whose X-Forwarded-For is believed: false (nobody), a hop count, or the proxies' addresses/CIDRs. */
  readonly trustProxy: false | number | readonly string[];
  /** Widget sockets one client address may hold open. */
  readonly widgetMaxSocketsPerIp: number;
  /** Outgoing webhooks may target loopback, private and link-local addresses, and plain http (tests, closed networks). */
  readonly webhookAllowPrivateUrls: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every invalid variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0] ?? 'environment')}: ${i.message}`);
    throw new ConfigError([...new Set(problems)]);
  }
  const e = parsed.data;
  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    throw new ConfigError([
      'SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)',
    ]);
  }
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    databasePath: e.DATABASE_PATH,
    databaseUrl: e.DATABASE_URL,
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
      handoffChannel: e.SLACK_HANDOFF_CHANNEL,
      adminUserIds: Object.freeze(e.SLACK_ADMIN_USER_IDS),
    },
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
    smtpUrl: e.SMTP_URL,
    emailFrom: e.EMAIL_FROM,
    kbDir: e.KB_DIR,
    filesDir: e.FILES_DIR,
    maxUploadBytes: e.MAX_UPLOAD_MB * 1024 * 1024,
    aiConfidenceThreshold: e.AI_CONFIDENCE_THRESHOLD,
    offlineEmailDelaySeconds: e.OFFLINE_EMAIL_DELAY_S,
    identitySecret: e.IDENTITY_SECRET,
    metricsToken: e.METRICS_TOKEN,
    widgetAllowedOrigins: e.WIDGET_ALLOWED_ORIGINS ? Object.freeze(e.WIDGET_ALLOWED_ORIGINS) : null,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY ?? false,
    widgetMaxSocketsPerIp: e.WIDGET_MAX_SOCKETS_PER_IP,
    webhookAllowPrivateUrls: e.WEBHOOK_ALLOW_PRIVATE_URLS ?? false,
  };
  return deepFreeze(config);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * The environment with `.env` (in `dir`, the working folder by default) filled in underneath it:
 * variables already in the environment win. A missing `.env` is no error; an unreadable one is.
 */
export function withDotEnv(env: Record<string, string | undefined>, dir = process.cwd()): Record<string, string | undefined> {
  const file = path.join(dir, '.env');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw new ConfigError([`.env: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  const fromFile = parseEnv(text) as Record<string, string>;
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return merged;
}

/**
 * For entry points: the config (environment over `.env`), or every invalid variable named on
 * stderr and exit 1.
 */
export function loadConfigOrExit(env: Record<string, string | undefined>, dir?: string): Config {
  try {
    return loadConfig(withDotEnv(env, dir));
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) console.error(`Invalid environment variable ${problem}`);
      process.exit(1);
    }
    throw err;
  }
}
