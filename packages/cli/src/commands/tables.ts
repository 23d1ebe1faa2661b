/**
 * `zerobus tables create|get|list|delete`: Unity Catalog tables through its REST API
 * (`/api/2.1/unity-catalog/tables`), on a workspace or the local server.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseTypeText } from '@zerobus/sdk/schema';
import { UsageError } from '../args.js';
import { credentialsFrom } from '../credentials.js';
import { UnityCatalogClient, UnityCatalogError } from '../uc-client.js';

const COMMON_OPTIONS = `  --uc-endpoint URL       workspace URL or local server HTTP endpoint (env DATABRICKS_HOST)
  --client-id ID          OAuth client id (env DATABRICKS_CLIENT_ID)
  --client-secret SECRET  OAuth client secret (env DATABRICKS_CLIENT_SECRET)
  --client-secret-file FILE
                          the secret from this file (trailing newline trimmed), kept out of
                          the process list and shell history
  --tls-ca FILE           extra trusted CA certificate (PEM) for the endpoint
  --json                  print Unity Catalog's answer as one JSON line
  -h, --help              show this help`;

export const TABLES_USAGE = `Usage: zerobus tables <command> [options]

Unity Catalog tables, through the REST API (/api/2.1/unity-catalog/tables), on a Databricks
workspace or the local server.

Commands:
  create --table CATALOG.SCHEMA.TABLE --column 'NAME TYPE [NOT NULL]'... | --columns-json FILE
         [--comment TEXT] [--create-parents]
  get    --table CATALOG.SCHEMA.TABLE
  list   --catalog CATALOG --schema SCHEMA   (or --schema CATALOG.SCHEMA)
  delete --table CATALOG.SCHEMA.TABLE

  --column 'NAME TYPE [NOT NULL]'  one column (repeatable), in order; TYPE in Spark SQL:
                          bigint, string, decimal(10,2), timestamp, array<string>,
                          map<string,int>, struct<a:int,b:string>... A name with spaces goes
                          in backquotes: '\`my col\` int'
  --columns-json FILE     the columns as JSON: an array of {name, type_text, nullable, comment},
                          or an object with "columns" (what "tables get --json" prints)
  --comment TEXT          the table's comment
  --create-parents        create the catalog and the schema when they do not exist
${COMMON_OPTIONS}

Exit codes: 0 done, 1 refused or failed (the message says why: not found, already exists,
credentials refused...) or bad usage. With --json, a failure is one line
{"ok":false,"error":{"code","message","hint"}} on stdout.
`;

interface ColumnSpec {
  name: string;
  type_text: string;
  nullable: boolean;
  comment?: string;
}

/** `id bigint NOT NULL`, `` `my col` array<string> `` → a column for POST /tables. */
export function parseColumnSpec(spec: string): ColumnSpec {
  const text = spec.trim();
  const quoted = /^`((?:[^`]|``)+)`\s+(.*)$/s.exec(text);
  const plain = quoted ? undefined : /^(\S+)\s+(.*)$/s.exec(text);
  const match = quoted ?? plain;
  if (!match) throw new UsageError(`--column ${JSON.stringify(spec)}: expected 'NAME TYPE [NOT NULL]'`);
  const name = quoted ? match[1]!.replaceAll('``', '`') : match[1]!;
  let typeText = match[2]!.trim();
  const notNull = /\s+not\s+null$/i.exec(typeText);
  if (notNull) typeText = typeText.slice(0, notNull.index).trim();
  return { name, type_text: checkType(typeText, name), nullable: !notNull };
}

function checkType(typeText: string, column: string): string {
  try {
    parseTypeText(typeText);
  } catch (error) {
    throw new UsageError(`column ${JSON.stringify(column)}: ${(error as Error).message}`);
  }
  return typeText;
}

