import { z } from 'zod';
import type { Clock } from './ports';
import { businessHoursSchema, type BusinessHoursConfig } from './business-hours';
import type { AuditStore, SettingsStore } from './stores';
import { LANGUAGES } from '../i18n/languages';
import { isTextKey } from '../i18n/catalogs';

/**
 * Settings admins change at run time. Stored per key in the settings table; the environment gives
 * the first defaults. Reads are served from memory; a change is written, then the cache refreshed,
 * so every caller sees it at once without a restart.
 */
export const ROUTING_METHODS = ['round_robin', 'first_available', 'skill_based', 'load_balanced'] as const;

const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #4f46e5');

export const settingsSchema = z.object({
  aiConfidenceThreshold: z.number().min(0).max(1),
  routingMethod: z.enum(ROUTING_METHODS),
  defaultCapacity: z.number().int().min(1).max(50),
  handoffMessage: z.string().min(1).max(500),
  /** `{name}` becomes the agent's name. */
  agentIntroduction: z.string().min(1).max(500),
  queuedMessage: z.string().min(1).max(500),
  widgetTitle: z.string().min(1).max(60),
  widgetGreeting: z.string().min(1).max(500),
  widgetColour: hexColour,
  /** Not claimed after this many minutes: the next agent is asked. */
  nudgeFirstMinutes: z.number().min(0.5).max(120),
  /** Not claimed after this many minutes: @here in the channel. */
  nudgeBroadcastMinutes: z.number().min(1).max(1440),
  /** Weekly schedule, timezone and holidays, for the business_hours rule condition. */
  businessHours: businessHoursSchema,
  /** When the daily analytics digest is posted to the handoff channel (HH:MM in the business-hours time zone), or `off`. */
  digestTime: z.union([z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM, e.g. 09:00'), z.literal('off')]),
  /** The widget's language when the browser asks for none we speak (or always, with detection off); the settings' texts are in it. */
  defaultLanguage: z.enum(LANGUAGES),
  /** Choose the widget's language from the browser's languages. */
  detectLanguage: z.boolean(),
  /** The language agents read in Slack: customer messages in another language get a translation into it (with OpenAI). */
  workspaceLanguage: z.enum(LANGUAGES),
  /** Admins' own texts per language, by `group.key` (src/i18n/catalogs). */
  textOverrides: z.partialRecord(
    z.enum(LANGUAGES),
    z.record(z.string().max(80).refine(isTextKey, { message: 'is not a text the widget or the chat has' }), z.string().max(1000)),
  ),
});

export type Settings = z.infer<typeof settingsSchema>;

const allDay = [{ start: '00:00', end: '24:00' }];
export const ALWAYS_OPEN: BusinessHoursConfig = {
  timezone: 'UTC',
  weekly: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
  holidays: [],
};

export interface SettingsDefaults {
  aiConfidenceThreshold: number;
}

export function defaultSettings(env: SettingsDefaults): Settings {
  return {
    aiConfidenceThreshold: env.aiConfidenceThreshold,
    routingMethod: 'round_robin',
    defaultCapacity: 3,
    handoffMessage: 'Let me connect you with a team member...',
    agentIntroduction: "Hi! I'm {name}, happy to help!",
    queuedMessage:
      "Our team isn't available right now, but I'll keep helping here. Leave your email and a team member will reply to you there.",
    widgetTitle: 'Acme Projects support',
    widgetGreeting: 'Hi! Ask me anything about Acme Projects.',
    widgetColour: '#4f46e5',
    nudgeFirstMinutes: 2,
    nudgeBroadcastMinutes: 10,
    // Open all week until an admin sets the team's schedule: a fresh install never queues by the clock.
    businessHours: ALWAYS_OPEN,
    digestTime: '09:00',
    defaultLanguage: 'en',
    detectLanguage: true,
    workspaceLanguage: 'en',
    textOverrides: {},
  };
}

export class SettingsService {
  private cache: Settings;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly repo: SettingsStore,
    private readonly defaults: Settings,
    private readonly clock: Clock,
    private readonly audit?: AuditStore,
  ) {
    this.cache = this.load();
  }

  get(): Readonly<Settings> {
    return this.cache;
  }

  /** Validates and stores a partial change; returns the keys that changed. */
  update(patch: Partial<Settings>, by: string | null): (keyof Settings)[] {
    const next = settingsSchema.parse({ ...this.cache, ...patch });
    const changed = (Object.keys(patch) as (keyof Settings)[]).filter(
      (k) => JSON.stringify(next[k]) !== JSON.stringify(this.cache[k]),
    );
    const now = this.clock.now().toISOString();
    for (const k of changed) this.repo.set(k, next[k], by, now);
    if (changed.length) {
      const before = Object.fromEntries(changed.map((k) => [k, this.cache[k]]));
      const after = Object.fromEntries(changed.map((k) => [k, next[k]]));
      this.audit?.record({ actor: by, action: 'settings.update', target: changed.join(','), detail: { before, after }, at: now });
    }
    this.cache = next;
    if (changed.length) for (const listener of this.listeners) listener();
    return changed;
  }

  /** Calls `listener` after each update that changed something (other instances reload then). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the stored settings again (another instance changed them). */
  reload(): void {
    this.cache = this.load();
  }

  private load(): Settings {
    const stored = this.repo.all();
    const merged: Record<string, unknown> = { ...this.defaults };
    // A stored value that no longer validates (an older format) falls back to its default.
    for (const [key, value] of Object.entries(stored)) {
      if (!(key in this.defaults)) continue;
      const field = settingsSchema.shape[key as keyof Settings];
      if (field.safeParse(value).success) merged[key] = value;
    }
    return settingsSchema.parse(merged);
  }
}
