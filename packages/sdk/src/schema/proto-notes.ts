/**
 * The words generated files and mapping errors use for a column: its Delta type in SQL spelling
 * (`DECIMAL(10,2)`, `ARRAY<STRUCT<id:BIGINT,...>>`, the way people read table DDL), and how a
 * value is written when the protobuf type alone does not say it (an int32 holding days, a string
 * holding decimal text).
 */

import type { DeltaType, PrimitiveTypeName } from './types.js';

const PRIMITIVE_SQL: Readonly<Record<PrimitiveTypeName, string>> = {
  byte: 'TINYINT',
  short: 'SMALLINT',
  integer: 'INT',
  long: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  string: 'STRING',
  binary: 'BINARY',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  timestamp_ntz: 'TIMESTAMP_NTZ',
  variant: 'VARIANT',
};

/** Structs with more fields than this are shortened to their first names, so a label stays one readable line. */
const STRUCT_FIELDS_SHOWN = 4;

/** `BIGINT`, `DECIMAL(10,2)`, `MAP<STRING,ARRAY<INT>>`, `STRUCT<a:INT,b:STRING>`. */
export function sqlTypeLabel(type: DeltaType): string {
  switch (type.kind) {
    case 'primitive':
      return PRIMITIVE_SQL[type.name] ?? String(type.name);
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'array':
      return `ARRAY<${sqlTypeLabel(type.elementType)}>`;
    case 'map':
      return `MAP<${sqlTypeLabel(type.keyType)},${sqlTypeLabel(type.valueType)}>`;
    case 'struct':
      return type.fields.length <= STRUCT_FIELDS_SHOWN
        ? `STRUCT<${type.fields.map((f) => `${f.name}:${sqlTypeLabel(f.type)}`).join(',')}>`
        : `STRUCT<${type.fields
            .slice(0, STRUCT_FIELDS_SHOWN)
            .map((f) => f.name)
            .join(',')},...>`;
    default:
      return String((type as { kind: unknown }).kind);
  }
}

/** A decimal literal that fits `decimal(p,s)`: `12.34` for (10,2), `0.3` for (1,1). */
export function decimalExample(precision: number, scale: number): string {
  const integral = precision - scale >= 2 ? '12' : precision - scale === 1 ? '1' : '0';
  return scale === 0 ? integral : `${integral}.${'34'.slice(0, scale)}`;
}

/** How one value of a scalar type is written, or undefined when the protobuf type says it all. */
export function valueForm(type: DeltaType): string | undefined {
  if (type.kind === 'decimal') {
    return `exact decimal text, e.g. "${decimalExample(type.precision, type.scale)}"`;
  }
  if (type.kind !== 'primitive') return undefined;
  switch (type.name) {
    case 'byte':
      return '-128 to 127';
    case 'short':
      return '-32768 to 32767';
    case 'date':
      return 'days since 1970-01-01';
    case 'timestamp':
      return 'microseconds since the epoch';
    case 'timestamp_ntz':
      return 'microseconds since 1970-01-01 00:00:00 (wall-clock time, no time zone)';
    case 'variant':
      return 'JSON text';
    default:
      return undefined;
  }
}

/**
 * The comment of a field: the column's Delta type, then the form of its values (of the
 * elements, of the map values). `form` says how a scalar is written in the target language.
 */
export function fieldNote(type: DeltaType, form: (scalar: DeltaType) => string | undefined = valueForm): string {
  const label = sqlTypeLabel(type);
  const inner = type.kind === 'array' ? type.elementType : type.kind === 'map' ? type.valueType : type;
  const text = form(inner);
  if (text === undefined) return label;
  if (type.kind === 'array') return `${label}: elements are ${text}`;
  if (type.kind === 'map') return `${label}: values are ${text}`;
  return `${label}: ${text}`;
}

/** A column comment as lines (for `//` or JSDoc comments): one per line of the text, control characters as spaces. */
export function commentLines(comment: string | undefined): string[] {
  if (typeof comment !== 'string' || comment.trim() === '') return [];
  const lines = comment
    .split(/\r\n|[\n\r\u2028\u2029]/)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .map((line) => line.replace(/[\u0000-\u001f\u007f]/g, ' ').trimEnd());
  while (lines.at(-1) === '') lines.pop();
  while (lines[0] === '') lines.shift();
  return lines;
}

/** Text for a single-line comment: line breaks and control characters as spaces. */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return String(text).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}
