/** DeltaType / TableSchema literals for the tests, built directly (no type-text parsing). */

import type { DeltaType, PrimitiveTypeName, StructField, TableSchema } from '@zerobus/sdk/schema';

export const prim = (name: PrimitiveTypeName): DeltaType => ({ kind: 'primitive', name });
export const decimal = (precision: number, scale: number): DeltaType => ({ kind: 'decimal', precision, scale });
export const array = (elementType: DeltaType, containsNull = true): DeltaType => ({
  kind: 'array',
  elementType,
  containsNull,
});
export const map = (keyType: DeltaType, valueType: DeltaType, valueContainsNull = true): DeltaType => ({
  kind: 'map',
  keyType,
  valueType,
  valueContainsNull,
});
export const struct = (...fields: StructField[]): DeltaType => ({ kind: 'struct', fields });
export const col = (name: string, type: DeltaType, nullable = true): StructField => ({ name, type, nullable });
export const notNull = (name: string, type: DeltaType): StructField => ({ name, type, nullable: false });
export const table = (...fields: StructField[]): TableSchema => ({ fields });

const encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);
