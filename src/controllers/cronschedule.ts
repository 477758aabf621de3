// CronJob schedules as robfig/cron's standard parser reads them (five
// fields, the @descriptors, @every), with the times computed by croner in
// the CronJob's time zone. The API already refused what does not parse
// (defs/batch/cronjobs.ts); this turns a valid schedule into start times.
import { Cron } from 'croner';

export interface Schedule {
  timeZone: string;
  /** The first start time strictly after `after` (ms), or undefined when there is none. */
  next(after: number): number | undefined;
  /** The latest start time in (after, until], and how many there were (counted up to `cap`). */
  latest(after: number, until: number, cap: number): { latest?: number; missed: number };
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Windows looked at, nearest first, to find the latest of very many missed start times. */
const WINDOWS = [60_000, 3_600_000, 86_400_000, 32 * 86_400_000, 366 * 86_400_000, 5 * 366 * 86_400_000];

export function schedule(spec: string, timeZone = 'UTC'): Schedule {
  const text = spec.trim();
  let next: (after: number) => number | undefined;
  if (text.startsWith('@every ')) {
    // ConstantDelaySchedule: whole seconds, at least one.
    let ms = 0;
    for (const [, n, unit] of text.slice(7).trim().matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * UNITS[unit];
    const delay = Math.max(1000, Math.floor(ms / 1000) * 1000);
    next = (after) => Math.floor(after / 1000) * 1000 + delay;
  } else {
    // robfig reads "?" as "*"; croner would read it as "now".
    const pattern = DESCRIPTORS[text] ?? text.split(/\s+/).map((f) => f.replace(/\?/g, '*')).join(' ');
    const cron = new Cron(pattern, { timezone: timeZone, paused: true });
    next = (after) => cron.nextRun(new Date(after))?.getTime();
  }
  const scan = (after: number, until: number, cap: number) => {
    let latest: number | undefined;
    let missed = 0;
    for (let t = next(after); t !== undefined && t <= until && missed < cap; t = next(t)) { latest = t; missed++; }
    return { latest, missed };
  };
  return {
    timeZone,
    next,
    latest(after, until, cap) {
      const all = scan(after, until, cap);
      if (all.missed < cap) return all;
      for (const w of WINDOWS) {
        const near = scan(Math.max(after, until - w), until, cap);
        if (near.latest !== undefined) return { latest: near.latest, missed: all.missed };
      }
      return all;
    },
  };
}
