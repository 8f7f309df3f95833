import { z } from 'zod';

/**
 * Business hours: a weekly schedule of opening ranges in one IANA time zone, minus holidays.
 *
 * Everything is decided on the local wall clock of the zone, read through Intl, so a schedule of
 * "09:00–17:00" means nine to five local time on both sides of a daylight-saving change.
 *
 * - A range `{start, end}` is open from `start` (inclusive) to `end` (exclusive), in whole minutes:
 *   09:00–17:00 is open at 09:00:00 and 16:59:59, closed at 08:59:59 and 17:00:00.
 * - `end` may be `24:00` (until midnight). A range never crosses midnight: an overnight shift is
 *   written as two ranges, `22:00–24:00` on one day and `00:00–06:00` on the next.
 * - A holiday (`YYYY-MM-DD`) closes that whole local date, including an overnight shift's part that
 *   falls on it.
 * - A wall time that does not exist (the hour skipped when clocks go forward) is never open; a wall
 *   time that happens twice (when clocks go back) is open both times.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface OpeningRange {
  /** HH:MM, 00:00–23:59. */
  start: string;
  /** HH:MM, after start; 24:00 for midnight. */
  end: string;
}

export interface BusinessHoursConfig {
  /** IANA time zone, e.g. Europe/Berlin. */
  timezone: string;
  weekly: Record<Weekday, OpeningRange[]>;
  /** Local dates (YYYY-MM-DD) closed all day. */
  holidays: string[];
}

const START_TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const END_TIME = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Minutes since local midnight of an HH:MM time (24:00 is 1440). */
export function minutesOf(time: string): number {
  const [h, m] = time.split(':');
  return Number(h) * 60 + Number(m);
}

