import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BUSINESS_HOURS,
  WEEKDAYS,
  businessHoursSchema,
  isValidTimeZone,
  isWithinBusinessHours,
  nextOpening,
  wallClock,
  type BusinessHoursConfig,
  type OpeningRange,
  type Weekday,
} from './business-hours';

const NINE_TO_FIVE: OpeningRange[] = [{ start: '09:00', end: '17:00' }];

/** A validated config: Mon–Fri 09:00–17:00 in the zone unless `weekly` says otherwise. */
function hours(timezone: string, weekly?: Partial<Record<Weekday, OpeningRange[]>>, holidays: string[] = []): BusinessHoursConfig {
  const days = weekly ?? { mon: NINE_TO_FIVE, tue: NINE_TO_FIVE, wed: NINE_TO_FIVE, thu: NINE_TO_FIVE, fri: NINE_TO_FIVE };
  return businessHoursSchema.parse({ timezone, weekly: days, holidays });
}

const NY = hours('America/New_York');
const BERLIN = hours('Europe/Berlin');
const KOLKATA = hours('Asia/Kolkata');
const SYDNEY = hours('Australia/Sydney');

describe('isWithinBusinessHours', () => {
  it.each([
    // New York, EST (UTC-5) before the change on Sunday 2026-03-08
    ['NY Fri 08:59 EST', NY, '2026-03-06T13:59:00Z', false],
    ['NY Fri 09:00 EST', NY, '2026-03-06T14:00:00Z', true],
    ['NY Fri 16:59 EST', NY, '2026-03-06T21:59:00Z', true],
    ['NY Fri 16:59:59 EST', NY, '2026-03-06T21:59:59Z', true],
    ['NY Fri 17:00 EST', NY, '2026-03-06T22:00:00Z', false],
    ['NY Sat noon', NY, '2026-03-07T17:00:00Z', false],
    // ... EDT (UTC-4) on the Monday after: the same wall times are an hour earlier in UTC
    ['NY Mon 08:59 EDT', NY, '2026-03-09T12:59:00Z', false],
    ['NY Mon 09:00 EDT', NY, '2026-03-09T13:00:00Z', true],
    ['NY Mon 16:59 EDT', NY, '2026-03-09T20:59:00Z', true],
    ['NY Mon 17:00 EDT', NY, '2026-03-09T21:00:00Z', false],
    // ... and back to EST after Sunday 2026-11-01
    ['NY Fri 08:59 EDT', NY, '2026-10-30T12:59:00Z', false],
    ['NY Fri 09:00 EDT', NY, '2026-10-30T13:00:00Z', true],
    ['NY Fri 17:00 EDT', NY, '2026-10-30T21:00:00Z', false],
    ['NY Mon 08:59 EST', NY, '2026-11-02T13:59:00Z', false],
    ['NY Mon 09:00 EST', NY, '2026-11-02T14:00:00Z', true],
    ['NY Mon 16:59 EST', NY, '2026-11-02T21:59:00Z', true],
    ['NY Mon 17:00 EST', NY, '2026-11-02T22:00:00Z', false],
    // Berlin: CET (UTC+1) / CEST (UTC+2), changes on 2026-03-29 and 2026-10-25
    ['Berlin Fri 08:59 CET', BERLIN, '2026-03-27T07:59:00Z', false],
    ['Berlin Fri 09:00 CET', BERLIN, '2026-03-27T08:00:00Z', true],
    ['Berlin Fri 16:59 CET', BERLIN, '2026-03-27T15:59:00Z', true],
    ['Berlin Fri 17:00 CET', BERLIN, '2026-03-27T16:00:00Z', false],
    ['Berlin Mon 08:59 CEST', BERLIN, '2026-03-30T06:59:00Z', false],
    ['Berlin Mon 09:00 CEST', BERLIN, '2026-03-30T07:00:00Z', true],
    ['Berlin Mon 16:59 CEST', BERLIN, '2026-03-30T14:59:00Z', true],
    ['Berlin Mon 17:00 CEST', BERLIN, '2026-03-30T15:00:00Z', false],
    ['Berlin Fri 09:00 CEST', BERLIN, '2026-10-23T07:00:00Z', true],
    ['Berlin Fri 17:00 CEST', BERLIN, '2026-10-23T15:00:00Z', false],
    ['Berlin Mon 08:59 CET', BERLIN, '2026-10-26T07:59:00Z', false],
    ['Berlin Mon 09:00 CET', BERLIN, '2026-10-26T08:00:00Z', true],
    ['Berlin Mon 16:59 CET', BERLIN, '2026-10-26T15:59:00Z', true],
    ['Berlin Mon 17:00 CET', BERLIN, '2026-10-26T16:00:00Z', false],
    // Kolkata: UTC+5:30, no daylight saving
    ['Kolkata Wed 08:59', KOLKATA, '2026-11-25T03:29:00Z', false],
    ['Kolkata Wed 09:00', KOLKATA, '2026-11-25T03:30:00Z', true],
    ['Kolkata Wed 16:59', KOLKATA, '2026-11-25T11:29:00Z', true],
    ['Kolkata Wed 17:00', KOLKATA, '2026-11-25T11:30:00Z', false],
    // Sydney: the local Monday starts on Sunday in UTC; AEDT (UTC+11) until 2026-04-05, AEST (UTC+10) until 2026-10-04
    ['Sydney Mon 08:59 AEDT (Sun in UTC)', SYDNEY, '2026-03-29T21:59:00Z', false],
    ['Sydney Mon 09:00 AEDT (Sun in UTC)', SYDNEY, '2026-03-29T22:00:00Z', true],
    ['Sydney Mon 16:59 AEDT', SYDNEY, '2026-03-30T05:59:00Z', true],
    ['Sydney Mon 17:00 AEDT', SYDNEY, '2026-03-30T06:00:00Z', false],
    ['Sydney Mon 08:59 AEST', SYDNEY, '2026-04-05T22:59:00Z', false],
    ['Sydney Mon 09:00 AEST', SYDNEY, '2026-04-05T23:00:00Z', true],
    ['Sydney Mon 17:00 AEST', SYDNEY, '2026-04-06T07:00:00Z', false],
    ['Sydney Mon 09:00 AEDT again', SYDNEY, '2026-10-04T22:00:00Z', true],
    ['Sydney Fri 17:00 AEDT (Fri 06:00 UTC)', SYDNEY, '2026-10-09T06:00:00Z', false],
    ['Sydney Sat 09:00 local (Fri in UTC)', SYDNEY, '2026-10-09T22:00:00Z', false],
    // UTC default
    ['default Wed 09:00 UTC', DEFAULT_BUSINESS_HOURS, '2026-11-25T09:00:00Z', true],
    ['default Wed 08:59 UTC', DEFAULT_BUSINESS_HOURS, '2026-11-25T08:59:59Z', false],
    ['default Sun noon UTC', DEFAULT_BUSINESS_HOURS, '2026-11-29T12:00:00Z', false],
  ])('%s', (_name, config, iso, expected) => {
    expect(isWithinBusinessHours(config, new Date(iso))).toBe(expected);
  });

  describe('on the days the clocks change', () => {
    // Open 01:00–04:00 on Sundays: the ranges straddle the change.
    const nySunday = hours('America/New_York', { sun: [{ start: '01:00', end: '04:00' }] });
    const berlinSunday = hours('Europe/Berlin', { sun: [{ start: '02:00', end: '04:00' }] });

    it.each([
      // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00Z)
      ['NY 01:59 EST', nySunday, '2026-03-08T06:59:00Z', true],
      ['NY 03:00 EDT', nySunday, '2026-03-08T07:00:00Z', true],
      ['NY 03:59 EDT', nySunday, '2026-03-08T07:59:00Z', true],
      ['NY 04:00 EDT', nySunday, '2026-03-08T08:00:00Z', false],
      ['NY 00:59 EST', nySunday, '2026-03-08T05:59:00Z', false],
      // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST (06:00Z); 01:xx happens twice
      ['NY first 01:00 EDT', nySunday, '2026-11-01T05:00:00Z', true],
      ['NY second 01:30 EST', nySunday, '2026-11-01T06:30:00Z', true],
      ['NY 03:59 EST', nySunday, '2026-11-01T08:59:00Z', true],
      ['NY 04:00 EST', nySunday, '2026-11-01T09:00:00Z', false],
      // Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z): 02:xx never happens
      ['Berlin 01:59 CET', berlinSunday, '2026-03-29T00:59:00Z', false],
      ['Berlin 03:00 CEST', berlinSunday, '2026-03-29T01:00:00Z', true],
      ['Berlin 04:00 CEST', berlinSunday, '2026-03-29T02:00:00Z', false],
      // Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00Z): open three hours
      ['Berlin 01:59 CEST', berlinSunday, '2026-10-24T23:59:00Z', false],
      ['Berlin 02:00 CEST', berlinSunday, '2026-10-25T00:00:00Z', true],
      ['Berlin 02:00 CET', berlinSunday, '2026-10-25T01:00:00Z', true],
      ['Berlin 03:59 CET', berlinSunday, '2026-10-25T02:59:00Z', true],
      ['Berlin 04:00 CET', berlinSunday, '2026-10-25T03:00:00Z', false],
    ])('%s', (_name, config, iso, expected) => {
      expect(isWithinBusinessHours(config, new Date(iso))).toBe(expected);
    });
  });

  it('closes holidays by the local date, not the UTC date', () => {
    const ny = hours('America/New_York', undefined, ['2026-12-25']);
    expect(isWithinBusinessHours(ny, new Date('2026-12-25T15:00:00Z'))).toBe(false); // Fri 10:00 EST
    expect(isWithinBusinessHours(ny, new Date('2026-12-24T15:00:00Z'))).toBe(true);
    // Sydney's Christmas morning is still the 24th in UTC.
    const sydney = hours('Australia/Sydney', undefined, ['2026-12-25']);
    expect(isWithinBusinessHours(sydney, new Date('2026-12-24T23:00:00Z'))).toBe(false); // Fri 25th 10:00 AEDT
    expect(isWithinBusinessHours(sydney, new Date('2026-12-23T23:00:00Z'))).toBe(true); // Thu 24th 10:00 AEDT
    // Kolkata's 26 January ends at 18:30 UTC.
    const kolkata = hours('Asia/Kolkata', undefined, ['2026-01-26']);
    expect(isWithinBusinessHours(kolkata, new Date('2026-01-26T05:00:00Z'))).toBe(false);
    expect(isWithinBusinessHours(kolkata, new Date('2026-01-27T05:00:00Z'))).toBe(true);
  });

  it('keeps an overnight shift written as two ranges open across midnight', () => {
    const night = hours('Europe/Berlin', { fri: [{ start: '22:00', end: '24:00' }], sat: [{ start: '00:00', end: '06:00' }] });
    // Fri 2026-11-27, CET.
    expect(isWithinBusinessHours(night, new Date('2026-11-27T20:59:00Z'))).toBe(false); // 21:59
    expect(isWithinBusinessHours(night, new Date('2026-11-27T21:00:00Z'))).toBe(true); // 22:00
    expect(isWithinBusinessHours(night, new Date('2026-11-27T22:59:59Z'))).toBe(true); // 23:59:59
    expect(isWithinBusinessHours(night, new Date('2026-11-27T23:00:00Z'))).toBe(true); // Sat 00:00
    expect(isWithinBusinessHours(night, new Date('2026-11-28T04:59:00Z'))).toBe(true); // Sat 05:59
    expect(isWithinBusinessHours(night, new Date('2026-11-28T05:00:00Z'))).toBe(false); // Sat 06:00
    // A holiday on the Saturday closes its part of the shift.
    const holiday = { ...night, holidays: ['2026-11-28'] };
    expect(isWithinBusinessHours(holiday, new Date('2026-11-27T22:30:00Z'))).toBe(true);
    expect(isWithinBusinessHours(holiday, new Date('2026-11-27T23:30:00Z'))).toBe(false);
  });

  it('is never open with an empty week, and honours several ranges a day', () => {
    const closed = hours('UTC', {});
    expect(WEEKDAYS.every((d) => closed.weekly[d].length === 0)).toBe(true);
    expect(isWithinBusinessHours(closed, new Date('2026-11-25T12:00:00Z'))).toBe(false);

    const split = hours('UTC', { wed: [{ start: '13:00', end: '17:00' }, { start: '08:00', end: '12:00' }] });
    expect(isWithinBusinessHours(split, new Date('2026-11-25T11:59:00Z'))).toBe(true);
    expect(isWithinBusinessHours(split, new Date('2026-11-25T12:30:00Z'))).toBe(false);
    expect(isWithinBusinessHours(split, new Date('2026-11-25T13:00:00Z'))).toBe(true);
  });
});

