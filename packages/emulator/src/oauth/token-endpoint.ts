/**
 * `POST /oidc/v1/token`: the OAuth 2.0 client-credentials grant of PROTOCOL.md §4. It is strict
 * on purpose (HTTP Basic client auth, a form body, well-formed `authorization_details`) so that
 * a client sending anything else fails here, in a test, rather than against the real workspace.
 * Every request is recorded, whatever its outcome, for tests that check the exact request (the
 * latest 1,000, without secrets or refused bodies: `request-log.ts`).
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { jsonError, type RouteRequest, type RouteResponse, type Router } from '../http/router.js';
import type { Principal } from '../options.js';
import { type TokenRequestRecord, tokenRequestRecord } from './request-log.js';
import { type AuthorizationDetail, parseAuthorizationDetails, type TokenRegistry } from './tokens.js';

export type { TokenRequestRecord } from './request-log.js';

/**
 * The path of the OAuth token endpoint on the HTTP server (`POST`, client credentials grant).
 *
 * @example
 * ```ts
 * import { TOKEN_PATH } from '@zerobus/emulator';
 *
 * // what a client other than the SDK sends for a token scoped to one table
 * const grant = { type: 'unity_catalog_privileges', privileges: ['SELECT', 'MODIFY'] };
 * const response = await fetch(new URL(TOKEN_PATH, emulator.unityCatalogEndpoint), {
 *   method: 'POST',
 *   headers: { authorization: `Basic ${Buffer.from('emulator-client:emulator-secret').toString('base64')}` },
 *   body: new URLSearchParams({
 *     grant_type: 'client_credentials',
 *     authorization_details: JSON.stringify([{ ...grant, object_type: 'TABLE', object_full_path: 'main.iot.readings' }]),
 *   }),
 * });
 * const { access_token } = (await response.json()) as { access_token: string };
 * ```
 */
export const TOKEN_PATH = '/oidc/v1/token';

/**
 * Largest token request body accepted, in bytes; a larger one is answered 413. A real request
 * (client credentials, scope, resource and three grants) is well under 1 KiB.
 */
export const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;

export interface TokenEndpointContext {
  readonly principals: readonly Principal[];
  readonly tokens: TokenRegistry;
  /** An injected failure status for this request, if a fault hook armed one. */
  takeTokenFailure(): number | undefined;
  record(request: TokenRequestRecord): void;
}

function decodeBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * Whether `given` is `expected`, in a time that tells nothing about how much of it matched:
 * both are hashed first, so the compared buffers have equal lengths whatever was sent.
 */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The grant itself: checks in the order a real authorization server does (client, then body). */
function grant(
  ctx: TokenEndpointContext,
  authorization: string | undefined,
  contentType: string,
  form: Record<string, string>,
): RouteResponse {
  const injected = ctx.takeTokenFailure();
  if (injected !== undefined) {
    return jsonError(injected, injected >= 500 ? 'temporarily_unavailable' : 'invalid_request', 'injected failure');
  }
  const credentials = decodeBasic(authorization);
  if (!credentials) {
    return {
      ...jsonError(401, 'invalid_client', 'client authentication with HTTP Basic is required'),
      headers: { 'www-authenticate': 'Basic realm="zerobus-emulator"' },
    };
  }
  const principal = ctx.principals.find((p) => p.clientId === credentials.id);
  // The secret is compared even for an unknown client, so the answer's timing does not tell them apart.
  const secretMatches = sameSecret(credentials.secret, principal?.clientSecret ?? '');
  if (!principal || !secretMatches) {
    return jsonError(401, 'invalid_client', 'unknown client id or wrong client secret');
  }
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return jsonError(400, 'invalid_request', 'body must be application/x-www-form-urlencoded');
  }
  const grantType = form.grant_type;
  if (grantType === undefined) return jsonError(400, 'invalid_request', 'grant_type is required');
  if (grantType !== 'client_credentials') {
    return jsonError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }
  let details: AuthorizationDetail[] = [];
  if (form.authorization_details !== undefined) {
    const parsed = parseAuthorizationDetails(form.authorization_details);
    if (typeof parsed === 'string') return jsonError(400, 'invalid_request', parsed);
    details = parsed;
  }
  const token = ctx.tokens.issue(principal.clientId, { scope: form.scope, resource: form.resource, details });
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    json: {
      access_token: token.accessToken,
      token_type: 'Bearer',
      expires_in: ctx.tokens.ttlSeconds,
      ...(form.scope === undefined ? {} : { scope: form.scope }),
    },
  };
}

export function handleTokenRequest(ctx: TokenEndpointContext, request: RouteRequest): RouteResponse {
  const authorization = request.headers.authorization;
  const bodyBytes = request.body.length;
  const form: Record<string, string> = {};
  let response: RouteResponse;
  if (bodyBytes > MAX_TOKEN_REQUEST_BYTES) {
    response = jsonError(
      413,
      'invalid_request',
      `the token request body is ${bodyBytes} bytes; the token endpoint accepts at most ${MAX_TOKEN_REQUEST_BYTES}`,
    );
  } else {
    for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) form[key] = value;
    response = grant(ctx, authorization, request.headers['content-type'] ?? '', form);
  }
  ctx.record(
    tokenRequestRecord({
      method: request.method,
      path: request.path,
      headers: request.headers,
      clientId: decodeBasic(authorization)?.id,
      form,
      bodyBytes,
      status: response.status,
    }),
  );
  return response;
}

export function addTokenRoute(router: Router, ctx: TokenEndpointContext): void {
  router.add('POST', TOKEN_PATH, (request) => handleTokenRequest(ctx, request));
}
