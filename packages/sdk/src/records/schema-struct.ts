/**
 * The fields of a record or a STRUCT value (see schema-check.ts): each field read by its column
 * name (or, on proto streams, its camelCase alias), checked and converted; missing or null NOT
 * NULL fields and keys that are no field are refused, naming them.
 */

// Types are named in SQL spelling (`DECIMAL(10,2)`), as generated files and mapping errors name them.
import { sqlTypeLabel as typeLabel } from '../schema/proto-notes.js';
import type { DeltaType, StructField } from '../schema/types.js';
import { addSegment, RecordFault } from './fault.js';
import { jsonNameOf } from './proto-encoder.js';
import type { CheckMode, Convert } from './schema-scalars.js';

/** Compiles a field's type: schema-check.ts's compiler, passed in (the two recurse into each other). */
export type CompileType = (type: DeltaType, mode: CheckMode, path: string) => Convert;

const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));
const MAX_KEY = 40;
const MAX_NAMES = 10;

interface FieldCheck {
  readonly name: string;
  /** Proto streams: the camelCase key the proto encoder also takes for this field. */
  readonly alias: string | undefined;
  /** The name is also an Object.prototype property (`constructor`): presence needs hasOwn. */
  readonly ownOnly: boolean;
  readonly nullable: boolean;
  readonly label: string;
  readonly convert: Convert;
}

export interface StructCheck {
  readonly fields: readonly FieldCheck[];
  readonly known: ReadonlySet<string>;
  /** For unknown-key messages: `no such column in the table (columns: a, b)`. */
  readonly unknown: string;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES).join(', ');
  return names.length > MAX_NAMES ? `${shown}, … (${names.length - MAX_NAMES} more)` : shown;
}

export function compileStruct(
  fields: readonly StructField[],
  mode: CheckMode,
  path: string | undefined,
  compileType: CompileType,
): StructCheck {
  const checks = fields.map((field): FieldCheck => {
    const alias = mode === 'proto' ? jsonNameOf(field.name) : undefined;
    const convert = compileType(field.type, mode, path === undefined ? field.name : `${path}.${field.name}`);
    return {
      name: field.name,
      alias: alias === field.name ? undefined : alias,
      ownOnly: PROTOTYPE_KEYS.has(field.name) || (alias !== undefined && PROTOTYPE_KEYS.has(alias)),
      nullable: field.nullable,
      label: typeLabel(field.type),
      convert,
    };
  });
  const names = fields.map((f) => f.name);
  const known = new Set(names);
  for (const check of checks) if (check.alias !== undefined) known.add(check.alias);
  return {
    fields: checks,
    known,
    unknown:
      path === undefined
        ? `no such column in the table (columns: ${listNames(names)})`
        : `no such field in the struct (fields: ${listNames(names)})`,
  };
}

function read(obj: Record<string, unknown>, key: string, ownOnly: boolean): unknown {
  return ownOnly && !Object.hasOwn(obj, key) ? undefined : obj[key];
}

/**
 * Whether `obj` has keys other than the `present` fields found set. Keys holding undefined mean
 * "not set" to both encoders, so they only count once the quick count (no reads) disagrees.
 */
function hasOtherKeys(obj: Record<string, unknown>, present: number): boolean {
  let n = 0;
  for (const _key in obj) n++;
  if (n === present) return false;
  n = 0;
  for (const key in obj) if (obj[key] !== undefined) n++;
  return n !== present;
}

function unknownKey(check: StructCheck, obj: Record<string, unknown>): RecordFault {
  for (const key in obj) {
    if (obj[key] === undefined || check.known.has(key)) continue;
    const fault = new RecordFault(`field "{path}": ${check.unknown}`);
    fault.segments.push(key.length > MAX_KEY ? `${key.slice(0, MAX_KEY)}…` : key);
    return fault;
  }
  // Every key is known, so one field was given twice: by its name and by its camelCase alias.
  const twice = check.fields.find(
    (f) => f.alias !== undefined && obj[f.name] !== undefined && obj[f.alias] !== undefined,
  );
  const fault = new RecordFault(`field "{path}" is given twice, as ${twice?.name} and ${twice?.alias}`);
  fault.segments.push(twice?.name ?? '');
  return fault;
}

/** The fields of a record or struct, converted; a copy when anything changed. */
export function checkFields(check: StructCheck, obj: Record<string, unknown>): Record<string, unknown> {
  const fields = check.fields;
  let out: Record<string, unknown> | undefined;
  let present = 0;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    let key = field.name;
    let v = field.ownOnly ? read(obj, key, true) : obj[key];
    if (v === undefined && field.alias !== undefined) {
      key = field.alias;
      v = read(obj, key, field.ownOnly);
    }
    if (v === undefined || v === null) {
      if (v === null) present++;
      if (field.nullable) continue;
      const fault = new RecordFault(
        `field "{path}": expected ${field.label} (NOT NULL), got ${v === null ? 'null' : 'no value'}`,
      );
      fault.segments.push(field.name);
      throw fault;
    }
    present++;
    let converted: unknown;
    try {
      converted = field.convert(v);
    } catch (error) {
      throw addSegment(error, field.name);
    }
    if (converted !== v) {
      out ??= { ...obj };
      out[key] = converted;
    }
  }
  if (hasOtherKeys(obj, present)) throw unknownKey(check, obj);
  return out ?? obj;
}

/**
 * The own fields of an object value: plain objects as they are, class instances (protobufjs
 * messages, user classes) as a plain copy of their own enumerable properties, which is what
 * both encoders read of them. On JSON streams `toJSON()` is applied first, as the serializer
 * would, so what is checked is what is sent. Undefined for values that are not objects.
 */
export function objectFields(v: unknown, mode: CheckMode): Record<string, unknown> | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const proto = Object.getPrototypeOf(v);
  if (
    (proto === Object.prototype || proto === null) &&
    (mode === 'proto' || typeof (v as { toJSON?: unknown }).toJSON !== 'function')
  ) {
    return v as Record<string, unknown>; // the common case first: a plain object
  }
  if (mode === 'json' && typeof (v as { toJSON?: unknown }).toJSON === 'function' && !(v instanceof Date)) {
    const replaced = (v as { toJSON(key: string): unknown }).toJSON('');
    if (replaced === v) return undefined;
    return objectFields(replaced, 'proto'); // what toJSON() gave is read by its own properties
  }
  if (Array.isArray(v) || ArrayBuffer.isView(v) || v instanceof Map || v instanceof Set || v instanceof Date) {
    return undefined;
  }
  if (proto === Object.prototype || proto === null) return v as Record<string, unknown>;
  return { ...v } as Record<string, unknown>;
}
