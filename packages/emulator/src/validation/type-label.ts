/**
 * How error messages name a table type: the Delta names (`long`, `decimal(10,2)`,
 * `array<string>`) the table schema uses, so a message can be matched against the schema.
 */

import type { DeltaType } from './schema-types.js';

export function typeLabel(type: DeltaType): string {
  switch (type.kind) {
    case 'primitive':
      return type.name;
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return `array<${typeLabel(type.elementType)}>`;
    case 'map':
      return `map<${typeLabel(type.keyType)},${typeLabel(type.valueType)}>`;
    case 'struct':
      return type.fields.length <= 4
        ? `struct<${type.fields.map((f) => `${f.name}:${typeLabel(f.type)}`).join(',')}>`
        : `struct<${type.fields
            .slice(0, 4)
            .map((f) => f.name)
            .join(',')},…>`;
  }
}

/** `a, b, c` for at most `max` names, then `… (N more)`: lists in messages stay short. */
export function listNames(names: readonly string[], max = 10): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')}, … (${names.length - max} more)`;
}
