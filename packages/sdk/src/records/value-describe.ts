/**
 * Short, printable descriptions of user values for error messages. Records can be large and
 * may hold secrets in long strings, so nothing here ever prints more than a few dozen
 * characters of a value.
 */

const MAX_STRING = 40;
const MAX_KEYS = 5;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** `string "hot"`, `number 1.5`, `array (3 items)`, `object {a, b}`, `Uint8Array (4 bytes)`. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(truncate(value, MAX_STRING))}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'bigint':
      return `bigint ${truncate(value.toString(), MAX_STRING)}n`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'symbol';
    case 'function':
      return 'function';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array (${value.length} items)`;
  if (value instanceof Uint8Array) return `${value.constructor.name} (${value.byteLength} bytes)`;
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (value instanceof Map) return `Map (${value.size} entries)`;
  if (value instanceof Set) return `Set (${value.size} items)`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid Date' : 'Date';
  if (isLongLike(value)) return `Long ${value.high}:${value.low}`;
  const keys = Object.keys(value as object);
  const shown = keys.slice(0, MAX_KEYS).map((k) => truncate(k, 20));
  const more = keys.length > MAX_KEYS ? ', …' : '';
  const ctor = (value as object).constructor;
  const kind = ctor && ctor !== Object && typeof ctor.name === 'string' && ctor.name ? ctor.name : 'object';
  return `${kind} {${shown.join(', ')}${more}}`;
}

/** The 64-bit integer form protobufjs produces (`Long` from the long.js package). */
export interface LongLike {
  readonly low: number;
  readonly high: number;
  readonly unsigned?: boolean;
}

export function isLongLike(value: unknown): value is LongLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as LongLike).low === 'number' &&
    typeof (value as LongLike).high === 'number'
  );
}
