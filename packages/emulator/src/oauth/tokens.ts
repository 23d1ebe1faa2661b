/**
 * Access tokens the emulator issues, and the checks a call's bearer token goes through. A token
 * is a JWT signed with HS256 (`jwt.ts`) that carries everything the checks need: the principal
 * (`sub`), the grants its `authorization_details` asked for (PROTOCOL.md §4: the real service
 * scopes a Zerobus token to one table), `iat`, `nbf` and `exp`. Nothing is kept per token, so
 * memory does not grow with tokens issued, and, with the signing key in the data directory, a
 * restarted server accepts the tokens its predecessor issued until they expire (PROTOCOL.md
 * §13). What may change after issue is checked at use time against the current configuration
 * (`denyTableAccess`, revoked grants), and `expireAll()` expires every token issued so far.
 */

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Principal } from '../options.js';
import { signJwt, verifyJwt } from './jwt.js';
import {
  loadOrCreateSigningKey,
  OAUTH_DIR,
  randomSigningKey,
  readExpiredBefore,
  type SigningKey,
  writeExpiredBefore,
} from './key-store.js';

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

/** A verified access token: its claims, as the gRPC and REST checks read them. */
export interface IssuedToken {
  /** The token itself (the JWT). */
  readonly accessToken: string;
  /** The principal it was issued to (`sub`). */
  readonly clientId: string;
  /** Epoch milliseconds (`iat`). */
  readonly issuedAt: number;
  /** Epoch milliseconds; the token is expired from this instant on (`exp`). */
  readonly expiresAt: number;
  /** The `scope` the token request asked for. */
  readonly scope: string | undefined;
  /** The `resource` the token request asked for (the token's `aud`). */
  readonly resource: string | undefined;
  /** The grants the token request asked for, as granted. */
  readonly authorizationDetails: readonly AuthorizationDetail[];
  /** Tables (TABLE `object_full_path`s) the token was requested for. */
  readonly tables: readonly string[];
}

/** Checks a parsed `authorization_details` value; returns an explanation when it is not an array of well-formed grants. */
export function checkAuthorizationDetails(value: unknown): AuthorizationDetail[] | string {
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

/** Parses `authorization_details`; returns an explanation when it is not an array of well-formed grants. */
export function parseAuthorizationDetails(text: string): AuthorizationDetail[] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'authorization_details is not valid JSON';
  }
  return checkAuthorizationDetails(value);
}

/** What `TokenRegistry.lookup` found: the token's claims, or why it is refused (UNAUTHENTICATED / 401). */
export type TokenLookup =
  | { readonly ok: true; readonly token: IssuedToken }
  | { readonly ok: false; readonly reason: string };

/** The `iss` of every token; checked on use. */
export const TOKEN_ISSUER = 'zerobus-emulator';
/** `nbf` lies this far before `iat`, so a verifier whose clock is a little behind accepts the token. */
const NOT_BEFORE_SKEW_SECONDS = 60;

/** How a registry signs and expires tokens; every field has a default. */
export interface TokenRegistryOptions {
  /** The signing key. Default: a random one, so tokens are good for this process only. */
  readonly signingKey?: SigningKey;
  /** Tokens issued at or before this instant (epoch ms) are expired. Default 0. */
  readonly expiredBefore?: number;
  /** Persists the cutoff `expireAll()` sets. */
  readonly onExpireAll?: (expiredBeforeMs: number) => void;
  /** The clock (epoch ms). Default `Date.now`. */
  readonly now?: () => number;
}

/** The claims of a token, as `issue` writes them. */
interface TokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly jti: string;
  readonly scope?: string;
  readonly aud?: string;
  readonly authorization_details: readonly AuthorizationDetail[];
}