async function columnsFromJson(path: string): Promise<ColumnSpec[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--columns-json ${path}: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { columns?: unknown } | null)?.columns;
  if (!Array.isArray(list) || list.length === 0) {
    throw new UsageError(`--columns-json ${path}: expected an array of columns, or an object with "columns"`);
  }
  const columns = list.map((c: unknown, i) => {
    const column = c as Partial<ColumnSpec> & { position?: unknown };
    if (typeof column?.name !== 'string' || typeof column.type_text !== 'string') {
      throw new UsageError(`--columns-json ${path}: column #${i} needs "name" and "type_text"`);
    }
    const position = typeof column.position === 'number' ? column.position : i;
    const spec: ColumnSpec = {
      name: column.name,
      type_text: checkType(column.type_text, column.name),
      nullable: column.nullable !== false,
      ...(typeof column.comment === 'string' && { comment: column.comment }),
    };
    return { spec, position, i };
  });
  return columns.sort((a, b) => a.position - b.position || a.i - b.i).map((c) => c.spec);
}

function tableParts(name: string | undefined): [string, string, string] {
  if (!name) throw new UsageError('--table is required');
  const parts = name.split('.');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw new UsageError(`--table takes catalog.schema.table, got ${JSON.stringify(name)}`);
  }
  return parts as [string, string, string];
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** A table as people read it: name, kind, location, comment, then one line per column. */
export function describeTable(info: Record<string, unknown>): string {
  const columns = (Array.isArray(info.columns) ? info.columns : []) as {
    name: string;
    type_text: string;
    nullable?: boolean;
    comment?: string;
  }[];
  const kind = [info.table_type, info.data_source_format].filter((x) => typeof x === 'string').join(' ');
  const lines = [
    `${info.full_name}${kind ? ` (${kind})` : ''}, ${columns.length} column${columns.length === 1 ? '' : 's'}`,
  ];
  if (typeof info.storage_location === 'string') lines.push(`  location  ${info.storage_location}`);
  if (typeof info.comment === 'string') lines.push(`  comment   ${info.comment}`);
  const nameWidth = Math.max(...columns.map((c) => c.name.length), 4);
  const typeWidth = Math.max(...columns.map((c) => c.type_text.length), 4);
  for (const c of columns) {
    const extra = [c.nullable === false ? 'NOT NULL' : '', c.comment ? `-- ${c.comment}` : '']
      .filter(Boolean)
      .join('  ');
    lines.push(`  ${pad(c.name, nameWidth)}  ${extra ? `${pad(c.type_text, typeWidth)}  ${extra}` : c.type_text}`);
  }
  return `${lines.join('\n')}\n`;
}

const tablePath = (fullName: string) => `/tables/${encodeURIComponent(fullName)}`;

/** GET, and on 404 POST: the catalog and the schema of a table, for --create-parents. */
async function ensureParents(uc: UnityCatalogClient, catalog: string, schema: string): Promise<void> {
  const exists = async (path: string) => {
    try {
      await uc.call('GET', path);
      return true;
    } catch (error) {
      if (error instanceof UnityCatalogError && error.status === 404) return false;
      throw error;
    }
  };
  if (!(await exists(`/catalogs/${encodeURIComponent(catalog)}`)))
    await uc.call('POST', '/catalogs', { name: catalog });
  if (!(await exists(`/schemas/${encodeURIComponent(`${catalog}.${schema}`)}`))) {
    await uc.call('POST', '/schemas', { catalog_name: catalog, name: schema });
  }
}

