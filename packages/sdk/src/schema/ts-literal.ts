/**
 * Prints plain data (strings, numbers, booleans, arrays, objects with identifier keys) as
 * TypeScript source laid out the way Prettier and Biome lay it out (2-space indent, 120 columns,
 * single quotes, trailing commas). Generated modules are committed into users' projects: if the
 * generator already writes formatter output, running the formatter on them changes nothing.
 */

import { textWidth } from './text-width.js';

export type Literal = string | number | boolean | readonly Literal[] | { readonly [key: string]: Literal };

export const LINE_WIDTH = 120;
const INDENT = '  ';

/** A string literal as the formatters write it: single quotes unless the text holds more of them than double quotes. */
export function quoteString(text: string): string {
  const singles = text.split("'").length - 1;
  const doubles = text.split('"').length - 1;
  const quote = singles > doubles ? '"' : "'";
  let out = quote;
  for (const c of text) {
    const code = c.codePointAt(0) as number;
    if (c === quote || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029 || (code >= 0xd800 && code <= 0xdfff)) {
      // Control characters, line separators and lone surrogates: escaped so the file stays plain text.
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += c;
  }
  return out + quote;
}

function isObject(value: Literal): value is { readonly [key: string]: Literal } {
  return typeof value === 'object' && !Array.isArray(value);
}

function entryCount(value: Literal): number {
  if (Array.isArray(value)) return value.length;
  return isObject(value) ? Object.keys(value).length : 0;
}

/**
 * Prettier's rule (Biome follows it): an array of two or more objects (or arrays) that each
 * have more than one entry is always written one element per line, even when it would fit.
 */
function forcedBreak(value: Literal): boolean {
  if (!Array.isArray(value) || value.length < 2) return false;
  const arrays = value.every((v) => Array.isArray(v));
  const objects = value.every((v) => isObject(v));
  return (arrays || objects) && value.every((v) => entryCount(v) > 1);
}

/** The one-line form, or undefined when the value (or anything inside it) must be broken. */
function flat(value: Literal): string | undefined {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value !== 'object') return String(value);
  if (forcedBreak(value)) return undefined;
  const parts: string[] = [];
  if (Array.isArray(value)) {
    for (const element of value) {
      const text = flat(element);
      if (text === undefined) return undefined;
      parts.push(text);
    }
    return `[${parts.join(', ')}]`;
  }
  for (const [key, element] of Object.entries(value)) {
    const text = flat(element);
    if (text === undefined) return undefined;
    parts.push(`${key}: ${text}`);
  }
  return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
}

/**
 * `value` printed at column `column` of a line indented by `indent`, followed by `suffix` (`,` or
 * `;`) on the same line: one line when it fits, otherwise one entry per line.
 */
export function printLiteral(value: Literal, indent: string, column: number, suffix: string): string {
  const one = flat(value);
  if (one !== undefined && column + textWidth(one) + suffix.length <= LINE_WIDTH) return one + suffix;
  // A long scalar or an empty array/object cannot be broken.
  if (typeof value !== 'object' || entryCount(value) === 0) return `${one}${suffix}`;
  const inner = indent + INDENT;
  const lines = Array.isArray(value)
    ? value.map((element) => inner + printLiteral(element, inner, inner.length, ','))
    : Object.entries(value).map(([key, element]) => inner + printProperty(key, element, inner));
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${lines.join('\n')}\n${indent}${close}${suffix}`;
}

/** `key: value,`; a string too long for the line goes on the next one, indented (the formatters' layout). */
function printProperty(key: string, value: Literal, indent: string): string {
  const head = `${key}: `;
  if (typeof value === 'string') {
    const text = quoteString(value);
    if (indent.length + head.length + textWidth(text) + 1 > LINE_WIDTH) return `${key}:\n${indent}${INDENT}${text},`;
    return `${head}${text},`;
  }
  return head + printLiteral(value, indent, indent.length + head.length, ',');
}

/** `const name = 'text';`, the string moved to its own line when the declaration is too long. */
export function printStringConst(declaration: string, text: string): string {
  const literal = quoteString(text);
  if (declaration.length + 3 + textWidth(literal) + 1 <= LINE_WIDTH) return `${declaration} = ${literal};`;
  return `${declaration} =\n${INDENT}${literal};`;
}
