/**
 * JSON-mode records: objects serialized by the SDK, or strings the user already serialized.
 *
 * The serializer follows `JSON.stringify` (key order, `toJSON`, omitted `undefined`/function/
 * symbol properties, `null` for those inside arrays, `Date` as its ISO string through
 * `Date.prototype.toJSON`) except where `JSON.stringify` would lose data silently or throw:
 * - `bigint` is written as an exact number literal (`9007199254740993`, not quoted), so BIGINT
 *   columns keep every digit;
 * - `Uint8Array`/`Buffer` become base64 strings, the form BINARY columns take (JSON.stringify
 *   would write `{"0":1,…}` or `{"type":"Buffer",…}`);
 * - `NaN`/`±Infinity`, invalid dates, circular references and other typed arrays are errors
 *   naming the field, not a silent `null`;
 * - `Map` becomes an object (keys through `String`), `Set` an array (both would be `{}`).
 *
 * It is hand-written rather than `JSON.stringify` plus a replacer or a pre-check walk: measured
 * on a 244-byte record it is as fast as bare `JSON.stringify` and about twice as fast as
 * `JSON.stringify` with a replacer, and it validates in the same pass.
 */

import { InvalidRecordError } from '../errors.js';
import { indexSegment, RecordFault, toRecordError } from './fault.js';
import { describeValue } from './value-describe.js';

const MAX_DEPTH = 512;

// Strings without quotes, backslashes, control characters or surrogates can be copied as-is;
// anything else goes through JSON.stringify, which also escapes lone surrogates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function base64(bytes: Uint8Array): string {
  return `"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"`;
}

/** Ancestors of the value being written, to report cycles instead of overflowing the stack. */
type Stack = unknown[];

function enter(value: object, stack: Stack, depth: number): void {
  for (let i = 0; i < depth; i++) {
    if (stack[i] === value) throw new RecordFault('field "{path}" refers back to one of its parents (circular structure)');
  }
  if (depth >= MAX_DEPTH) throw new RecordFault(`field "{path}" is nested more than ${MAX_DEPTH} levels deep`);
  stack[depth] = value;
}

/** The JSON text of a value, or `undefined` where JSON.stringify would omit it. */
function write(value: unknown, key: string, stack: Stack, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (Number.isFinite(value)) return `${value}`;
      throw new RecordFault(`field "{path}" is ${value}, which JSON cannot represent`);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      return writeObject(value, key, stack, depth);
    default:
      return undefined; // undefined, function, symbol
  }
}

function writeObject(value: object, key: string, stack: Stack, depth: number): string | undefined {
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return writeToJson(value, key, stack, depth);
    enter(value, stack, depth);
    return writeProperties(value as Record<string, unknown>, undefined, stack, depth + 1);
  }
  if (Array.isArray(value)) {
    enter(value, stack, depth);
    return writeArray(value, stack, depth + 1);
  }
  if (value instanceof Uint8Array) return base64(value);
  if (value instanceof Date && Number.isNaN(value.getTime())) {
    throw new RecordFault('field "{path}" is an invalid Date');
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return writeToJson(value, key, stack, depth);
  if (value instanceof Map) {
    enter(value, stack, depth);
    return writeMap(value, stack, depth + 1);
  }
  if (value instanceof Set) {
    enter(value, stack, depth);
    return writeArray([...value], stack, depth + 1);
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    throw new RecordFault(`field "{path}" is a ${describeValue(value)}; only Uint8Array (as base64) is supported`);
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt) {
    return write(value.valueOf(), key, stack, depth);
  }
  enter(value, stack, depth);
  return writeProperties(value as Record<string, unknown>, Object.keys(value), stack, depth + 1);
}

function writeToJson(value: object, key: string, stack: Stack, depth: number): string | undefined {
  enter(value, stack, depth); // a toJSON returning its own object must not recurse forever
  const replaced = (value as { toJSON(key: string): unknown }).toJSON(key);
  if (replaced === value) throw new RecordFault('field "{path}" has a toJSON() that returns the object itself');
  return write(replaced, key, stack, depth + 1);
}

