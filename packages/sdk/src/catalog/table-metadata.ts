/**
 * Reads a table's columns from Unity Catalog (PROTOCOL.md §6): a workspace token from the token
 * endpoint, then `GET /api/2.1/unity-catalog/tables/{full_name}`. Works against a Databricks
 * workspace and against the local server alike. Used by `TableProperties.fromTable` and
 * `zerobus generate-proto`.
 */
import { httpCall } from '../auth/http-call.js';
import { fetchWorkspaceToken, withScheme } from '../auth/oauth.js';
import { NonRetriableError, ZerobusError } from '../errors.js';
import type { ProxyOption } from '../net/proxy-config.js';
import type { TableSchema } from '../schema/types.js';
import { schemaFromUcColumns, type UcColumn } from '../schema/uc-columns.js';
import { parseTableName } from '../table-name.js';

/**
 * How to reach Unity Catalog to read a table's columns ({@link fetchTableSchema},
 * {@link TableProperties.fromTable}): the workspace URL and a service principal's OAuth credentials.
 *
 * @example
 * ```ts
 * import { TableProperties, type UnityCatalogAccess } from '@zerobus/sdk';
 *
 * const catalog: UnityCatalogAccess = {
 *   unityCatalogEndpoint,
 *   clientId,
 *   clientSecret,
 *   timeoutMs: 10_000, // each HTTP request: the token, then the table
 *   signal: AbortSignal.timeout(60_000), // all of startup
 * };
 * const [readings, events] = await Promise.all([
 *   TableProperties.fromTable('main.iot.readings', catalog),
 *   TableProperties.fromTable('main.iot.events', { ...catalog, recordType: 'json' }),
 * ]);
 * ```
 */
export interface UnityCatalogAccess {
  /** The workspace URL (`https://dbc-….cloud.databricks.com`), or the local server's HTTP endpoint. */
  readonly unityCatalogEndpoint: string;
  /** OAuth client (service principal) id; it needs to be able to read the table. */
  readonly clientId: string;
  /** OAuth client secret. */
  readonly clientSecret: string;
  /** Trusted CA certificates (PEM) in place of Node's default roots, for a server with a private CA. */
  readonly tlsRootCerts?: string | Buffer | undefined;
  /** Bound on each HTTP request. Default 30,000 ms. */
  readonly timeoutMs?: number | undefined;
  /** Abandons the requests: the call rejects with an `ABORTED` error. */
  readonly signal?: AbortSignal | undefined;
  /** HTTP CONNECT proxy, as `ZerobusSdkOptions.proxy`: from the environment by default. */
  readonly proxy?: ProxyOption;
}

/**
 * The columns of `tableName` (`catalog.schema.table`) as the SDK's table schema.
 *
 * @example
 * ```ts
 * import { fetchTableSchema } from '@zerobus/sdk';
 * import { typeText } from '@zerobus/sdk/schema';
 *
 * const schema = await fetchTableSchema('main.iot.readings', { unityCatalogEndpoint, clientId, clientSecret });
 * for (const field of schema.fields) {
 *   console.log(`${field.name} ${typeText(field.type)}${field.nullable ? '' : ' NOT NULL'}`); // e.g. device string NOT NULL
 * }
 * ```
 */
export async function fetchTableSchema(tableName: string, access: UnityCatalogAccess): Promise<TableSchema> {
  parseTableName(tableName); // a bad name fails before any network call
  const settings = { ...access, ca: access.tlsRootCerts };
  const token = await fetchWorkspaceToken(settings, access.signal);
  const base = withScheme(access.unityCatalogEndpoint).replace(/\/+$/, '');
  const url = new URL(`${base}/api/2.1/unity-catalog/tables/${encodeURIComponent(tableName)}`);
  const { status, text } = await httpCall({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${token}` },
    ca: access.tlsRootCerts,
    timeoutMs: access.timeoutMs,
    proxy: access.proxy,
    signal: access.signal,
    what: 'Unity Catalog',
    unreachableCode: 'CATALOG_UNAVAILABLE',
  });
  if (status >= 500) {
    throw new ZerobusError('CATALOG_UNAVAILABLE', `Unity Catalog ${url.origin} answered HTTP ${status}${detail(text)}`);
  }
  if (status !== 200) {
    const code =
      status === 404
        ? 'NOT_FOUND'
        : status === 401
          ? 'UNAUTHENTICATED'
          : status === 403
            ? 'PERMISSION_DENIED'
            : 'INVALID_ARGUMENT';
    const what = status === 404 ? `table ${tableName} was not found` : `reading table ${tableName} was refused`;
    throw new NonRetriableError(code, `Unity Catalog: ${what} (HTTP ${status}${detail(text)})`);
  }
  let columns: unknown;
  try {
    columns = (JSON.parse(text) as { columns?: unknown }).columns;
  } catch (cause) {
    throw new ZerobusError('CATALOG_UNAVAILABLE', `Unity Catalog answered table ${tableName} with invalid JSON`, {
      cause,
    });
  }
  if (!Array.isArray(columns)) {
    throw new NonRetriableError('INVALID_SCHEMA', `Unity Catalog answered table ${tableName} without columns`);
  }
  return schemaFromUcColumns(columns as UcColumn[]);
}

/** Databricks errors carry `{error_code, message}`; show those, never the whole body. */
function detail(text: string): string {
  try {
    const { error_code: code, message } = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    const parts = [code, message].filter((p): p is string => typeof p === 'string').map((p) => p.slice(0, 200));
    return parts.length > 0 ? `: ${parts.join(': ')}` : '';
  } catch {
    return '';
  }
}
