/**
 * Field plans and the slow path of key checking: when a message object has keys the encoder did
 * not read, explain which one (an unknown field, with a "did you mean", or one field under two
 * names). Kept apart so the hot loop in proto-encoder.ts stays small.
 */

import { RecordFault } from './fault.js';
import type { ValueWriter } from './proto-scalars.js';

export interface FieldPlan {
  /** Proto name first, then the JSON name and protobuf-es local name when they differ. */
  readonly names: readonly string[];
  /** The name collides with an Object.prototype member, so only own properties count. */
  readonly ownOnly: boolean;
  readonly required: boolean;
  /** Bit of the field's oneof in a per-message mask, 0 outside oneofs. */
  readonly oneofBit: number;
  readonly oneofName: string | undefined;
  /** Writes tag(s) and value. */
  readonly write: ValueWriter;
}

export interface MessagePlan {
  readonly typeName: string;
  readonly fields: FieldPlan[];
  readonly byName: Map<string, FieldPlan>;
}

/** A field's value under any of its names (own properties only where names shadow Object.prototype). */
export function readField(obj: Record<string, unknown>, field: FieldPlan): unknown {
  const names = field.names;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const v = field.ownOnly && !Object.hasOwn(obj, name) ? undefined : obj[name];
    if (v !== undefined) return v;
  }
  return undefined;
}

export function oneofClash(plan: MessagePlan, obj: Record<string, unknown>, field: FieldPlan): RecordFault {
  const other = plan.fields.find((f) => f !== field && f.oneofBit === field.oneofBit && readField(obj, f) != null);
  const otherName = other ? other.names[0] : 'another field';
  return new RecordFault(
    `field "{path}" and "${otherName}" are both set, but they belong to oneof "${field.oneofName}"`,
  );
}

/** The slow path: explains which key did not match a field. */
export function checkKeys(plan: MessagePlan, obj: Record<string, unknown>): void {
  for (const key in obj) {
    if (obj[key] === undefined || key === '$typeName' || key === '$unknown') continue;
    const field = plan.byName.get(key);
    if (!field) {
      const fault = new RecordFault(`field "{path}" is not a field of ${plan.typeName}${suggest(plan, key)}`);
      fault.segments.push(key);
      throw fault;
    }
    const twice = field.names.find((n) => n !== key && obj[n] !== undefined);
    if (twice !== undefined) {
      const fault = new RecordFault(`field "{path}" is given twice, as "${key}" and as "${twice}"`);
      fault.segments.push(field.names[0]!);
      throw fault;
    }
  }
}

function suggest(plan: MessagePlan, key: string): string {
  const wanted = key.toLowerCase().replace(/_/g, '');
  let best: string | undefined;
  let bestDistance = 3;
  for (const field of plan.fields) {
    const name = field.names[0]!;
    const d = distance(wanted, name.toLowerCase().replace(/_/g, ''));
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}

/** Levenshtein distance, for "did you mean" hints on unknown keys. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
