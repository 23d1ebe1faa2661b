/**
 * Unity Catalog REST (`/api/2.1/unity-catalog/...`): catalogs, schemas and tables, enough for
 * `zerobus generate-proto`, `zerobus tables` and users' own tooling. Every route wants a bearer
 * token from the token endpoint (401 without one) and checks the caller's privileges on the
 * objects it touches (403 `PERMISSION_DENIED`, uc-grants.ts); lists show only what the caller may
 * see. Each request is checked in this order: the token, the request's names and body (400), the
 * privileges (403), then whether the objects exist (404 / 409) — so a caller without privileges
 * learns nothing of what exists. An unexpected failure is a 500 that names no server path.
 */
import type { RouteRequest, RouteResponse, Router } from '../http/router.js';
import type { TokenRegistry } from '../oauth/tokens.js';
import type { Principal } from '../options.js';
import {
  ANY_TABLE_PRIVILEGE,
  authorize,
  catalogObject,
  holdsAny,
  metastore,
  schemaObject,
  tableObject,
  type UcCaller,
  usage,
} from './uc-grants.js';
import { forceFlag, fullNameParts, jsonBody, nameField, onlyValue, optionalString } from './uc-requests.js';
import { checkName, UcError } from './uc-types.js';
import type { CreateTableRequest, UnityCatalog } from './unity-catalog.js';

export const UC_PREFIX = '/api/2.1/unity-catalog';

export interface UcRouteContext {
  readonly catalog: UnityCatalog;
  readonly tokens: TokenRegistry;
  /** False when the emulator runs without authentication: every request is then allowed. */
  readonly auth: boolean;
  /** The OAuth clients, whose grants the routes check. */
  readonly principals: readonly Principal[];
  /** Principals whose grants were revoked (fault hook); they hold no privilege. */
  readonly isRevoked?: (clientId: string) => boolean;
}

type Handler = (request: RouteRequest, caller: UcCaller | undefined) => unknown | Promise<unknown>;

/** The caller behind a request, or `undefined` without auth; throws UNAUTHENTICATED for a bad token. */
function callerOf(request: RouteRequest, context: UcRouteContext): UcCaller | undefined {
  if (!context.auth) return undefined;
  const lookup = context.tokens.lookup(request.headers.authorization);
  if (!lookup.ok) throw new UcError('UNAUTHENTICATED', lookup.reason);
  const { clientId } = lookup.token;
  return {
    token: lookup.token,
    principal: context.principals.find((p) => p.clientId === clientId),
    revoked: context.isRevoked?.(clientId) ?? false,
  };
}

/** An error that is not the client's: its kind, never its message (which may hold a file path). */
function internalError(error: unknown): RouteResponse {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const kind = typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error';
  return { status: 500, json: { error_code: 'INTERNAL_ERROR', message: `the local server failed: ${kind}` } };
}

const CATALOG_READ = ['USE CATALOG', 'BROWSE'];
const SCHEMA_READ = ['USE SCHEMA', 'BROWSE'];

