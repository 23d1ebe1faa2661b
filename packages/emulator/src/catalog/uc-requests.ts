/**
 * Request bodies and path names of Unity Catalog REST, checked before anything else happens:
 * every problem is `INVALID_PARAMETER_VALUE` (HTTP 400) naming the field, whatever JSON arrived.
 * The columns of a new table are checked by `tableSchemaOf` (uc-columns.ts), which the catalog
 * itself runs, so that the in-process API gets the same checks.
 */
import type { RouteRequest } from '../http/router.js';
import { checkName, jsonKind, shown, UcError } from './uc-types.js';

function invalid(message: string): UcError {
  return new UcError('INVALID_PARAMETER_VALUE', message);
}

/** The JSON object of a request body; an empty body is `{}`. */
export function jsonBody(request: RouteRequest): Record<string, unknown> {
  if (request.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw invalid('the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(`the request body must be a JSON object, got ${jsonKind(parsed)}`);
  }
  return parsed as Record<string, unknown>;
}

/** A field holding a catalog, schema or table name (`checkName`'s rules). */
export function nameField(value: unknown, field: string, kind: 'catalog' | 'schema' | 'table'): string {
  if (value === undefined || value === null || value === '') throw invalid(`${field} is required`);
  if (typeof value !== 'string') throw invalid(`${field} must be a string, got ${jsonKind(value)}`);
  return checkName(kind, value);
}

/** An optional string field; JSON null is the same as absent. */
export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${field} must be a string, got ${jsonKind(value)}`);
  return value;
}

/** An optional enum field that the local server supports one value of (any case). */
export function onlyValue(value: unknown, field: string, supported: string): void {
  const text = optionalString(value, field);
  if (text !== undefined && text.toUpperCase() !== supported) {
    throw invalid(`${field} ${shown(text)} is not supported: the local server has ${supported} tables only`);
  }
}

/** `catalog.schema` or `catalog.schema.table` from a path, each part a valid name. */
export function fullNameParts(fullName: string | undefined, parts: 2 | 3): string[] {
  const what = parts === 2 ? 'schema' : 'table';
  const split = (fullName ?? '').split('.');
  if (split.length !== parts || split.some((p) => p === '')) {
    throw invalid(`${what} name ${shown(fullName)} must have ${parts} dot-separated parts`);
  }
  const kinds = ['catalog', 'schema', 'table'] as const;
  return split.map((part, i) => checkName(kinds[i] ?? 'table', part));
}

/** `?force=true`: any other value than `true` or `false` is refused rather than read as false. */
export function forceFlag(request: RouteRequest): boolean {
  const force = request.query.get('force');
  if (force === null || force === 'false') return false;
  if (force === 'true') return true;
  throw invalid(`force must be true or false, got ${shown(force)}`);
}
