/**
 * Access tokens the emulator issued, and the checks a gRPC call's bearer token goes through.
 * Tokens are opaque random strings; the registry remembers who asked for each one and which
 * Unity Catalog privileges its `authorization_details` requested (PROTOCOL.md §4), because the
 * real service scopes a Zerobus token to one table.
 */

import { randomBytes } from 'node:crypto';
import type { Principal } from '../options.js';

/**
 * One entry of the `authorization_details` JSON array.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import type { AuthorizationDetail } from '@zerobus/emulator';
 *
 * // the SDK asks for a token scoped to the one table it writes to
 * const details = emulator.tokenRequests[0]?.authorizationDetails as AuthorizationDetail[] | undefined;
 * const grant = details?.find((d) => d.object_type === 'TABLE');
 * assert.equal(grant?.object_full_path, 'main.iot.readings');
 * assert.deepEqual(grant?.privileges, ['SELECT', 'MODIFY']);
 * ```
 */
export interface AuthorizationDetail {
  /** The kind of grant; the SDK asks for `unity_catalog_privileges`. */
  readonly type: string;
  /** The privileges asked for, e.g. `['SELECT', 'MODIFY']`. */
  readonly privileges: readonly string[];
  /** The kind of object: `CATALOG`, `SCHEMA` or `TABLE`. */
  readonly object_type: string;
  /** The object's full name: `catalog`, `catalog.schema` or `catalog.schema.table`. */
  readonly object_full_path: string;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly clientId: string;
  readonly issuedAt: number;
  /** Epoch milliseconds; the token is expired from this instant on. */
  expiresAt: number;
  readonly scope: string | undefined;
  readonly resource: string | undefined;
  readonly authorizationDetails: readonly AuthorizationDetail[];
  /** Tables (TABLE `object_full_path`s) the token was requested for. */
  readonly tables: readonly string[];
}

/** Parses `authorization_details`; returns an explanation when it is not an array of well-formed grants. */
export function parseAuthorizationDetails(text: string): AuthorizationDetail[] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'authorization_details is not valid JSON';
  }
  if (!Array.isArray(value)) return 'authorization_details must be a JSON array';
  const details: AuthorizationDetail[] = [];
  for (const [i, entry] of value.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return `authorization_details[${i}] must be an object`;
    }
    const { type, privileges, object_type, object_full_path } = entry as Record<string, unknown>;
    if (typeof type !== 'string') return `authorization_details[${i}].type must be a string`;
    if (!Array.isArray(privileges) || !privileges.every((p) => typeof p === 'string')) {
      return `authorization_details[${i}].privileges must be an array of strings`;
    }
    if (typeof object_type !== 'string') return `authorization_details[${i}].object_type must be a string`;
    if (typeof object_full_path !== 'string') return `authorization_details[${i}].object_full_path must be a string`;
    details.push({ type, privileges, object_type, object_full_path });
  }
  return details;
}

export type TokenLookup =
  | { readonly ok: true; readonly token: IssuedToken }
  | { readonly ok: false; readonly reason: string };

export class TokenRegistry {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(readonly ttlSeconds: number) {}

  issue(
    clientId: string,
    fields: { scope?: string | undefined; resource?: string | undefined; details: readonly AuthorizationDetail[] },
  ): IssuedToken {
    const now = Date.now();
    const token: IssuedToken = {
      accessToken: `emu-${randomBytes(24).toString('base64url')}`,
      clientId,
      issuedAt: now,
      expiresAt: now + this.ttlSeconds * 1000,
      scope: fields.scope,
      resource: fields.resource,
      authorizationDetails: fields.details,
      tables: fields.details.filter((d) => d.object_type.toUpperCase() === 'TABLE').map((d) => d.object_full_path),
    };
    this.tokens.set(token.accessToken, token);
    return token;
  }

  /** Resolves an `authorization` header value (`Bearer <token>`). */
  lookup(authorization: string | undefined): TokenLookup {
    if (!authorization) return { ok: false, reason: 'missing authorization header' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return { ok: false, reason: 'authorization header is not a Bearer token' };
    const token = this.tokens.get(match[1] as string);
    if (!token) return { ok: false, reason: 'unknown access token' };
    if (Date.now() >= token.expiresAt) return { ok: false, reason: 'access token expired' };
    return { ok: true, token };
  }

  /** Makes every token issued so far expired (tests of token refresh). */
  expireAll(): void {
    const now = Date.now();
    for (const token of this.tokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }

  get size(): number {
    return this.tokens.size;
  }
}

/**
 * Why `principal` holding `token` may not write to `table`, or undefined when it may. Both the
 * principal's grants and the token's requested scope must cover the table: a token asked for
 * another table (or with no TABLE grant at all) is refused like the real service does.
 */
export function denyTableAccess(
  principal: Principal | undefined,
  token: IssuedToken,
  table: string,
): string | undefined {
  if (!principal) return `principal ${token.clientId} no longer exists`;
  if (principal.tables && !principal.tables.includes(table)) {
    return `principal ${principal.clientId} has no SELECT and MODIFY grant on table ${table}`;
  }
  const grant = token.authorizationDetails.find(
    (d) => d.object_type.toUpperCase() === 'TABLE' && d.object_full_path === table,
  );
  if (!grant) {
    const scoped = token.tables.length ? `scoped to ${token.tables.join(', ')}` : 'not scoped to any table';
    return `access token is ${scoped}, not to table ${table} (authorization_details has no TABLE entry for it)`;
  }
  const held = new Set(grant.privileges.map((p) => p.toUpperCase()));
  const missing = ['SELECT', 'MODIFY'].filter((p) => !held.has(p));
  if (missing.length) return `access token lacks ${missing.join(' and ')} on table ${table}`;
  return undefined;
}
