/**
 * Text forms of DATE and TIMESTAMP values next to the numeric ones of PROTOCOL.md §7 (integer
 * days, integer microseconds): `YYYY-MM-DD` and ISO-8601 / RFC 3339 date-times. The local
 * server's JSON decoder accepts them, and the SDK's client-side checks turn them into the
 * numeric forms; both use this file, so they agree on every text. They are strict: a real calendar date, at most microsecond precision
 * (extra digits only if zero), and a time zone only where the column type has one:
 *
 * - `timestamp` (instants, UTC) needs an explicit offset (`Z`, `+02:00`): without one the
 *   instant is ambiguous, and guessing a zone silently shifts data.
 * - `timestamp_ntz` (wall-clock time) must have none: converting an offset away would store a
 *   different wall-clock time than the one sent.
 *
 * Arithmetic is on the proleptic Gregorian calendar in integers (not `Date`, which maps years
 * 0–99 to 1900–1999 and stops at millisecond precision).
 */

const MICROS_PER_SECOND = 1_000_000n;

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). The date is
 * not checked (February 30 counts on into March): {@link parseDateText} checks text dates.
 *
 * @example
 * ```ts
 * import { daysFromCivil } from '@zerobus/sdk/schema';
 *
 * daysFromCivil(2024, 3, 1); // 19783
 * // A DATE column from its parts, with no `Date` and no time zone involved.
 * await stream.ingestRecordOffset({ device: 'pump-7', day: daysFromCivil(2024, 3, 1) });
 * ```
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function validDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Days since the epoch of a `YYYY-MM-DD` date, or undefined when `text` is not a valid one.
 *
 * @example
 * ```ts
 * import { parseDateText } from '@zerobus/sdk/schema';
 *
 * parseDateText('2024-03-01'); // 19783 (days since 1970-01-01)
 * parseDateText('2024-02-30'); // undefined: no such day
 * parseDateText('2024-3-1'); // undefined: YYYY-MM-DD only
 * ```
 */
export function parseDateText(text: string): number | undefined {
  const m = DATE_TEXT.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return validDate(year, month, day) ? daysFromCivil(year, month, day) : undefined;
}

const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})?$/;

/**
 * Microseconds since the epoch of an ISO-8601 date-time, or the reason it is not acceptable
 * for a column of the given kind (`zoned`: `timestamp`; not zoned: `timestamp_ntz`).
 *
 * @example
 * ```ts
 * import { parseTimestampText } from '@zerobus/sdk/schema';
 *
 * const at = parseTimestampText('2024-03-01T13:00:00.5+01:00', true); // 1709294400500000n
 * if (typeof at === 'string') throw new Error(`column at: ${at}`);
 * parseTimestampText('2024-03-01T12:00:00', true); // 'has no UTC offset (Z or ±HH:MM), which a timestamp needs'
 * parseTimestampText('2024-03-01 12:00:00', false); // 1709294400000000n: wall-clock time, for a timestamp_ntz
 * ```
 */
export function parseTimestampText(text: string, zoned: boolean): bigint | string {
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return 'not an ISO-8601 date-time (YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM])';
  const [, y, mo, d, h, mi, s, fraction = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (!validDate(year, month, day)) return 'not a valid calendar date';
  if (hour > 23 || minute > 59 || second > 59) return 'not a valid time of day';
  if (fraction.length > 6 && /[1-9]/.test(fraction.slice(6))) {
    return 'has more than microsecond precision';
  }
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return 'has an invalid UTC offset';
    offsetMinutes = (zone.charCodeAt(0) === 45 ? -1 : 1) * (oh * 60 + om);
  }
  if (zoned && zone === undefined) return 'has no UTC offset (Z or ±HH:MM), which a timestamp needs';
  if (!zoned && zone !== undefined) return 'has a UTC offset, which a timestamp_ntz (wall-clock time) cannot keep';
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  const micros = Number(fraction.slice(0, 6).padEnd(6, '0'));
  return BigInt(seconds) * MICROS_PER_SECOND + BigInt(micros);
}