describe('nextOpening', () => {
  it.each([
    ['open now: now itself', NY, '2026-03-06T15:00:00Z', '2026-03-06T15:00:00.000Z'],
    ['NY before opening the same day', NY, '2026-03-06T13:00:00Z', '2026-03-06T14:00:00.000Z'],
    ['NY Fri 17:00 EST → Mon 09:00 EDT, across the change', NY, '2026-03-06T22:00:00Z', '2026-03-09T13:00:00.000Z'],
    ['NY Fri 17:00 EDT → Mon 09:00 EST, across the change', NY, '2026-10-30T21:00:00Z', '2026-11-02T14:00:00.000Z'],
    ['Berlin Fri 17:00 CET → Mon 09:00 CEST', BERLIN, '2026-03-27T16:00:00Z', '2026-03-30T07:00:00.000Z'],
    ['Berlin Fri 17:30 CEST → Mon 09:00 CET', BERLIN, '2026-10-23T15:30:00Z', '2026-10-26T08:00:00.000Z'],
    ['Kolkata Sat → Mon 09:00 IST', KOLKATA, '2026-11-28T10:00:00Z', '2026-11-30T03:30:00.000Z'],
    ['Sydney Fri 17:00 AEDT → Mon 09:00 AEDT (Sun in UTC)', SYDNEY, '2026-03-27T06:00:00Z', '2026-03-29T22:00:00.000Z'],
    ['Sydney Fri 17:00 AEDT → Mon 09:00 AEST', SYDNEY, '2026-04-03T06:00:00Z', '2026-04-05T23:00:00.000Z'],
    ['UTC default at 08:59:59', DEFAULT_BUSINESS_HOURS, '2026-11-25T08:59:59Z', '2026-11-25T09:00:00.000Z'],
  ])('%s', (_name, config, iso, expected) => {
    expect(nextOpening(config, new Date(iso))?.toISOString()).toBe(expected);
  });

  it('skips holidays, several in a row', () => {
    const ny = hours('America/New_York', undefined, ['2026-12-24', '2026-12-25', '2026-12-28']);
    // Wed 23 Dec 17:00 EST → Tue 29 Dec 09:00 EST.
    expect(nextOpening(ny, new Date('2026-12-23T22:00:00Z'))?.toISOString()).toBe('2026-12-29T14:00:00.000Z');
  });

  it('finds the next week when only one day is open, and null for an empty week', () => {
    const wednesdays = hours('Europe/Berlin', { wed: [{ start: '10:00', end: '11:00' }] });
    // Thu 26 Nov → Wed 2 Dec 10:00 CET.
    expect(nextOpening(wednesdays, new Date('2026-11-26T12:00:00Z'))?.toISOString()).toBe('2026-12-02T09:00:00.000Z');
    expect(nextOpening(hours('UTC', {}), new Date('2026-11-26T12:00:00Z'))).toBeNull();
  });

  it('opens a range starting in the skipped hour when the skipped hour ends', () => {
    // NY 2026-03-08: 02:30 does not exist; at 03:00 EDT (07:00Z) the range 02:30–04:00 is open.
    const ny = hours('America/New_York', { sun: [{ start: '02:30', end: '04:00' }] });
    expect(nextOpening(ny, new Date('2026-03-07T12:00:00Z'))?.toISOString()).toBe('2026-03-08T07:00:00.000Z');
    // A range wholly inside the skipped hour never opens that day: the next Sunday it does.
    const lost = hours('Europe/Berlin', { sun: [{ start: '02:10', end: '02:50' }] });
    expect(nextOpening(lost, new Date('2026-03-28T12:00:00Z'))?.toISOString()).toBe('2026-04-05T00:10:00.000Z');
  });

  it('opens again at the second occurrence of a repeated hour', () => {
    // NY 2026-11-01: 01:00–01:30 happens in EDT (05:00Z) and again in EST (06:00Z).
    const ny = hours('America/New_York', { sun: [{ start: '01:00', end: '01:30' }] });
    expect(nextOpening(ny, new Date('2026-11-01T04:00:00Z'))?.toISOString()).toBe('2026-11-01T05:00:00.000Z');
    expect(nextOpening(ny, new Date('2026-11-01T05:45:00Z'))?.toISOString()).toBe('2026-11-01T06:00:00.000Z');
  });

  it('opens an overnight shift at its evening start', () => {
    const night = hours('America/New_York', { fri: [{ start: '22:00', end: '24:00' }], sat: [{ start: '00:00', end: '06:00' }] });
    // Fri 27 Nov 12:00 EST → 22:00 EST.
    expect(nextOpening(night, new Date('2026-11-27T17:00:00Z'))?.toISOString()).toBe('2026-11-28T03:00:00.000Z');
  });

  it.each([
    ['America/New_York', NY],
    ['Europe/Berlin', BERLIN],
    ['Asia/Kolkata', KOLKATA],
    ['Australia/Sydney', SYDNEY],
  ])('returns the first open instant, all year round, in %s', (_zone, config) => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const end = Date.parse('2027-01-01T00:00:00Z');
    const step = 13 * 60 * 60 * 1000 + 17 * 60 * 1000; // lands on every hour of the day over the year
    for (let t = start; t < end; t += step) {
      const now = new Date(t);
      const next = nextOpening(config, now);
      expect(next).not.toBeNull();
      const at = next!.getTime();
      if (isWithinBusinessHours(config, now)) {
        expect(at).toBe(t);
        continue;
      }
      expect(at).toBeGreaterThan(t);
      expect(isWithinBusinessHours(config, next!)).toBe(true);
      expect(isWithinBusinessHours(config, new Date(at - 1000))).toBe(false);
      expect(wallClock(config.timezone, next!).time).toBe('09:00');
      // Closed all the way from now to then (sampled every 40 minutes: any missed range is hours long).
      let openBefore: string | null = null;
      for (let s = t; s < at && !openBefore; s += 40 * 60 * 1000) if (isWithinBusinessHours(config, new Date(s))) openBefore = new Date(s).toISOString();
      expect(openBefore).toBeNull();
    }
  });
});

