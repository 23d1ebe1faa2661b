/** Reading a data directory back at start, so that one damaged table leaves the others served and its name taken. */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DeltaTable } from '../tables/delta/delta-table.js';
import {
  CATALOG_META,
  catalogInfo,
  type Meta,
  SCHEMA_META,
  schemaInfo,
  TABLE_META,
  tableEntry,
} from './catalog-metadata.js';
import type { CatalogInfo, SchemaInfo } from './uc-types.js';
import { type UnavailableTable, withoutServerPaths } from './unavailable-table.js';
import type { CatalogTable } from './unity-catalog.js';

/** Everything a data directory holds, keyed by full name. */
export interface CatalogContents {
  readonly catalogs: Map<string, CatalogInfo>;
  readonly schemas: Map<string, SchemaInfo>;
  readonly tables: Map<string, CatalogTable>;
  /** Tables whose Delta log could not be read. */
  readonly unavailable: Map<string, UnavailableTable>;
}

async function readMeta(path: string): Promise<Meta | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Meta;
  } catch {
    return undefined;
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.'))
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** Opens (creating if needed) a data directory and reads every catalog, schema and table in it. */
export async function loadCatalogContents(dataDir: string): Promise<CatalogContents> {
  await mkdir(dataDir, { recursive: true });
  const contents: CatalogContents = {
    catalogs: new Map(),
    schemas: new Map(),
    tables: new Map(),
    unavailable: new Map(),
  };
  for (const catalog of await subdirectories(dataDir)) {
    const catalogMeta = await readMeta(join(dataDir, catalog, CATALOG_META));
    contents.catalogs.set(catalog, catalogInfo(catalog, catalogMeta));
    for (const schema of await subdirectories(join(dataDir, catalog))) {
      const schemaMeta = await readMeta(join(dataDir, catalog, schema, SCHEMA_META));
      contents.schemas.set(`${catalog}.${schema}`, schemaInfo(catalog, schema, schemaMeta));
      for (const table of await subdirectories(join(dataDir, catalog, schema))) {
        const dir = join(dataDir, catalog, schema, table);
        const fullName = `${catalog}.${schema}.${table}`;
        let delta: DeltaTable;
        try {
          if (!(await DeltaTable.exists(dir))) continue;
          delta = await DeltaTable.open(dir);
        } catch (error) {
          // One damaged table must not keep the others from being served.
          const reason = withoutServerPaths(error, dir, dataDir);
          contents.unavailable.set(fullName, { fullName, reason, dir: resolve(dir) });
          continue;
        }
        const meta = (await readMeta(join(dir, TABLE_META))) as (Meta & { table_id?: string }) | undefined;
        contents.tables.set(fullName, tableEntry(catalog, schema, table, delta, meta));
      }
    }
  }
  return contents;
}
