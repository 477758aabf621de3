// metav1.Time and metav1.MicroTime as kube decodes and writes them: Go's
// time.Parse with the RFC 3339 layouts (its error text included, which kube
// returns in a 400), and the UTC form Go writes back: whole seconds for a Time,
// exactly six fraction digits for a MicroTime.

const RFC3339 = '2006-01-02T15:04:05Z07:00';
const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';

/** Go's time.quote: double quotes, with \ and " escaped. */
const quote = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

class Bad extends Error {}

const isDigit = (s: string, i: number) => i < s.length && s[i] >= '0' && s[i] <= '9';

/** getnum: one or two digits (exactly two when fixed). */
function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigit(s, 0)) throw new Bad();
  if (!isDigit(s, 1)) {
    if (fixed) throw new Bad();
    return [Number(s[0]), s.slice(1)];
  }
  return [Number(s.slice(0, 2)), s.slice(2)];
}

const daysIn = (month: number, year: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

export interface ParsedTime { ms: number; nanos: number }

/**
 * time.Parse(layout, value) for the two RFC 3339 layouts kube uses: the instant, or Go's
 * *time.ParseError text. The layout is walked chunk by chunk as Go walks it.
 */
function goParse(value: string, micro: boolean): ParsedTime | string {
  const layout = micro ? RFC3339_MICRO : RFC3339;
  const chunks: [prefix: string, std: string][] = [['', '2006'], ['-', '01'], ['-', '02'], ['T', '15'], [':', '04'], [':', '05'],
    ...(micro ? [['', '.000000'] as [string, string]] : []), ['', 'Z07:00']];
  const parseError = (layoutElem: string, valueElem: string) => `parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`;
  const outOfRange = (what: string) => `parsing time ${quote(value)}: ${what} out of range`;
  let rest = value;
  let year = 0, month = 0, day = 0, hour = 0, min = 0, sec = 0, nanos = 0, offset = 0;
  for (const [prefix, std] of chunks) {
    if (!rest.startsWith(prefix)) {
      // skip() stops at the first differing byte of the literal
      let i = 0;
      while (i < prefix.length && rest[i] === prefix[i]) i++;
      return parseError(prefix, rest.slice(i));
    }
    rest = rest.slice(prefix.length);
    const hold = rest;
    let range = '';
    try {
      switch (std) {
        case '2006':
          if (rest.length < 4 || !/^\d{4}$/.test(rest.slice(0, 4))) throw new Bad();
          year = Number(rest.slice(0, 4));
          rest = rest.slice(4);
          break;
        case '01':
          [month, rest] = getnum(rest, true);
          if (month <= 0 || month > 12) range = 'month';
          break;
        case '02':
          [day, rest] = getnum(rest, true);
          break;
        case '15':
          [hour, rest] = getnum(rest, false);
          if (hour >= 24) range = 'hour';
          break;
        case '04':
          [min, rest] = getnum(rest, true);
          if (min >= 60) range = 'minute';
          break;
        case '05': {
          [sec, rest] = getnum(rest, true);
          if (sec >= 60) { range = 'second'; break; }
          // a fraction the layout does not name is taken all the same (unless the layout's own comes next)
          if (!micro && rest.length >= 2 && (rest[0] === '.' || rest[0] === ',') && isDigit(rest, 1)) {
            let n = 2;
            while (isDigit(rest, n)) n++;
            nanos = Number(rest.slice(1, Math.min(n, 10)).padEnd(9, '0'));
            rest = rest.slice(n);
          }
          break;
        }
        case '.000000':
          if (rest.length < 7 || (rest[0] !== '.' && rest[0] !== ',') || !/^\d{6}$/.test(rest.slice(1, 7))) throw new Bad();
          nanos = Number(rest.slice(1, 7)) * 1000;
          rest = rest.slice(7);
          break;
        case 'Z07:00': {
          if (rest[0] === 'Z') { rest = rest.slice(1); break; }
          if (rest.length < 6 || rest[3] !== ':' || (rest[0] !== '+' && rest[0] !== '-')) throw new Bad();
          const [hh] = getnum(rest.slice(1, 3), true);
          const [mm] = getnum(rest.slice(4, 6), true);
          if (hh > 24) range = 'time zone offset hour';
          else if (mm > 60) range = 'time zone offset minute';
          offset = (rest[0] === '-' ? -1 : 1) * (hh * 60 + mm);
          rest = rest.slice(6);
          break;
        }
      }
    } catch (e) {
      if (e instanceof Bad) return parseError(std, hold);
      throw e;
    }
    if (range) return outOfRange(range);
  }
  if (rest !== '') return `parsing time ${quote(value)}: extra text: ${quote(rest)}`;
  if (day < 1 || day > daysIn(month, year)) return outOfRange('day');
  // setUTCFullYear, unlike Date.UTC, takes years 0-99 as they are
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, min, sec, 0);
  return { ms: d.getTime() - offset * 60_000, nanos };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function format(t: ParsedTime, micro: boolean): string {
  const d = new Date(t.ms);
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return micro ? `${base}.${pad(Math.floor(t.nanos / 1000), 6)}Z` : `${base}Z`;
}

/** metav1.Time's (or MicroTime's) UnmarshalJSON of a string: the instant, or the error kube reports. */
export function parseTime(value: string, micro = false): ParsedTime | { error: string } {
  const r = goParse(value, micro);
  return typeof r === 'string' ? { error: r } : r;
}

/** What kube writes back for a time a client sent: UTC, in the kind's precision; undefined when it does not parse. */
export function canonicalTime(v: unknown, micro = false): string | undefined {
  if (typeof v !== 'string') return undefined;
  const r = goParse(v, micro);
  return typeof r === 'string' ? undefined : format(r, micro);
}
