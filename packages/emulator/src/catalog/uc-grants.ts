/**
 * Who may do what over Unity Catalog REST: the privilege model of Databricks, reduced to what the
 * emulator's principals and tokens can express (README "Unity Catalog privileges").
 *
 * A caller is a principal (an OAuth client of the options) and the access token it presented.
 * - A principal without `tables` is a metastore admin: it owns every object, so it holds every
 *   privilege, `MANAGE` and `CREATE CATALOG` included.
 * - A principal with `tables` holds SELECT and MODIFY on each of them, and USE CATALOG / USE
 *   SCHEMA on their catalogs and schemas (what writing to them takes); nothing else: it owns
 *   nothing and may create nothing.
 * - A token whose request carried `authorization_details` is scoped down to them: it acts with
 *   the privileges its principal holds AND the token lists, an entry on a catalog or schema
 *   covering what is inside it (privilege inheritance), `ALL PRIVILEGES` standing for every
 *   privilege but `MANAGE` (as on Databricks). A scoped token never acts as an owner, so
 *   deleting with one needs `MANAGE` in its list. A token without `authorization_details` (a
 *   workspace token, `scope=all-apis`) acts with everything its principal holds.
 * - A principal whose grants were revoked (`faults.revokeGrants`) holds nothing.
 * With `auth: false` there is no caller and everything is allowed.
 */
import type { AuthorizationDetail, IssuedToken } from '../oauth/tokens.js';
import type { Principal } from '../options.js';
import { UcError } from './uc-types.js';

/** A Unity Catalog object a privilege is held on. `METASTORE` is the root, holding the catalogs. */
export interface Securable {
  readonly type: 'METASTORE' | 'CATALOG' | 'SCHEMA' | 'TABLE';
  /** Full name, in lower case (`''` for the metastore). */
  readonly path: string;
}

/** The principal and token behind a request; `undefined` when the emulator runs without auth. */
export interface UcCaller {
  readonly token: IssuedToken;
  /** Undefined when the token's client is no longer a principal. */
  readonly principal: Principal | undefined;
  readonly revoked: boolean;
}

/** One thing a request needs: at least one of `anyOf` on `on`. */
export interface Requirement {
  readonly on: Securable;
  readonly anyOf: readonly string[];
}

export const metastore: Securable = { type: 'METASTORE', path: '' };
export const catalogObject = (name: string): Securable => ({ type: 'CATALOG', path: name.toLowerCase() });
export const schemaObject = (fullName: string): Securable => ({ type: 'SCHEMA', path: fullName.toLowerCase() });
export const tableObject = (fullName: string): Securable => ({ type: 'TABLE', path: fullName.toLowerCase() });

/** What reading an object's metadata takes on the object itself (ownership counts as MANAGE). */
export const ANY_TABLE_PRIVILEGE = ['SELECT', 'MODIFY', 'MANAGE', 'BROWSE'] as const;

/** `use_catalog`, `USE CATALOG` and `Use  Catalog` are one privilege (the REST enum and the SQL spelling). */
export function privilegeName(text: string): string {
  return text
    .trim()
    .toUpperCase()
    .replace(/[_\s]+/g, ' ');
}

/** The securable and the containers it inherits privileges from, innermost first. */
function withAncestors(on: Securable): Securable[] {
  const parts = on.path.split('.');
  const chain: Securable[] = [on];
  if (on.type === 'TABLE') chain.push(schemaObject(parts.slice(0, 2).join('.')));
  if (on.type === 'TABLE' || on.type === 'SCHEMA') chain.push(catalogObject(parts[0] as string));
  if (on.type !== 'METASTORE') chain.push(metastore);
  return chain;
}

function principalHolds(principal: Principal, on: Securable, privilege: string): boolean {
  if (principal.tables === undefined) return true; // the metastore admin owns everything
  const tables = principal.tables.map((t) => t.toLowerCase());
  switch (on.type) {
    case 'TABLE':
      return (privilege === 'SELECT' || privilege === 'MODIFY') && tables.includes(on.path);
    case 'SCHEMA':
      return privilege === 'USE SCHEMA' && tables.some((t) => t.startsWith(`${on.path}.`));
    case 'CATALOG':
      return privilege === 'USE CATALOG' && tables.some((t) => t.startsWith(`${on.path}.`));
    default:
      return false;
  }
}

