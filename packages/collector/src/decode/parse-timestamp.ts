/**
 * ISO-8601 timestamps of events, parsed without `Date.parse`: `Date.parse` also accepts free-form dates
 * ("March 7, 2026") and reads a date-time without an offset in the daemon's local time zone, so the same event
 * would land in different windows on differently configured machines. Here a timestamp without an offset is UTC.
 *
 * Accepted: `YYYY-MM-DD`, optionally followed by `T` (or `t`, or a space) and `hh:mm`, `hh:mm:ss` or
 * `hh:mm:ss.fraction` (`.` or `,`, up to 9 digits; digits past milliseconds are kept as a fraction of a
 * millisecond), optionally followed by `Z`/`z` or an offset `±hh:mm`, `±hhmm` or `±hh`. Fields out of range (month
 * 13, February 30, hour 24, second 60) are refused.
 */
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

const MS_PER_DAY = 86_400_000;
/** The range of a JavaScript Date, ±100,000,000 days around the epoch. */
export const MAX_EPOCH_MS = 8.64e15;

/** Epoch milliseconds of an ISO-8601 `text`, or NaN when it is not one. */
export function parseIsoTimestamp(text: string): number {
  // The longest accepted form is 35 characters; refusing longer texts first keeps a huge string cheap.
  if (text.length > 40) return Number.NaN;
  const m = ISO_TIMESTAMP.exec(text);
  if (m === null) return Number.NaN;
  const year = +m[1]!;
  const month = +m[2]!;
  const day = +m[3]!;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  let ms = daysFromCivil(year, month, day) * MS_PER_DAY;
  if (m[4] !== undefined) {
    const hour = +m[4];
    const minute = +m[5]!;
    const second = m[6] === undefined ? 0 : +m[6];
    if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
    ms += ((hour * 60 + minute) * 60 + second) * 1000;
    if (m[7] !== undefined) ms += +`0.${m[7]}` * 1000;
    if (m[9] !== undefined) {
      const offsetHours = +m[10]!;
      const offsetMinutes = m[11] === undefined ? 0 : +m[11];
      if (offsetHours > 23 || offsetMinutes > 59) return Number.NaN;
      const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
      ms += m[9] === '+' ? -offset : offset;
    }
  }
  return ms;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). Plain arithmetic rather
 * than `Date.UTC`, which maps years 0–99 to 1900–1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