/** True for a time zone Intl knows by its IANA name (UTC included; offsets such as +05:30 are not names). */
export function isValidTimeZone(timezone: string): boolean {
  if (!/^[A-Za-z]/.test(timezone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export const openingRangeSchema = z
  .strictObject({
    start: z.string({ error: 'start must be a time such as 09:00' }).regex(START_TIME, 'start must be a time HH:MM between 00:00 and 23:59, e.g. 09:00'),
    end: z.string({ error: 'end must be a time such as 17:30' }).regex(END_TIME, 'end must be a time HH:MM between 00:01 and 24:00, e.g. 17:30'),
  })
  .refine((r) => !START_TIME.test(r.start) || !END_TIME.test(r.end) || minutesOf(r.end) > minutesOf(r.start), {
    error: (iss) => {
      const r = iss.input as OpeningRange;
      return `end (${r.end}) must be after start (${r.start}); write an overnight range as ${r.start}–24:00 on one day and 00:00–${r.end} on the next`;
    },
    path: ['end'],
  });

const dayRangesSchema = z
  .array(openingRangeSchema)
  .max(12, 'at most 12 ranges a day')
  .default([])
  .superRefine((ranges, ctx) => {
    const sorted = [...ranges].sort((a, b) => minutesOf(a.start) - minutesOf(b.start));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      if (minutesOf(cur.start) < minutesOf(prev.end)) {
        ctx.addIssue({ code: 'custom', message: `ranges ${prev.start}–${prev.end} and ${cur.start}–${cur.end} overlap` });
      }
    }
  });

export const businessHoursSchema = z.strictObject({
  timezone: z
    .string({ error: 'timezone must be an IANA time zone such as Europe/Berlin' })
    .refine(isValidTimeZone, { error: (iss) => `"${String(iss.input)}" is not a known IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)` }),
  weekly: z.strictObject(
    {
      mon: dayRangesSchema,
      tue: dayRangesSchema,
      wed: dayRangesSchema,
      thu: dayRangesSchema,
      fri: dayRangesSchema,
      sat: dayRangesSchema,
      sun: dayRangesSchema,
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown day ${iss.keys.map((k) => `"${k}"`).join(', ')}; the days are mon, tue, wed, thu, fri, sat, sun`
          : 'weekly must be an object with the days mon, tue, wed, thu, fri, sat, sun',
    },
  ),
  holidays: z
    .array(z.string().refine(isCalendarDate, { error: (iss) => `holiday "${String(iss.input)}" must be a date YYYY-MM-DD` }))
    .max(1000, 'at most 1000 holidays')
    .default([]),
});

/** Mon–Fri 09:00–17:00 UTC, no holidays. Frozen all the way down: copy it to change it. */
export const DEFAULT_BUSINESS_HOURS: BusinessHoursConfig = deepFreeze({
  timezone: 'UTC',
  weekly: {
    mon: [{ start: '09:00', end: '17:00' }],
    tue: [{ start: '09:00', end: '17:00' }],
    wed: [{ start: '09:00', end: '17:00' }],
    thu: [{ start: '09:00', end: '17:00' }],
    fri: [{ start: '09:00', end: '17:00' }],
    sat: [],
    sun: [],
  },
  holidays: [],
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Wall clock

export interface WallClock {
  /** Local date, YYYY-MM-DD. */
  date: string;
  weekday: Weekday;
  /** Local time, HH:MM. */
  time: string;
  /** Minutes since local midnight. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, f);
  }
  return f;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The last answer per zone: formatToParts is slow and rules ask about the same second many times. */
const lastParts = new Map<string, { second: number; parts: Readonly<Parts> }>();

function partsAt(timezone: string, instant: number): Readonly<Parts> {
  const second = Math.floor(instant / 1000);
  const last = lastParts.get(timezone);
  if (last?.second === second) return last.parts;
  const parts = computePartsAt(timezone, instant);
  lastParts.set(timezone, { second, parts });
  return parts;
}

function computePartsAt(timezone: string, instant: number): Parts {
  const out: Parts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of formatter(timezone).formatToParts(instant)) {
    if (p.type in out) out[p.type as keyof Parts] = Number(p.value);
  }
  // Some ICU versions say 24 for midnight even with h23.
  if (out.hour === 24) out.hour = 0;
  return out;
}

const WEEKDAY_BY_UTC_DAY: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function dateKey(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** The local date, weekday and time of an instant in a time zone. */
export function wallClock(timezone: string, now: Date): WallClock {
  const p = partsAt(timezone, now.getTime());
  const weekday = WEEKDAY_BY_UTC_DAY[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()]!;
  return { date: dateKey(p.year, p.month, p.day), weekday, time: `${pad(p.hour)}:${pad(p.minute)}`, minutes: p.hour * 60 + p.minute };
}

/** The zone's offset from UTC at an instant, in milliseconds (wall clock minus UTC). */
function offsetAt(timezone: string, instant: number): number {
  const p = partsAt(timezone, instant);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The instants at which a zone's wall clock reads `minutes` past midnight on a local date: one
 * normally, two when clocks go back over it, and none when clocks go forward over it; then the
 * moment the skipped hour ends (the first instant after the wall time).
 */
function instantsOfWallTime(timezone: string, year: number, month: number, day: number, minutes: number): number[] {
  const naive = Date.UTC(year, month - 1, day) + minutes * 60_000;
  const before = offsetAt(timezone, naive - DAY_MS);
  const after = offsetAt(timezone, naive + DAY_MS);
  const found = new Set<number>();
  for (const offset of new Set([before, after, offsetAt(timezone, naive)])) {
    const t = naive - offset;
    if (t + offsetAt(timezone, t) === naive) found.add(t);
  }
  if (found.size) return [...found].sort((a, b) => a - b);

  // A skipped wall time: search for the transition between the two candidate instants.
  let lo = Math.min(naive - before, naive - after);
  let hi = Math.max(naive - before, naive - after);
  const loOffset = offsetAt(timezone, lo);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(timezone, mid) === loOffset) lo = mid;
    else hi = mid;
  }
  return [hi];
}

// ---------------------------------------------------------------------------------------------
// Queries

/** True when `now` falls in an opening range of its local weekday and its local date is not a holiday. */
export function isWithinBusinessHours(config: BusinessHoursConfig, now: Date): boolean {
  const wall = wallClock(config.timezone, now);
  if (config.holidays.includes(wall.date)) return false;
  return (config.weekly[wall.weekday] ?? []).some((r) => wall.minutes >= minutesOf(r.start) && wall.minutes < minutesOf(r.end));
}

/**
 * The first instant at or after `now` when business hours are open: `now` itself while open, else
 * the start of the next opening range (as the wall clock of the zone reads it, across
 * daylight-saving changes and holidays). Null when the schedule has no ranges at all, or nothing
 * opens within the next year and the listed holidays.
 */
export function nextOpening(config: BusinessHoursConfig, now: Date): Date | null {
  if (isWithinBusinessHours(config, now)) return new Date(now.getTime());
  if (!WEEKDAYS.some((d) => (config.weekly[d] ?? []).length > 0)) return null;

  const from = now.getTime();
  const today = partsAt(config.timezone, from);
  const holidays = new Set(config.holidays);
  const horizonDays = 370 + holidays.size;
  for (let i = 0; i <= horizonDays; i++) {
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    if (holidays.has(dateKey(y, m, d))) continue;
    const ranges = [...(config.weekly[WEEKDAY_BY_UTC_DAY[day.getUTCDay()]!] ?? [])].sort(
      (a, b) => minutesOf(a.start) - minutesOf(b.start),
    );
    for (const range of ranges) {
      for (const t of instantsOfWallTime(config.timezone, y, m, d, minutesOf(range.start))) {
        if (t > from && isWithinBusinessHours(config, new Date(t))) return new Date(t);
      }
    }
  }
  return null;
}
