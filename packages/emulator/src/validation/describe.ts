/**
 * Short descriptions of received values for the "got ..." half of a rejection. Records can be
 * large and may hold secrets, so nothing here prints more than a few dozen characters.
 */

import { NumberText } from './json-text.js';

const MAX_TEXT = 40;

function truncate(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** A parsed JSON value: `string "hot"`, `number 1.5`, `boolean true`, `null`, `array (3 items)`, `object {a, b}`. */
export function describeJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(truncate(value))}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
  }
  if (value === null) return 'null';
  if (value instanceof NumberText) return `number ${truncate(value.text)}`;
  if (Array.isArray(value)) return `array (${value.length} item${value.length === 1 ? '' : 's'})`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 5).map((k) => truncate(k, 20));
    return `object {${shown.join(', ')}${keys.length > 5 ? ', …' : ''}}`;
  }
  return typeof value;
}

/** A decoded scalar from a proto record (number, bigint, string, bytes). */
export function describeDecoded(value: unknown): string {
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return String(value);
}
