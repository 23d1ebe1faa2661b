/**
 * Exact decimal conversion: from decimal TEXT to the unscaled integer of a decimal(p,s) column
 * (12.34 in decimal(10,2) is 1234n). Never through a double: 0.1 + 0.2 would already be wrong,
 * and decimal(38,s) holds 38 digits where a double holds about 16.
 *
 * Only string work happens before the final BigInt, so a hostile exponent (`1e999999999`)
 * costs nothing: its digit count exceeds the precision and it is rejected before any power of
 * ten is built.
 */

/** A decimal literal: `(-1)^negative × digits × 10^exponent`; `digits` has no leading or trailing zeros ('' is zero). */
export interface DecimalParts {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

/** Sign, integer part, fraction, exponent: `-12.5`, `.5`, `1.`, `1e3`, `+2.5E-3`. */
const DECIMAL_TEXT = /^([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

export function parseDecimalText(text: string): DecimalParts | undefined {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return undefined;
  const whole = match[2] ?? '';
  const fraction = match[3] ?? match[4] ?? '';
  // An exponent too large for a safe integer is effectively infinite; Infinity keeps the
  // comparisons below right without special cases.
  let exponent = match[5] === undefined ? 0 : Number(match[5]);
  if (!Number.isSafeInteger(exponent)) exponent = exponent > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  let digits = whole + fraction;
  exponent -= fraction.length;
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) end--;
  exponent += digits.length - end;
  digits = digits.slice(start, end);
  if (digits === '') return { negative: false, digits, exponent: 0 }; // zero has one form: -0 is 0
  return { negative: match[1] === '-', digits, exponent };
}

export type UnscaledResult = bigint | 'fraction' | 'overflow';

/**
 * The unscaled value of `parts` at `scale`, or why there is none: `fraction` when it has more
 * fractional digits than the scale (non-zero ones: `1.50` fits scale 1), `overflow` when its
 * unscaled magnitude reaches 10^precision.
 */
export function toUnscaled(parts: DecimalParts, precision: number, scale: number): UnscaledResult {
  if (parts.digits === '') return 0n;
  const shift = scale + parts.exponent; // zeros to append to the digits
  if (shift < 0) return 'fraction';
  if (parts.digits.length + shift > precision) return 'overflow';
  const unscaled = BigInt(shift === 0 ? parts.digits : parts.digits + '0'.repeat(shift));
  return parts.negative ? -unscaled : unscaled;
}

/** `12.34` for 1234n at scale 2: for messages that show a limit in the column's own terms. */
export function formatUnscaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}