describe('wallClock', () => {
  it('reads the local date, weekday and time', () => {
    expect(wallClock('Asia/Kolkata', new Date('2026-11-25T18:45:00Z'))).toEqual({ date: '2026-11-26', weekday: 'thu', time: '00:15', minutes: 15 });
    expect(wallClock('America/New_York', new Date('2026-11-01T05:30:00Z'))).toMatchObject({ date: '2026-11-01', weekday: 'sun', time: '01:30' });
    expect(wallClock('UTC', new Date('2026-11-29T00:00:00Z'))).toMatchObject({ weekday: 'sun', time: '00:00', minutes: 0 });
  });
});

describe('businessHoursSchema', () => {
  const issues = (value: unknown) => {
    const r = businessHoursSchema.safeParse(value);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts the default, fills missing days with [] and keeps holidays', () => {
    expect(businessHoursSchema.parse(DEFAULT_BUSINESS_HOURS)).toEqual(DEFAULT_BUSINESS_HOURS);
    expect(DEFAULT_BUSINESS_HOURS.timezone).toBe('UTC');
    expect(Object.isFrozen(DEFAULT_BUSINESS_HOURS.weekly.mon[0])).toBe(true);
    expect(WEEKDAYS.filter((d) => DEFAULT_BUSINESS_HOURS.weekly[d].length)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
    const parsed = businessHoursSchema.parse({ timezone: 'Asia/Kolkata', weekly: { sat: [{ start: '10:00', end: '14:00' }] } });
    expect(parsed.weekly.mon).toEqual([]);
    expect(parsed.holidays).toEqual([]);
  });

  it('accepts touching ranges and a range until 24:00', () => {
    expect(issues({ timezone: 'UTC', weekly: { mon: [{ start: '09:00', end: '12:00' }, { start: '12:00', end: '24:00' }] } })).toEqual([]);
  });

  it.each([
    [{ timezone: 'Mars/Olympus_Mons', weekly: {} }, 'timezone: "Mars/Olympus_Mons" is not a known IANA time zone'],
    [{ timezone: '+05:30', weekly: {} }, 'timezone: "+05:30" is not a known IANA time zone'],
    [{ timezone: 'UTC', weekly: { mon: [{ start: '9:00', end: '17:00' }] } }, 'weekly.mon.0.start: start must be a time HH:MM'],
    [{ timezone: 'UTC', weekly: { mon: [{ start: '24:00', end: '24:00' }] } }, 'weekly.mon.0.start: start must be a time HH:MM'],
    [{ timezone: 'UTC', weekly: { mon: [{ start: '09:00', end: '12:60' }] } }, 'weekly.mon.0.end: end must be a time HH:MM'],
    [{ timezone: 'UTC', weekly: { mon: [{ start: '09:00', end: '24:01' }] } }, 'weekly.mon.0.end: end must be a time HH:MM'],
    [{ timezone: 'UTC', weekly: { mon: [{ start: '17:00', end: '09:00' }] } }, 'weekly.mon.0.end: end (09:00) must be after start (17:00); write an overnight range as 17:00–24:00 on one day and 00:00–09:00 on the next'],
    [{ timezone: 'UTC', weekly: { mon: [{ start: '09:00', end: '09:00' }] } }, 'weekly.mon.0.end: end (09:00) must be after start (09:00)'],
    [{ timezone: 'UTC', weekly: { tue: [{ start: '09:00', end: '12:00' }, { start: '11:30', end: '13:00' }] } }, 'weekly.tue: ranges 09:00–12:00 and 11:30–13:00 overlap'],
    [{ timezone: 'UTC', weekly: { monday: [] } }, 'weekly: unknown day "monday"; the days are mon, tue, wed, thu, fri, sat, sun'],
    [{ timezone: 'UTC', weekly: {}, holidays: ['2026-02-30'] }, 'holidays.0: holiday "2026-02-30" must be a date YYYY-MM-DD'],
    [{ timezone: 'UTC', weekly: {}, holidays: ['25/12/2026'] }, 'holidays.0: holiday "25/12/2026" must be a date YYYY-MM-DD'],
    [{ timezone: 'UTC' }, 'weekly: weekly must be an object with the days mon, tue, wed, thu, fri, sat, sun'],
  ])('refuses %j', (value, message) => {
    expect(issues(value).join('\n')).toContain(message);
  });

  it('knows time zones by their IANA names', () => {
    for (const tz of ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Sydney']) expect(isValidTimeZone(tz)).toBe(true);
    for (const tz of ['', 'Nowhere/Town', '+02:00', 'EST5EDT but wrong']) expect(isValidTimeZone(tz)).toBe(false);
  });
});
