/**
 * Turning a JSON record's text into values without losing numbers.
 *
 * `JSON.parse` is native and fast, but turns every number into a double: 9223372036854775807
 * becomes 9223372036854775808, and a decimal(38,10) keeps about 16 of its digits. Most records
 * have no such numbers, so each record's bytes are scanned first (`mayLoseNumbers`) and only
 * the ones holding a number token that a double might not carry exactly take the lossless
 * parser, `lossless-json`, which hands every number over as its source text (`NumberText`).
 *
 * A number is exact as a double, and its shortest printed form has the same value as its
 * text, when it has at most 15 significant digits and a normal exponent (IEEE 754 double
 * guarantees 15 decimal digits round trip), and so is any integer up to 2^53 − 1. The scan is
 * deliberately cruder and so safe: a number token takes the lossless path when it has an
 * exponent (which could be huge, tiny, or hide many digits), when it has a fraction and 16
 * digits or more (leading and fractional zeros counted), and when it is an integer of 17
 * digits or more, or of 16 digits above 9007199254740991. Microsecond timestamps of this era
 * (16 digits, about 1.7e15) thus stay on the fast path. Strings are skipped, so long digit
 * runs in ids or a UUID's `4e5` do not slow a record down.
 */

import { parse as parseLossless } from 'lossless-json';

/** A JSON number as written in the record: what `lossless-json` gives for every number. */
export class NumberText {
  constructor(readonly text: string) {}
}

const makeNumberText = (text: string): NumberText => new NumberText(text);

const MAX_EXACT_DIGITS = 15;
/** 2^53 − 1, the largest integer every larger one of 16 digits is compared against (as ASCII). */
const MAX_SAFE_DIGITS = Uint8Array.from(String(Number.MAX_SAFE_INTEGER), (c) => c.charCodeAt(0));

/** Whether the 16 ASCII digits at `start` exceed 2^53 − 1 (same length: compare digit by digit). */
function aboveSafe(bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < 16; i++) {
    const d = bytes[start + i] as number;
    const m = MAX_SAFE_DIGITS[i] as number;
    if (d !== m) return d > m;
  }
  return false;
}

/** Whether `bytes` (UTF-8 JSON) has a number token that `JSON.parse` might not keep exactly. */
export function mayLoseNumbers(bytes: Uint8Array): boolean {
  let run = 0; // digits of the current number token, across '.'
  let start = 0; // where its digits start
  let fraction = false; // it has a '.'
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const c = bytes[i] as number;
    if (c >= 48 && c <= 57) {
      if (run === 0) start = i;
      if (++run > MAX_EXACT_DIGITS && (fraction || run > 16)) return true;
    } else if (c === 46) {
      if (run > MAX_EXACT_DIGITS) return true;
      fraction = true;
    } else if (c === 34) {
      // A string: skip to its closing quote, stepping over escapes (`\"`, `\\`).
      run = 0;
      fraction = false;
      for (i++; i < length; i++) {
        const s = bytes[i] as number;
        if (s === 92) i++;
        else if (s === 34) break;
      }
    } else if (c === 101 || c === 69) {
      // Outside strings an 'e' after digits is an exponent ('true'/'false' have none before it).
      if (run > 0) return true;
    } else {
      if (run === 16 && aboveSafe(bytes, start)) return true;
      run = 0;
      fraction = false;
    }
  }
  return run === 16 && aboveSafe(bytes, start);
}

/**
 * Parses JSON text; with `lossless`, numbers come back as `NumberText`. A key given twice
 * keeps its last value in both modes (JSON.parse's rule; lossless-json would throw by default).
 * Throws SyntaxError on invalid JSON.
 */
export function parseJsonText(text: string, lossless: boolean): unknown {
  if (!lossless) return JSON.parse(text);
  return parseLossless(text, null, { parseNumber: makeNumberText, onDuplicateKey: ({ newValue }) => newValue });
}

/**
 * Serializes a parsed JSON value back to compact JSON text, writing `NumberText` numbers as
 * they were written (JSON.stringify would throw on them, or round a double).
 */
export function stringifyJson(value: unknown): string {
  if (value instanceof NumberText) return value.text;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + stringifyJson(value[i]);
    return `${out}]`;
  }
  let out = '{';
  let first = true;
  for (const key of Object.keys(value)) {
    out += `${first ? '' : ','}${JSON.stringify(key)}:${stringifyJson((value as Record<string, unknown>)[key])}`;
    first = false;
  }
  return `${out}}`;
}
