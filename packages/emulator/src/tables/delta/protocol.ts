/**
 * The `protocol` and `metaData` actions of a table, and the way back from `metaData` to the
 * table's schema.
 *
 * VARIANT is stored as a Delta `string` column holding the JSON text, not as a real variant:
 * - hyparquet-writer encodes the Parquet VARIANT layout only for top-level columns, so a variant
 *   inside a struct, array or map would have to be a string anyway, and a value should read the
 *   same wherever it sits (DuckDB reads both top-level and nested string columns back exactly);
 * - a real `variant` column needs reader 3 / writer 7 with the `variantType` feature, which shuts
 *   out readers that predate it (delta-rs, Spark < 4, DuckDB's older delta extension).
 * So that the table still says which columns are variants, each top-level field whose type holds
 * a variant carries its logical type in the field metadata (`zerobus.logicalType`, the Delta type
 * JSON as text); `schemaFromMetaData` restores it. Other readers just see strings.
 */

import {
  type DeltaType,
  deltaTypeFromJson,
  deltaTypeToJson,
  fromDeltaSchemaJson,
  type StructField,
  type TableSchema,
  toDeltaSchemaObject,
} from '@zerobus/sdk/schema';
import { DeltaTableError } from './errors.js';

export interface ProtocolAction {
  readonly minReaderVersion: number;
  readonly minWriterVersion: number;
  readonly readerFeatures?: readonly string[];
  readonly writerFeatures?: readonly string[];
}

export interface MetaDataAction {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  readonly format: { readonly provider: string; readonly options: Readonly<Record<string, string>> };
  readonly schemaString: string;
  readonly partitionColumns: readonly string[];
  readonly configuration: Readonly<Record<string, string>>;
  readonly createdTime?: number;
}

/** Field metadata key holding the logical type of a column stored with variants as strings. */
export const LOGICAL_TYPE_KEY = 'zerobus.logicalType';

/** Reader and writer features this implementation reads and keeps correct when appending. */
const READER_FEATURES = new Set(['timestampNtz']);
const WRITER_FEATURES = new Set(['timestampNtz', 'invariants', 'appendOnly']);

/** The type as stored: every variant becomes a string (see the module comment). */
export function storageType(type: DeltaType): DeltaType {
  switch (type.kind) {
    case 'primitive':
      return type.name === 'variant' ? { kind: 'primitive', name: 'string' } : type;
    case 'decimal':
      return type;
    case 'array':
      return { ...type, elementType: storageType(type.elementType) };
    case 'map':
      return { ...type, keyType: storageType(type.keyType), valueType: storageType(type.valueType) };
    case 'struct':
      return { kind: 'struct', fields: type.fields.map((f) => ({ ...f, type: storageType(f.type) })) };
  }
}

export function storageSchema(schema: TableSchema): TableSchema {
  return { fields: schema.fields.map((f) => ({ ...f, type: storageType(f.type) })) };
}

function some(type: DeltaType, test: (t: DeltaType, field?: StructField) => boolean): boolean {
  if (test(type)) return true;
  switch (type.kind) {
    case 'array':
      return some(type.elementType, test);
    case 'map':
      return some(type.keyType, test) || some(type.valueType, test);
    case 'struct':
      return type.fields.some((f) => test(f.type, f) || some(f.type, test));
    default:
      return false;
  }
}

const isVariant = (t: DeltaType) => t.kind === 'primitive' && t.name === 'variant';
const isNtz = (t: DeltaType) => t.kind === 'primitive' && t.name === 'timestamp_ntz';

/**
 * The lowest protocol that holds the schema: (1, 2) for plain tables. timestamp_ntz needs table
 * features (reader 3, writer 7, `timestampNtz` on both sides); on writer 7 every legacy feature in
 * use must be named, and a non-nullable field is the legacy `invariants` feature.
 */
export function protocolFor(schema: TableSchema): ProtocolAction {
  const root: DeltaType = { kind: 'struct', fields: schema.fields };
  if (!some(root, isNtz)) return { minReaderVersion: 1, minWriterVersion: 2 };
  const hasNotNull = some(root, (_t, field) => field !== undefined && !field.nullable);
  return {
    minReaderVersion: 3,
    minWriterVersion: 7,
    readerFeatures: ['timestampNtz'],
    writerFeatures: hasNotNull ? ['timestampNtz', 'invariants'] : ['timestampNtz'],
  };
}

export function metaDataFor(
  schema: TableSchema,
  options: { id: string; createdTime: number; name?: string | undefined; description?: string | undefined },
): MetaDataAction {
  const stored = toDeltaSchemaObject(storageSchema(schema));
  const fields = stored.fields.map((f, i) => {
    const logical = schema.fields[i] as StructField;
    if (!some(logical.type, isVariant)) return f;
    return { ...f, metadata: { ...f.metadata, [LOGICAL_TYPE_KEY]: JSON.stringify(deltaTypeToJson(logical.type)) } };
  });
  return {
    id: options.id,
    ...(options.name !== undefined && { name: options.name }),
    ...(options.description !== undefined && { description: options.description }),
    format: { provider: 'parquet', options: {} },
    schemaString: JSON.stringify({ type: 'struct', fields }),
    partitionColumns: [],
    configuration: {},
    createdTime: options.createdTime,
  };
}

/** The logical schema of a table: the stored schema with the variant columns restored. */
export function schemaFromMetaData(metaData: MetaDataAction): TableSchema {
  let raw: { fields?: { metadata?: Record<string, unknown> }[] };
  try {
    raw = JSON.parse(metaData.schemaString);
  } catch (cause) {
    throw new DeltaTableError('CORRUPT_LOG', `metaData.schemaString is not JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  const stored = fromDeltaSchemaJson(raw);
  if (metaData.partitionColumns?.length) {
    throw new DeltaTableError('UNSUPPORTED', 'partitioned tables are not supported');
  }
  const fields = stored.fields.map((field, i) => {
    const marker = raw.fields?.[i]?.metadata?.[LOGICAL_TYPE_KEY];
    if (typeof marker !== 'string') return field;
    const logical = deltaTypeFromJson(JSON.parse(marker), field.name);
    // Trust the marker only if it still describes the stored column.
    const same = JSON.stringify(deltaTypeToJson(storageType(logical))) === JSON.stringify(deltaTypeToJson(field.type));
    return same ? { ...field, type: logical } : field;
  });
  return { fields };
}

/** Throws unless this implementation can read the table and append to it without breaking it. */
export function assertSupported(protocol: ProtocolAction): void {
  const { minReaderVersion: reader, minWriterVersion: writer } = protocol;
  const unsupported: string[] = [];
  if (reader === 3) {
    for (const f of protocol.readerFeatures ?? [])
      if (!READER_FEATURES.has(f)) unsupported.push(`reader feature '${f}'`);
  } else if (reader !== 1) {
    unsupported.push(`reader version ${reader}`);
  }
  if (writer === 7) {
    for (const f of protocol.writerFeatures ?? [])
      if (!WRITER_FEATURES.has(f)) unsupported.push(`writer feature '${f}'`);
  } else if (writer < 1 || writer > 2) {
    // 3–6 bring CHECK constraints, generated columns, change data feed, column mapping, identity.
    unsupported.push(`writer version ${writer}`);
  }
  if (unsupported.length > 0) {
    throw new DeltaTableError('UNSUPPORTED', `the table needs ${unsupported.join(', ')}, which this writer lacks`);
  }
}
