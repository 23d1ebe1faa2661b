/**
 * Integer ranges of the table's integral types, and the strict integer text the JSON form
 * accepts for 64-bit values (JSON numbers cannot carry them exactly, PROTOCOL.md §7).
 */

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export interface IntRange {
  readonly min: number;
  readonly max: number;
}

export const BYTE_RANGE: IntRange = { min: -128, max: 127 };
export const SHORT_RANGE: IntRange = { min: -32768, max: 32767 };
export const INT_RANGE: IntRange = { min: -2147483648, max: 2147483647 };

/** Optional sign and decimal digits, nothing else (no spaces, no `0x`, no exponent). */
const INTEGER_TEXT = /^[+-]?\d+$/;

/** The value of strict integer text, or undefined when `text` is not one. */
export function parseIntegerText(text: string): bigint | undefined {
  if (!INTEGER_TEXT.test(text)) return undefined;
  // BigInt() rejects a leading '+', which the grammar allows.
  return BigInt(text.charCodeAt(0) === 43 ? text.slice(1) : text);
}

export function inInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}