function writeProperties(
  value: Record<string, unknown>,
  ownKeys: string[] | undefined,
  stack: Stack,
  depth: number,
): string {
  let out = '{';
  let key = '';
  try {
    if (ownKeys === undefined) {
      // for…in is the fastest enumeration for plain objects; they inherit no enumerable keys.
      for (key in value) {
        const text = write(value[key], key, stack, depth);
        if (text !== undefined) out += out.length === 1 ? `${quote(key)}:${text}` : `,${quote(key)}:${text}`;
      }
    } else {
      for (key of ownKeys) {
        const text = write(value[key], key, stack, depth);
        if (text !== undefined) out += out.length === 1 ? `${quote(key)}:${text}` : `,${quote(key)}:${text}`;
      }
    }
  } catch (error) {
    if (error instanceof RecordFault) error.segments.push(key);
    throw error;
  }
  return `${out}}`;
}

function writeArray(value: readonly unknown[], stack: Stack, depth: number): string {
  let out = '[';
  let i = 0;
  try {
    for (; i < value.length; i++) {
      if (i > 0) out += ',';
      out += write(value[i], String(i), stack, depth) ?? 'null';
    }
  } catch (error) {
    if (error instanceof RecordFault) error.segments.push(indexSegment(i));
    throw error;
  }
  return `${out}]`;
}

function writeMap(value: Map<unknown, unknown>, stack: Stack, depth: number): string {
  let out = '{';
  let key = '';
  try {
    for (const [k, v] of value) {
      key = String(k);
      const text = write(v, key, stack, depth);
      if (text !== undefined) out += out.length === 1 ? `${quote(key)}:${text}` : `,${quote(key)}:${text}`;
    }
  } catch (error) {
    if (error instanceof RecordFault) error.segments.push(key);
    throw error;
  }
  return `${out}}`;
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value instanceof Set) return 'Set';
  return value === null ? 'null' : typeof value;
}

/** Serializes an object record; throws RecordFault. */
export function serializeJsonObject(record: object): string {
  const stack: Stack = [];
  if (typeof (record as { toJSON?: unknown }).toJSON !== 'function') {
    return writeObject(record, '', stack, 0) as string;
  }
  const value = (record as { toJSON(key: string): unknown }).toJSON('');
  if (!isJsonObject(value) || value instanceof Uint8Array || value instanceof Set) {
    throw new RecordFault(`a JSON record must be an object, got ${kindOf(value)} from toJSON()`);
  }
  stack[0] = record;
  return writeObject(value, '', stack, 1) as string;
}

function isJsonObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The payload of one JSON-mode record: UTF-8 JSON text of an object. */
export function encodeJsonRecord(record: unknown, recordIndex: number): Uint8Array {
  if (typeof record === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(record);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const short = reason.length > 160 ? `${reason.slice(0, 160)}…` : reason;
      throw new InvalidRecordError(`record ${recordIndex} is not valid JSON: ${short}`, { recordIndex, cause: error });
    }
    if (!isJsonObject(parsed)) {
      throw new InvalidRecordError(`record ${recordIndex}: a JSON record must be an object, got ${kindOf(parsed)}`, {
        recordIndex,
      });
    }
    // The user's own text is sent unchanged: it may hold numbers JSON.parse would round.
    return Buffer.from(record, 'utf8');
  }
  if (Array.isArray(record) || record instanceof Set) {
    throw new InvalidRecordError(`record ${recordIndex}: a JSON record must be an object, got ${kindOf(record)}`, {
      recordIndex,
    });
  }
  if (isJsonObject(record) && !ArrayBuffer.isView(record) && !(record instanceof ArrayBuffer)) {
    let text: string;
    try {
      text = serializeJsonObject(record);
    } catch (error) {
      throw toRecordError(error, recordIndex);
    }
    // Buffer.from is several times faster than TextEncoder.encode for short strings.
    return Buffer.from(text, 'utf8');
  }
  throw new InvalidRecordError(`record ${recordIndex}: a JSON stream takes objects or JSON strings, got ${describeValue(record)}`, {
    recordIndex,
  });
}

const decoder = new TextDecoder();

/** The record as the user gets it back from getUnackedRecords(): the JSON text. */
export function jsonPayloadToString(payload: Uint8Array): string {
  return decoder.decode(payload);
}
