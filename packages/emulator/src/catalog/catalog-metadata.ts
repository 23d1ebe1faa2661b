/** The metadata files beside catalogs, schemas and tables, and the info built from them alike at load and at create. */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { type StructField, toDeltaSchemaJson, typeText, ucTypeName } from '@zerobus/sdk/schema';
import type { DeltaTable } from '../tables/delta/delta-table.js';
import type { CatalogInfo, ColumnInfo, SchemaInfo, TableInfo } from './uc-types.js';
import type { CatalogTable } from './unity-catalog.js';

/** What a catalog's, schema's or table's metadata file holds. */
export interface Meta {
  comment?: string;
  created_at: number;
}

/** Metadata file names, inside the directory they describe. */
export const CATALOG_META = '_catalog.json';
export const SCHEMA_META = '_schema.json';
/** Beside the Delta log; names starting with `_` are ignored by Delta readers. */
export const TABLE_META = '_uc_table.json';

/** The column as UC describes it, from the table's field. */
export function columnInfo(field: StructField, position: number): ColumnInfo {
  const [json] = (JSON.parse(toDeltaSchemaJson({ fields: [field] })) as { fields: unknown[] }).fields;
  return {
    name: field.name,
    type_text: typeText(field.type),
    type_name: ucTypeName(field.type),
    type_json: JSON.stringify(json),
    ...(field.type.kind === 'decimal' && { type_precision: field.type.precision, type_scale: field.type.scale }),
    nullable: field.nullable,
    position,
    ...(field.comment !== undefined && { comment: field.comment }),
  };
}

/** A catalog's info, from its metadata file (if any). */
export function catalogInfo(name: string, meta: Meta | undefined): CatalogInfo {
  return {
    name,
    full_name: name,
    created_at: meta?.created_at ?? Date.now(),
    ...(meta?.comment !== undefined && { comment: meta.comment }),
  };
}

/** A schema's info, from its metadata file (if any). */
export function schemaInfo(catalog: string, name: string, meta: Meta | undefined): SchemaInfo {
  return {
    name,
    catalog_name: catalog,
    full_name: `${catalog}.${name}`,
    created_at: meta?.created_at ?? Date.now(),
    ...(meta?.comment !== undefined && { comment: meta.comment }),
  };
}

/** A table's entry: its columns from its Delta table, the rest from its metadata file (if any). */
export function tableEntry(
  catalog: string,
  schema: string,
  name: string,
  delta: DeltaTable,
  meta: (Meta & { table_id?: string }) | undefined,
): CatalogTable {
  const created = meta?.created_at ?? Date.now();
  const info: TableInfo = {
    name,
    catalog_name: catalog,
    schema_name: schema,
    full_name: `${catalog}.${schema}.${name}`,
    table_type: 'MANAGED',
    data_source_format: 'DELTA',
    columns: delta.schema.fields.map((field, i) => columnInfo(field, i)),
    storage_location: pathToFileURL(delta.dir).href,
    table_id: meta?.table_id ?? randomUUID(),
    created_at: created,
    updated_at: created,
    ...(meta?.comment !== undefined && { comment: meta.comment }),
  };
  return { info, schema: delta.schema, delta };
}
