/**
 * Exact decimal conversion: from decimal TEXT to the unscaled integer of a decimal(p,s) column
 * (12.34 in decimal(10,2) is 1234n), or to the column's plain decimal text (`"12.34"`). Never
 * through a double: 0.1 + 0.2 would already be wrong, and decimal(38,s) holds 38 digits where a
 * double holds about 16. Shared by the local server (validation) and the SDK (client-side checks),
 * so both accept exactly the same values.
 *
 * Only string work happens before the final BigInt, so a hostile exponent (`1e999999999`)
 * costs nothing: its digit count exceeds the precision and it is rejected before any power of
 * ten is built.
 */

/**
 * A decimal literal: `(-1)^negative × digits × 10^exponent`; `digits` has no leading or trailing zeros ('' is zero).
 *
 * @example
 * ```ts
 * import { type DecimalParts, parseDecimalText } from '@zerobus/sdk/schema';
 *
 * // The smallest decimal(p,s) that holds every value of a CSV column exactly.
 * function decimalTypeFor(values: readonly string[]): { precision: number; scale: number } {
 *   let whole = 1; // digits before the point
 *   let scale = 0;
 *   for (const value of values) {
 *     const parts: DecimalParts | undefined = parseDecimalText(value);
 *     if (parts === undefined) throw new Error(`not a decimal: ${value}`);
 *     scale = Math.max(scale, -parts.exponent);
 *     whole = Math.max(whole, parts.digits.length + parts.exponent);
 *   }
 *   return { precision: whole + scale, scale };
 * }
 * decimalTypeFor(['12.5', '-0.25', '1e3']); // { precision: 6, scale: 2 }
 * ```
 */
export interface DecimalParts {
  /** Whether the literal had a minus sign. */
  readonly negative: boolean;
  /** The significant digits, without leading or trailing zeros (`''` for zero). */
  readonly digits: string;
  /** The power of ten `digits` is multiplied by. */
  readonly exponent: number;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Parses decimal text: optional sign, digits with an optional fraction (`12.5`, `.5`, `1.`),
 * optional exponent (`1e3`, `2.5E-3`); nothing else (no spaces, no `NaN`). Hand-written rather
 * than a regular expression: it runs once per decimal value, on the hot path, and is about
 * twice as fast. Returns undefined for anything else.
 *
 * @example
 * ```ts
 * import { parseDecimalText } from '@zerobus/sdk/schema';
 *
 * parseDecimalText('-12.50'); // { negative: true, digits: '125', exponent: -1 }
 * parseDecimalText('1e3'); // { negative: false, digits: '1', exponent: 3 }
 * parseDecimalText('1,5'); // undefined: no decimal comma, thousands separator or space
 * ```
 */
export function parseDecimalText(text: string): DecimalParts | undefined {
  const n = text.length;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 || first === 43) {
    negative = first === 45;
    i = 1;
  }
  const wholeStart = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  const wholeEnd = i;
  let fractionStart = i;
  let fractionEnd = i;
  if (i < n && text.charCodeAt(i) === 46) {
    fractionStart = ++i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    fractionEnd = i;
  }
  if (wholeEnd === wholeStart && fractionEnd === fractionStart) return undefined; // no digits at all
  let exponent = 0;
  if (i < n) {
    const e = text.charCodeAt(i);
    if (e !== 101 && e !== 69) return undefined;
    const exponentStart = ++i;
    if (i < n && (text.charCodeAt(i) === 45 || text.charCodeAt(i) === 43)) i++;
    const digitsStart = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (i === digitsStart || i !== n) return undefined;
    // An exponent too large for a safe integer is effectively infinite; Infinity keeps the
    // comparisons in toUnscaled right without special cases.
    exponent = Number(text.slice(exponentStart, n));
    if (!Number.isSafeInteger(exponent)) exponent = exponent > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
  // Significant digits: leading zeros of the whole part and trailing zeros of the fraction go.
  let digits =
    fractionEnd === fractionStart
      ? text.slice(wholeStart, wholeEnd)
      : text.slice(wholeStart, wholeEnd) + text.slice(fractionStart, fractionEnd);
  exponent -= fractionEnd - fractionStart;
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) end--;
  if (start === end) return { negative: false, digits: '', exponent: 0 }; // zero has one form: -0 is 0
  exponent += digits.length - end;
  digits = start === 0 && end === digits.length ? digits : digits.slice(start, end);
  return { negative, digits, exponent };
}

