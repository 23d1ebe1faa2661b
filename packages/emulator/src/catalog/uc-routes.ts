/**
 * Unity Catalog REST (`/api/2.1/unity-catalog/...`): catalogs, schemas and tables, enough for
 * `zerobus generate-proto`, `zerobus tables` and users' own tooling. Every route wants a bearer
 * token from the token endpoint (any principal; grants are checked by the ingestion side).
 */
import type { RouteRequest, RouteResponse, Router } from '../http/router.js';
import type { TokenRegistry } from '../oauth/tokens.js';
import { UcError } from './uc-types.js';
import type { CreateTableRequest, UnityCatalog } from './unity-catalog.js';

export const UC_PREFIX = '/api/2.1/unity-catalog';

export interface UcRouteContext {
  readonly catalog: UnityCatalog;
  readonly tokens: TokenRegistry;
  /** False when the emulator runs without authentication. */
  readonly auth: boolean;
}

type Handler = (request: RouteRequest) => unknown | Promise<unknown>;

function body(request: RouteRequest): Record<string, unknown> {
  if (request.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new UcError('INVALID_PARAMETER_VALUE', 'the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UcError('INVALID_PARAMETER_VALUE', 'the request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function required(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new UcError('INVALID_PARAMETER_VALUE', `${name} is required`);
  return value;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function splitFullName(fullName: string, parts: 2 | 3, what: string): string[] {
  const split = fullName.split('.');
  if (split.length !== parts || split.some((p) => p === '')) {
    throw new UcError('INVALID_PARAMETER_VALUE', `${what} name '${fullName}' must have ${parts} dot-separated parts`);
  }
  return split;
}

export function addUnityCatalogRoutes(router: Router, context: UcRouteContext): void {
  const { catalog } = context;
  const route = (method: string, path: string, handler: Handler, status = 200) => {
    router.add(method, `${UC_PREFIX}${path}`, async (request): Promise<RouteResponse> => {
      try {
        if (context.auth) {
          const lookup = context.tokens.lookup(request.headers.authorization);
          if (!lookup.ok) throw new UcError('UNAUTHENTICATED', lookup.reason);
        }
        return { status, json: (await handler(request)) ?? {} };
      } catch (error) {
        if (error instanceof UcError) {
          return { status: error.status, json: { error_code: error.code, message: error.message } };
        }
        throw error;
      }
    });
  };

  route('GET', '/catalogs', () => ({ catalogs: catalog.listCatalogs() }));
  route('POST', '/catalogs', (r) => {
    const b = body(r);
    return catalog.createCatalog(required(b.name, 'name'), optionalString(b.comment));
  });
  route('GET', '/catalogs/:name', (r) => catalog.getCatalog(r.params.name as string));
  route('DELETE', '/catalogs/:name', (r) =>
    catalog.deleteCatalog(r.params.name as string, r.query.get('force') === 'true'),
  );

  route('GET', '/schemas', (r) => ({
    schemas: catalog.listSchemas(required(r.query.get('catalog_name'), 'catalog_name')),
  }));
  route('POST', '/schemas', (r) => {
    const b = body(r);
    return catalog.createSchema(
      required(b.catalog_name, 'catalog_name'),
      required(b.name, 'name'),
      optionalString(b.comment),
    );
  });
  route('GET', '/schemas/:fullName', (r) => {
    splitFullName(r.params.fullName as string, 2, 'schema');
    return catalog.getSchema(r.params.fullName as string);
  });
  route('DELETE', '/schemas/:fullName', (r) =>
    catalog.deleteSchema(r.params.fullName as string, r.query.get('force') === 'true'),
  );

  route('GET', '/tables', (r) => ({
    tables: catalog.listTables(
      required(r.query.get('catalog_name'), 'catalog_name'),
      required(r.query.get('schema_name'), 'schema_name'),
    ),
  }));
  route('POST', '/tables', (r) => {
    const b = body(r);
    if (b.data_source_format !== undefined && b.data_source_format !== 'DELTA') {
      throw new UcError('INVALID_PARAMETER_VALUE', 'only data_source_format DELTA is supported');
    }
    return catalog.createTable({
      catalog_name: required(b.catalog_name, 'catalog_name'),
      schema_name: required(b.schema_name, 'schema_name'),
      name: required(b.name, 'name'),
      columns: (b.columns ?? []) as CreateTableRequest['columns'],
      ...(typeof b.comment === 'string' && { comment: b.comment }),
    });
  });
  route('GET', '/tables/:fullName', (r) => {
    splitFullName(r.params.fullName as string, 3, 'table');
    return catalog.getTable(r.params.fullName as string);
  });
  route('DELETE', '/tables/:fullName', (r) => {
    splitFullName(r.params.fullName as string, 3, 'table');
    return catalog.deleteTable(r.params.fullName as string);
  });
}
