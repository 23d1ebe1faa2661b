/**
 * Client-side checks of integral values (see schema-check.ts): TINYINT/SMALLINT/INT, BIGINT,
 * the integer text and protobufjs `Long` forms that BIGINT and TIMESTAMP share, and map keys
 * (STRING or integral, the only key types JSON object keys and protobuf map keys can carry).
 */

import { sqlTypeLabel } from '../schema/proto-notes.js';
import type { DeltaType, PrimitiveTypeName } from '../schema/types.js';
import { RecordFault } from './fault.js';
import type { Convert } from './schema-scalars.js';
import { isLongLike, type LongLike } from './value-describe.js';

const expected = RecordFault.expected;

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Integer text; more than 19 significant digits is beyond int64 whatever they are, so BigInt() never sees huge text. */
const INTEGER_TEXT = /^[+-]?0*(\d{1,19})$/;
const LONG_TEXT = /^[+-]?\d+$/;

export function inInt64(n: bigint): boolean {
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** The value of integer text, `'range'` when it is integer text beyond int64, undefined when it is none. */
export function integerText(text: string): bigint | 'range' | undefined {
  const m = INTEGER_TEXT.exec(text);
  if (!m) return LONG_TEXT.test(text) ? 'range' : undefined;
  const n = BigInt(m[1]!);
  const value = text.charCodeAt(0) === 45 ? -n : n;
  return inInt64(value) ? value : 'range';
}

/** A protobufjs `Long` as a bigint, read by its own signedness; 'range' when an unsigned one exceeds int64. */
export function longValue(v: LongLike): bigint | 'range' {
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  if (!v.unsigned) return BigInt.asIntN(64, bits);
  return bits > INT64_MAX ? 'range' : bits;
}

export function int32Like(label: string, min: number, max: number): Convert {
  const range = `, which is outside ${label}'s range ${min} to ${max}`;
  return (v) => {
    if (typeof v === 'number') {
      if (Number.isInteger(v)) {
        if (v >= min && v <= max) return v;
        throw expected(label, v, range);
      }
      throw expected(label, v, ', which is not an integer');
    }
    if (typeof v === 'bigint') {
      if (v >= BigInt(min) && v <= BigInt(max)) return Number(v);
      throw expected(label, v, range);
    }
    throw expected(label, v);
  };
}

const LONG_FORMS = 'BIGINT (a bigint, a safe integer number or integer text)';
export const OUT_OF_INT64 = ', which is outside the 64-bit range';

export const convertLong: Convert = (v) => {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    throw expected(
      'BIGINT',
      v,
      Number.isInteger(v) ? ', which is not a safe integer (pass a bigint or a string)' : ', which is not an integer',
    );
  }
  if (typeof v === 'bigint') {
    if (inInt64(v)) return v;
    throw expected('BIGINT', v, OUT_OF_INT64);
  }
  const n = typeof v === 'string' ? integerText(v) : isLongLike(v) ? longValue(v) : undefined;
  if (typeof n === 'bigint') return n;
  throw n === 'range' ? expected('BIGINT', v, OUT_OF_INT64) : expected(LONG_FORMS, v);
};

// ---- map keys ----

const stringKey: Convert = (k) => {
  if (typeof k === 'string') return k;
  throw expected('STRING', k);
};

/** `0`, `-5`, `42`: one spelling per integer, as the server requires of integral map keys in JSON. */
const CANONICAL_INTEGER = /^(?:0|-?[1-9]\d{0,18})$/;

/**
 * The converter of a map key: STRING keys must be strings; integral keys may be integer
 * numbers, bigints, or canonical integer text (what plain-object keys are). Undefined for key
 * types that neither JSON object keys nor protobuf map keys can carry.
 */
export function compileMapKey(type: DeltaType): Convert | undefined {
  if (type.kind !== 'primitive') return undefined;
  if (type.name === 'string') return stringKey;
  const ranges: Partial<Record<PrimitiveTypeName, [number, number]>> = {
    byte: [-128, 127],
    short: [-32768, 32767],
    integer: [INT32_MIN, INT32_MAX],
  };
  const label = `${sqlTypeLabel(type)} map key`;
  if (type.name === 'long') {
    return (k) => {
      if (typeof k === 'string') {
        if (CANONICAL_INTEGER.test(k) && inInt64(BigInt(k))) return k;
        throw expected(`${label} (integer text without leading zeros or "+")`, k);
      }
      return convertLong(k);
    };
  }
  const range = ranges[type.name];
  if (!range) return undefined;
  const [min, max] = range;
  const number = int32Like(label, min, max);
  return (k) => {
    if (typeof k !== 'string') return number(k);
    if (CANONICAL_INTEGER.test(k)) {
      const n = Number(k);
      if (n >= min && n <= max) return k;
    }
    throw expected(`${label} (integer text from ${min} to ${max} without leading zeros)`, k);
  };
}