function detailCovers(detail: AuthorizationDetail, on: Securable, privilege: string): boolean {
  const type = detail.object_type.toUpperCase();
  const applies = withAncestors(on).some(
    (s) => s.type === type && (s.type === 'METASTORE' || s.path === detail.object_full_path.toLowerCase()),
  );
  if (!applies) return false;
  const listed = detail.privileges.map(privilegeName);
  return listed.includes(privilege) || (privilege !== 'MANAGE' && listed.includes('ALL PRIVILEGES'));
}

function tokenAllows(token: IssuedToken, on: Securable, privilege: string): boolean {
  const details = token.authorizationDetails;
  return details.length === 0 || details.some((d) => detailCovers(d, on, privilege));
}

/** Whether the caller holds `privilege` on `on` (always, without auth). */
export function holds(caller: UcCaller | undefined, on: Securable, privilege: string): boolean {
  if (!caller) return true;
  if (caller.revoked || !caller.principal) return false;
  return principalHolds(caller.principal, on, privilege) && tokenAllows(caller.token, on, privilege);
}

/** Whether the caller holds at least one of `privileges` on `on`. */
export function holdsAny(caller: UcCaller | undefined, on: Securable, privileges: readonly string[]): boolean {
  return privileges.some((p) => holds(caller, on, p));
}

function describe(on: Securable): string {
  return on.type === 'METASTORE' ? 'the metastore' : `${on.type.toLowerCase()} '${on.path}'`;
}

function alternatives(privileges: readonly string[]): string {
  return privileges.length === 1
    ? (privileges[0] as string)
    : `${privileges.slice(0, -1).join(', ')} or ${privileges.at(-1)}`;
}

/** What a scoped token carries, for the refusal message (bounded). */
function scopeOf(token: IssuedToken): string {
  const entries = token.authorizationDetails
    .slice(0, 6)
    .map((d) => `${d.object_type.toUpperCase()} ${d.object_full_path.slice(0, 100)} (${d.privileges.join(', ')})`);
  const more = token.authorizationDetails.length > 6 ? ', …' : '';
  return `${entries.join('; ')}${more}`;
}

function refusal(caller: UcCaller, action: string, need: Requirement): string {
  const clientId = caller.token.clientId;
  const what = `${action} needs ${alternatives(need.anyOf)} on ${describe(need.on)}`;
  if (caller.revoked) return `${what}: the grants of principal ${clientId} were revoked`;
  if (!caller.principal) return `${what}: principal ${clientId} no longer exists`;
  if (!need.anyOf.some((p) => principalHolds(caller.principal as Principal, need.on, p))) {
    return `${what}, which principal ${clientId} does not hold`;
  }
  return `${what}, which the access token does not carry: its authorization_details scope it to ${scopeOf(caller.token)}`;
}

/**
 * Throws `PERMISSION_DENIED` (HTTP 403) naming the first requirement the caller does not meet,
 * the privilege, the object and whether the principal or the token's scope falls short.
 */
export function authorize(caller: UcCaller | undefined, action: string, needs: readonly Requirement[]): void {
  if (!caller) return;
  for (const need of needs) {
    if (!holdsAny(caller, need.on, need.anyOf.map(privilegeName))) {
      throw new UcError('PERMISSION_DENIED', refusal(caller, action, need));
    }
  }
}

/** USE CATALOG on `catalog` and, when a schema is given, USE SCHEMA on `catalog.schema`. */
export function usage(catalog: string, schema?: string): Requirement[] {
  const needs: Requirement[] = [{ on: catalogObject(catalog), anyOf: ['USE CATALOG'] }];
  if (schema !== undefined) needs.push({ on: schemaObject(`${catalog}.${schema}`), anyOf: ['USE SCHEMA'] });
  return needs;
}
