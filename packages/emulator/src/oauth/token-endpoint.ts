/**
 * `POST /oidc/v1/token`: the OAuth 2.0 client-credentials grant of PROTOCOL.md §4. It is strict
 * on purpose (HTTP Basic client auth, a form body, well-formed `authorization_details`) so that
 * a client sending anything else fails here, in a test, rather than against the real workspace.
 * Every request is recorded, whatever its outcome, for tests that check the exact request.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { jsonError, type RouteRequest, type RouteResponse, type Router } from '../http/router.js';
import type { Principal } from '../options.js';
import { type AuthorizationDetail, parseAuthorizationDetails, type TokenRegistry } from './tokens.js';

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
 * A token request as the emulator received it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import type { TokenRequestRecord } from '@zerobus/emulator';
 * import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
 *
 * emulator.faults.tokenEndpointFailures(1); // the next token request is answered HTTP 503
 * const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
 * const table = new TableProperties('main.iot.readings');
 * await sdk.createStream('emulator-client', 'emulator-secret', table, { recordType: 'json' });
 * const requests: TokenRequestRecord[] = emulator.tokenRequests;
 * assert.deepEqual(requests.map((r) => r.status), [503, 200]); // the SDK asked again
 * ```
 */
export interface TokenRequestRecord {
  /** The HTTP method. */
  readonly method: string;
  /** The request path. */
  readonly path: string;
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw `authorization` header. */
  readonly authorization: string | undefined;
  /** Client id decoded from HTTP Basic auth, when the header could be decoded. */
  readonly clientId: string | undefined;
  /** Form fields of the body (last value wins for a repeated field). */
  readonly form: Readonly<Record<string, string>>;
  /** `authorization_details` parsed as JSON, when it is JSON. */
  readonly authorizationDetails: unknown;
  /** HTTP status the emulator answered with. */
  readonly status: number;
  /** When the request arrived, in milliseconds since the epoch. */
  readonly receivedAt: number;
}

export interface TokenEndpointContext {
  readonly principals: readonly Principal[];
  readonly tokens: TokenRegistry;
  /** An injected failure status for this request, if a fault hook armed one. */
  takeTokenFailure(): number | undefined;
  record(request: TokenRequestRecord): void;
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function decodeBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function parseJsonOrUndefined(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
  if (!principal || principal.clientSecret !== credentials.secret) {
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
  const contentType = request.headers['content-type'] ?? '';
  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) form[key] = value;
  const response = grant(ctx, authorization, contentType, form);
  ctx.record({
    method: request.method,
    path: request.path,
    headers: flattenHeaders(request.headers),
    authorization,
    clientId: decodeBasic(authorization)?.id,
    form,
    authorizationDetails: parseJsonOrUndefined(form.authorization_details),
    status: response.status,
    receivedAt: Date.now(),
  });
  return response;
}

export function addTokenRoute(router: Router, ctx: TokenEndpointContext): void {
  router.add('POST', TOKEN_PATH, (request) => handleTokenRequest(ctx, request));
}