export function addUnityCatalogRoutes(router: Router, context: UcRouteContext): void {
  const { catalog } = context;
  const route = (method: string, path: string, handler: Handler) => {
    router.add(method, `${UC_PREFIX}${path}`, async (request): Promise<RouteResponse> => {
      try {
        const caller = callerOf(request, context);
        return { status: 200, json: (await handler(request, caller)) ?? {} };
      } catch (error) {
        if (error instanceof UcError) {
          return { status: error.status, json: { error_code: error.code, message: error.message } };
        }
        return internalError(error);
      }
    });
  };

  // --- catalogs: the metastore admin creates them; their owner (MANAGE) deletes them ---------------
  route('GET', '/catalogs', (_r, caller) => ({
    catalogs: catalog.listCatalogs().filter((c) => holdsAny(caller, catalogObject(c.name), CATALOG_READ)),
  }));
  route('POST', '/catalogs', (r, caller) => {
    const b = jsonBody(r);
    const name = nameField(b.name, 'name', 'catalog');
    const comment = optionalString(b.comment, 'comment');
    authorize(caller, `creating catalog '${name}'`, [{ on: metastore, anyOf: ['CREATE CATALOG'] }]);
    return catalog.createCatalog(name, comment);
  });
  route('GET', '/catalogs/:name', (r, caller) => {
    const name = checkName('catalog', r.params.name);
    authorize(caller, `reading catalog '${name}'`, [{ on: catalogObject(name), anyOf: CATALOG_READ }]);
    return catalog.getCatalog(name);
  });
  route('DELETE', '/catalogs/:name', async (r, caller) => {
    const name = checkName('catalog', r.params.name);
    const force = forceFlag(r);
    authorize(caller, `deleting catalog '${name}'`, [{ on: catalogObject(name), anyOf: ['MANAGE'] }]);
    await catalog.deleteCatalog(name, force);
  });

  // --- schemas: CREATE SCHEMA on the catalog creates; MANAGE on the schema deletes ------------------
  route('GET', '/schemas', (r, caller) => {
    const catalogName = nameField(r.query.get('catalog_name'), 'catalog_name', 'catalog');
    authorize(caller, `listing the schemas of catalog '${catalogName}'`, usage(catalogName));
    const schemas = catalog.listSchemas(catalogName);
    return { schemas: schemas.filter((s) => holdsAny(caller, schemaObject(s.full_name), SCHEMA_READ)) };
  });
  route('POST', '/schemas', (r, caller) => {
    const b = jsonBody(r);
    const catalogName = nameField(b.catalog_name, 'catalog_name', 'catalog');
    const name = nameField(b.name, 'name', 'schema');
    const comment = optionalString(b.comment, 'comment');
    authorize(caller, `creating schema '${catalogName}.${name}'`, [
      ...usage(catalogName),
      { on: catalogObject(catalogName), anyOf: ['CREATE SCHEMA'] },
    ]);
    return catalog.createSchema(catalogName, name, comment);
  });
  route('GET', '/schemas/:fullName', (r, caller) => {
    const [catalogName = '', name = ''] = fullNameParts(r.params.fullName, 2);
    const fullName = `${catalogName}.${name}`;
    authorize(caller, `reading schema '${fullName}'`, [
      ...usage(catalogName),
      { on: schemaObject(fullName), anyOf: SCHEMA_READ },
    ]);
    return catalog.getSchema(fullName);
  });
  route('DELETE', '/schemas/:fullName', async (r, caller) => {
    const [catalogName = '', name = ''] = fullNameParts(r.params.fullName, 2);
    const fullName = `${catalogName}.${name}`;
    const force = forceFlag(r);
    authorize(caller, `deleting schema '${fullName}'`, [
      ...usage(catalogName),
      { on: schemaObject(fullName), anyOf: ['MANAGE'] },
    ]);
    await catalog.deleteSchema(fullName, force);
  });

  // --- tables: CREATE TABLE on the schema creates; any privilege reads; MANAGE deletes -----------
  route('GET', '/tables', (r, caller) => {
    const catalogName = nameField(r.query.get('catalog_name'), 'catalog_name', 'catalog');
    const schemaName = nameField(r.query.get('schema_name'), 'schema_name', 'schema');
    authorize(caller, `listing the tables of schema '${catalogName}.${schemaName}'`, usage(catalogName, schemaName));
    const tables = catalog.listTables(catalogName, schemaName);
    return { tables: tables.filter((t) => holdsAny(caller, tableObject(t.full_name), ANY_TABLE_PRIVILEGE)) };
  });
  route('POST', '/tables', (r, caller) => {
    const b = jsonBody(r);
    const catalogName = nameField(b.catalog_name, 'catalog_name', 'catalog');
    const schemaName = nameField(b.schema_name, 'schema_name', 'schema');
    const name = nameField(b.name, 'name', 'table');
    onlyValue(b.data_source_format, 'data_source_format', 'DELTA');
    onlyValue(b.table_type, 'table_type', 'MANAGED');
    const comment = optionalString(b.comment, 'comment');
    authorize(caller, `creating table '${catalogName}.${schemaName}.${name}'`, [
      ...usage(catalogName, schemaName),
      { on: schemaObject(`${catalogName}.${schemaName}`), anyOf: ['CREATE TABLE'] },
    ]);
    return catalog.createTable({
      catalog_name: catalogName,
      schema_name: schemaName,
      name,
      // checked whole by the catalog (tableSchemaOf) before anything is written
      columns: b.columns as CreateTableRequest['columns'],
      ...(comment !== undefined && { comment }),
    });
  });
  route('GET', '/tables/:fullName', (r, caller) => {
    const [catalogName = '', schemaName = '', name = ''] = fullNameParts(r.params.fullName, 3);
    const fullName = `${catalogName}.${schemaName}.${name}`;
    authorize(caller, `reading table '${fullName}'`, [
      ...usage(catalogName, schemaName),
      { on: tableObject(fullName), anyOf: ANY_TABLE_PRIVILEGE },
    ]);
    return catalog.getTable(fullName);
  });
  route('DELETE', '/tables/:fullName', async (r, caller) => {
    const [catalogName = '', schemaName = '', name = ''] = fullNameParts(r.params.fullName, 3);
    const fullName = `${catalogName}.${schemaName}.${name}`;
    authorize(caller, `deleting table '${fullName}'`, [
      ...usage(catalogName, schemaName),
      { on: tableObject(fullName), anyOf: ['MANAGE'] },
    ]);
    await catalog.deleteTable(fullName);
  });
}
