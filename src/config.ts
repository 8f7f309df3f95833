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

const numberIn = (min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().refine((n) => Number.isFinite(n) && n >= min && n <= max, `must be a number from ${min} to ${max}`));

const envSchema = z.object({
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int('must be a whole number').min(0).max(65535).default(3000)),
  HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  PUBLIC_URL: z.preprocess(emptyToUndefined, url('e.g. https://support.example.com').optional()),
  DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().default('./data/handoff.db')),
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
  AI_CONFIDENCE_THRESHOLD: numberIn(0, 1).default(0.5),
  OFFLINE_EMAIL_DELAY_S: z.preprocess(emptyToUndefined, z.coerce.number().int('must be a whole number').min(0).default(120)),
  IDENTITY_SECRET: optionalString,
  WIDGET_ALLOWED_ORIGINS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .transform((v) => (v && v.trim() !== '*' ? v.split(',').map((s) => s.trim().replace(/\/$/, '')).filter(Boolean) : null))
      .refine((list) => list === null || list.every((o) => /^https?:\/\/[^/]+$/.test(o)), 'must be comma-separated origins such as https://www.example.com'),
  ),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly databasePath: string;
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
  readonly aiConfidenceThreshold: number;
  readonly offlineEmailDelaySeconds: number;
  readonly identitySecret?: string;
  /** null means any origin may open the widget socket. */
  readonly widgetAllowedOrigins: readonly string[] | null;
  readonly logLevel: Env['LOG_LEVEL'];
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
    aiConfidenceThreshold: e.AI_CONFIDENCE_THRESHOLD,
    offlineEmailDelaySeconds: e.OFFLINE_EMAIL_DELAY_S,
    identitySecret: e.IDENTITY_SECRET,
    widgetAllowedOrigins: e.WIDGET_ALLOWED_ORIGINS ? Object.freeze(e.WIDGET_ALLOWED_ORIGINS) : null,
    logLevel: e.LOG_LEVEL,
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

/** For entry points: the config, or every invalid variable named on stderr and exit 1. */
export function loadConfigOrExit(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) console.error(`Invalid environment variable ${problem}`);
      process.exit(1);
    }
    throw err;
  }
}