/**
 * What {@link toUnscaled} returns: the unscaled value, or why there is none (`fraction`: more
 * fractional digits than the scale; `overflow`: more digits than the precision).
 *
 * @example
 * ```ts
 * import { parseDecimalText, toUnscaled, type UnscaledResult } from '@zerobus/sdk/schema';
 *
 * function unscaled(text: string, precision: number, scale: number): bigint {
 *   const parts = parseDecimalText(text);
 *   if (parts === undefined) throw new RangeError(`${JSON.stringify(text)} is not a decimal`);
 *   const result: UnscaledResult = toUnscaled(parts, precision, scale);
 *   if (result === 'fraction') throw new RangeError(`${text} has more than ${scale} fractional digits`);
 *   if (result === 'overflow') throw new RangeError(`${text} does not fit decimal(${precision},${scale})`);
 *   return result;
 * }
 * ```
 */
export type UnscaledResult = bigint | 'fraction' | 'overflow';

/**
 * How many zeros `parts.digits` needs appended to be the unscaled value at `scale`, or why it
 * cannot be one: `fraction` when it has more fractional digits than the scale (non-zero ones:
 * `1.50` fits scale 1), `overflow` when its unscaled magnitude reaches 10^precision.
 */
function unscaledShift(parts: DecimalParts, precision: number, scale: number): number | 'fraction' | 'overflow' {
  const shift = scale + parts.exponent;
  if (shift < 0) return 'fraction';
  if (parts.digits.length + shift > precision) return 'overflow';
  return shift;
}

/**
 * The unscaled value of `parts` at `scale`, or why there is none (`fraction`: more fractional
 * digits than `scale`; `overflow`: more digits than `precision`).
 *
 * @example
 * ```ts
 * import { parseDecimalText, toUnscaled } from '@zerobus/sdk/schema';
 *
 * const parts = parseDecimalText('12.34');
 * if (parts === undefined) throw new Error('not a decimal');
 * toUnscaled(parts, 10, 2); // 1234n: what an Arrow or Parquet decimal(10,2) stores
 * toUnscaled(parts, 10, 1); // 'fraction': never rounded
 * toUnscaled(parts, 3, 2); // 'overflow': 1234 has more than 3 digits
 * ```
 */
export function toUnscaled(parts: DecimalParts, precision: number, scale: number): UnscaledResult {
  if (parts.digits === '') return 0n;
  const shift = unscaledShift(parts, precision, scale);
  if (typeof shift !== 'number') return shift;
  const unscaled = BigInt(shift === 0 ? parts.digits : parts.digits + '0'.repeat(shift));
  return parts.negative ? -unscaled : unscaled;
}

/**
 * The value of `parts` as plain decimal text with exactly `scale` fractional digits (`"-0.50"`
 * for -.5 at scale 2, `"1000"` for 1e3 at scale 0), or why it does not fit decimal(precision,
 * scale), exactly as {@link toUnscaled} decides. String work only: no BigInt is built.
 *
 * @example
 * ```ts
 * import { parseDecimalText, toDecimalText } from '@zerobus/sdk/schema';
 *
 * // The exact text a DECIMAL(10,2) column's proto string field carries, from any spelling.
 * function decimalText(text: string): string | undefined {
 *   const parts = parseDecimalText(text);
 *   const result = parts && toDecimalText(parts, 10, 2);
 *   return result === 'fraction' || result === 'overflow' ? undefined : result;
 * }
 * decimalText('-.5'); // '-0.50'
 * decimalText('1e3'); // '1000.00'
 * decimalText('0.125'); // undefined: more than 2 fractional digits
 * ```
 */
export function toDecimalText(parts: DecimalParts, precision: number, scale: number): string | 'fraction' | 'overflow' {
  if (parts.digits === '') return scale === 0 ? '0' : `0.${'0'.repeat(scale)}`;
  const shift = unscaledShift(parts, precision, scale);
  if (typeof shift !== 'number') return shift;
  let digits = shift === 0 ? parts.digits : parts.digits + '0'.repeat(shift);
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale + 1 - digits.length) + digits;
    const point = digits.length - scale;
    digits = `${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  return parts.negative ? `-${digits}` : digits;
}