export async function runTables(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action === undefined || action === '-h' || action === '--help' || action === 'help') {
    process.stdout.write(TABLES_USAGE);
    return;
  }
  if (!['create', 'get', 'list', 'delete'].includes(action)) {
    throw new UsageError(`unknown tables command ${JSON.stringify(action)}: create, get, list or delete`);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      table: { type: 'string' },
      catalog: { type: 'string' },
      schema: { type: 'string' },
      column: { type: 'string', multiple: true },
      'columns-json': { type: 'string' },
      comment: { type: 'string' },
      'create-parents': { type: 'boolean' },
      'uc-endpoint': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'client-secret-file': { type: 'string' },
      'tls-ca': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(TABLES_USAGE);
    return;
  }
  const only = (allowed: string[]) => {
    for (const option of [
      'table',
      'catalog',
      'schema',
      'column',
      'columns-json',
      'comment',
      'create-parents',
    ] as const) {
      if (values[option] !== undefined && !allowed.includes(option)) {
        throw new UsageError(`--${option} does not apply to "tables ${action}"`);
      }
    }
  };
  const out = (json: unknown, human: string) => {
    process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : human);
  };

  // Check everything that can be checked before asking for a token.
  let run: (uc: UnityCatalogClient) => Promise<void>;
  if (action === 'create') {
    only(['table', 'column', 'columns-json', 'comment', 'create-parents']);
    const [catalog, schema, name] = tableParts(values.table);
    if ((values.column === undefined) === (values['columns-json'] === undefined)) {
      throw new UsageError('give the columns: --column NAME TYPE (repeatable) or --columns-json FILE');
    }
    const columns = values.column ? values.column.map(parseColumnSpec) : await columnsFromJson(values['columns-json']!);
    run = async (uc) => {
      if (values['create-parents']) await ensureParents(uc, catalog, schema);
      const info = await uc
        .call('POST', '/tables', {
          catalog_name: catalog,
          schema_name: schema,
          name,
          table_type: 'MANAGED',
          data_source_format: 'DELTA',
          columns: columns.map((c, position) => ({ ...c, position })),
          ...(values.comment !== undefined && { comment: values.comment }),
        })
        .catch((error: unknown) => {
          const missing =
            error instanceof UnityCatalogError && /^(CATALOG|SCHEMA)_DOES_NOT_EXIST$/.test(error.errorCode ?? '');
          if (missing) error.message += '; --create-parents creates the catalog and the schema';
          throw error;
        });
      out(info, `created ${describeTable(info)}`);
    };
  } else if (action === 'get') {
    only(['table']);
    const fullName = tableParts(values.table).join('.');
    run = async (uc) => {
      const info = await uc.call('GET', tablePath(fullName));
      out(info, describeTable(info));
    };
  } else if (action === 'delete') {
    only(['table']);
    const fullName = tableParts(values.table).join('.');
    run = async (uc) => {
      await uc.call('DELETE', tablePath(fullName));
      out({ deleted: fullName }, `deleted ${fullName}\n`);
    };
  } else {
    only(['catalog', 'schema']);
    let catalog = values.catalog;
    let schema = values.schema;
    if (catalog === undefined && schema?.includes('.')) [catalog, schema] = schema.split('.', 2) as [string, string];
    if (!catalog || !schema)
      throw new UsageError('list needs --catalog CATALOG --schema SCHEMA (or --schema CATALOG.SCHEMA)');
    run = async (uc) => {
      const tables: Record<string, unknown>[] = [];
      let pageToken: string | undefined;
      do {
        const query = new URLSearchParams({ catalog_name: catalog, schema_name: schema });
        if (pageToken) query.set('page_token', pageToken);
        const page = await uc.call('GET', `/tables?${query}`);
        if (Array.isArray(page.tables)) tables.push(...(page.tables as Record<string, unknown>[]));
        pageToken =
          typeof page.next_page_token === 'string' && page.next_page_token !== '' ? page.next_page_token : undefined;
      } while (pageToken);
      const width = Math.max(0, ...tables.map((t) => String(t.full_name).length));
      const human = tables
        .map((t) => {
          const count = Array.isArray(t.columns) ? t.columns.length : 0;
          return `${pad(String(t.full_name), width)}  ${count} column${count === 1 ? '' : 's'}\n`;
        })
        .join('');
      out({ tables }, human || `no tables in ${catalog}.${schema}\n`);
    };
  }
  const credentials = credentialsFrom(values);
  const ca = values['tls-ca'] === undefined ? undefined : await readFile(values['tls-ca']);
  await run(await UnityCatalogClient.connect(credentials, ca));
}