/** The token `claims` describe, or why they do not describe one of ours. */
function tokenFromClaims(accessToken: string, claims: Record<string, unknown>): IssuedToken | string {
  const { iss, sub, iat, nbf, exp, scope, aud } = claims;
  if (iss !== TOKEN_ISSUER) return 'unknown access token (another issuer)';
  if (typeof sub !== 'string' || sub === '') return 'invalid access token (no sub claim)';
  for (const [name, value] of [
    ['iat', iat],
    ['nbf', nbf],
    ['exp', exp],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return `invalid access token (no numeric ${name} claim)`;
  }
  if (scope !== undefined && typeof scope !== 'string') return 'invalid access token (scope is not a string)';
  if (aud !== undefined && typeof aud !== 'string') return 'invalid access token (aud is not a string)';
  const details = checkAuthorizationDetails(claims.authorization_details);
  if (typeof details === 'string') return `invalid access token (${details})`;
  return {
    accessToken,
    clientId: sub,
    issuedAt: Math.round((iat as number) * 1000),
    expiresAt: Math.round((exp as number) * 1000),
    scope,
    resource: aud,
    authorizationDetails: details,
    tables: tablesOf(details),
  };
}

function tablesOf(details: readonly AuthorizationDetail[]): string[] {
  return details.filter((d) => d.object_type.toUpperCase() === 'TABLE').map((d) => d.object_full_path);
}

/**
 * Issues and verifies access tokens. It keeps no token: a token is valid when its signature is
 * this registry's key's, it has not expired, and it was issued after the last `expireAll()`.
 */
export class TokenRegistry {
  /** The key id (`kid`) of the tokens it signs. */
  readonly keyId: string;
  private readonly key: Buffer;
  private readonly now: () => number;
  private readonly onExpireAll: ((expiredBeforeMs: number) => void) | undefined;
  private expiredBefore: number;

  /**
   * A registry for an emulator with a data directory keeps its key in `<dataDir>/_oauth/` (made
   * on first start, file mode 0600), so its tokens survive a restart; without one the key is
   * random and tokens die with the process.
   */
  static async open(ttlSeconds: number, dataDir: string | undefined): Promise<TokenRegistry> {
    if (dataDir === undefined) return new TokenRegistry(ttlSeconds);
    const dir = join(dataDir, OAUTH_DIR);
    const signingKey = await loadOrCreateSigningKey(dir);
    const expiredBefore = await readExpiredBefore(dir);
    return new TokenRegistry(ttlSeconds, {
      signingKey,
      expiredBefore,
      onExpireAll: (cutoff) => writeExpiredBefore(dir, cutoff),
    });
  }

  constructor(
    readonly ttlSeconds: number,
    options: TokenRegistryOptions = {},
  ) {
    const { key, kid } = options.signingKey ?? randomSigningKey();
    this.key = key;
    this.keyId = kid;
    this.now = options.now ?? Date.now;
    this.expiredBefore = options.expiredBefore ?? 0;
    this.onExpireAll = options.onExpireAll;
  }

  issue(
    clientId: string,
    fields: { scope?: string | undefined; resource?: string | undefined; details: readonly AuthorizationDetail[] },
  ): IssuedToken {
    // Strictly after the last expireAll(), even within the same millisecond.
    const issuedAt = Math.max(this.now(), this.expiredBefore + 1);
    const expiresAt = Math.round(issuedAt + this.ttlSeconds * 1000);
    const claims: TokenClaims = {
      iss: TOKEN_ISSUER,
      sub: clientId,
      iat: issuedAt / 1000,
      nbf: Math.floor(issuedAt / 1000) - NOT_BEFORE_SKEW_SECONDS,
      exp: expiresAt / 1000,
      jti: randomBytes(12).toString('base64url'),
      ...(fields.scope !== undefined && { scope: fields.scope }),
      ...(fields.resource !== undefined && { aud: fields.resource }),
      authorization_details: fields.details,
    };
    return {
      accessToken: signJwt(this.key, this.keyId, claims),
      clientId,
      issuedAt,
      expiresAt,
      scope: fields.scope,
      resource: fields.resource,
      authorizationDetails: fields.details,
      tables: tablesOf(fields.details),
    };
  }

  /** Resolves an `authorization` header value (`Bearer <token>`): signature, issuer, expiry. */
  lookup(authorization: string | undefined): TokenLookup {
    if (!authorization) return { ok: false, reason: 'missing authorization header' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return { ok: false, reason: 'authorization header is not a Bearer token' };
    const accessToken = match[1] as string;
    const verified = verifyJwt(this.key, this.keyId, accessToken);
    if (!verified.ok) return verified;
    const token = tokenFromClaims(accessToken, verified.payload);
    if (typeof token === 'string') return { ok: false, reason: token };
    const now = this.now();
    // A token issued before the last expireAll() reads as expired, as after any other expiry.
    if (now >= token.expiresAt || token.issuedAt <= this.expiredBefore) {
      return { ok: false, reason: 'access token expired' };
    }
    if (now < (verified.payload.nbf as number) * 1000) return { ok: false, reason: 'access token is not valid yet' };
    return { ok: true, token };
  }

  /** Makes every token issued so far expired (tests of token refresh); persisted with a data directory. */
  expireAll(): void {
    this.expiredBefore = Math.max(this.expiredBefore, this.now());
    this.onExpireAll?.(this.expiredBefore);
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
