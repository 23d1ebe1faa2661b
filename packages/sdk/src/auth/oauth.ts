/**
 * The default token factory (PROTOCOL.md §4): OAuth 2.0 client credentials against the
 * workspace's `/oidc/v1/token`, scoped to one table through `authorization_details`.
 * A fresh token is fetched on every connect, as the official core does.
 */
import { NonRetriableError, ZerobusError } from '../errors.js';
import type { ProxyOption } from '../net/proxy-config.js';
import type { TableName } from '../table-name.js';
import { AUTHORIZATION_HEADER, type Headers, type HeadersProvider, TABLE_NAME_HEADER } from './headers-provider.js';
import { httpCall } from './http-call.js';

export interface OAuthSettings {
  unityCatalogEndpoint: string;
  clientId: string;
  clientSecret: string;
  workspaceId: string;
  table: TableName;
  /** Trusted CA certificates (PEM) for the token endpoint, in place of Node's default roots. */
  ca?: string | Buffer | undefined;
  /** Bound on one token request. */
  timeoutMs?: number;
  /** HTTP CONNECT proxy for the token endpoint: from the environment by default. */
  proxy?: ProxyOption;
}

/** The form body of the token request, in the order the official SDKs send it. */
export function tokenRequestBody(settings: Pick<OAuthSettings, 'workspaceId' | 'table'>): string {
  const { catalog, schema, table } = settings.table;
  const authorizationDetails = [
    {
      type: 'unity_catalog_privileges',
      privileges: ['USE CATALOG'],
      object_type: 'CATALOG',
      object_full_path: catalog,
    },
    {
      type: 'unity_catalog_privileges',
      privileges: ['USE SCHEMA'],
      object_type: 'SCHEMA',
      object_full_path: `${catalog}.${schema}`,
    },
    {
      type: 'unity_catalog_privileges',
      privileges: ['SELECT', 'MODIFY'],
      object_type: 'TABLE',
      object_full_path: `${catalog}.${schema}.${table}`,
    },
  ];
  return new URLSearchParams({
    grant_type: 'client_credentials',
    scope: 'all-apis',
    resource: `api://databricks/workspaces/${settings.workspaceId}/zerobusDirectWriteApi`,
    authorization_details: JSON.stringify(authorizationDetails),
  }).toString();
}

/**
 * Fetches one access token. The Basic credentials are not form-encoded first, as in every
 * official SDK. 4xx and answers without a token are non-retriable; 5xx and network failures
 * are retriable.
 */
export async function fetchOAuthToken(settings: OAuthSettings, signal?: AbortSignal): Promise<string> {
  return requestToken(settings, tokenRequestBody(settings), signal);
}

/**
 * A token for the Unity Catalog REST API (reading table metadata), as the official
 * generate_proto tool asks for it: `client_credentials` with `scope=all-apis` and nothing else.
 */
export function fetchWorkspaceToken(
  settings: Pick<OAuthSettings, 'unityCatalogEndpoint' | 'clientId' | 'clientSecret' | 'ca' | 'timeoutMs' | 'proxy'>,
  signal?: AbortSignal,
): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', scope: 'all-apis' }).toString();
  return requestToken(settings, body, signal);
}

async function requestToken(
  settings: Pick<OAuthSettings, 'unityCatalogEndpoint' | 'clientId' | 'clientSecret' | 'ca' | 'timeoutMs' | 'proxy'>,
  body: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  const url = new URL('/oidc/v1/token', withScheme(settings.unityCatalogEndpoint));
  const basic = Buffer.from(`${settings.clientId}:${settings.clientSecret}`);
  const { status, text } = await httpCall({
    method: 'POST',
    url,
    headers: {
      authorization: `Basic ${basic.toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
    ca: settings.ca,
    timeoutMs: settings.timeoutMs,
    proxy: settings.proxy,
    signal,
    what: 'token endpoint',
    unreachableCode: 'AUTH_UNAVAILABLE',
  });
  if (status >= 500) {
    throw new ZerobusError('AUTH_UNAVAILABLE', `token endpoint ${url.origin} answered HTTP ${status}`);
  }
  if (status < 200 || status >= 300) {
    throw new NonRetriableError(
      'AUTH_FAILED',
      `token endpoint ${url.origin} refused the client credentials: HTTP ${status}${errorSummary(text)}`,
    );
  }
  let token: unknown;
  try {
    token = (JSON.parse(text) as { access_token?: unknown }).access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') {
    throw new NonRetriableError('AUTH_FAILED', `token endpoint ${url.origin} answered without an access_token`);
  }
  return token;
}

/** The default headers provider: a bearer token from the token endpoint plus the table header. */
export class OAuthHeadersProvider implements HeadersProvider {
  readonly #settings: OAuthSettings;

  constructor(settings: OAuthSettings) {
    this.#settings = settings;
  }

  async getHeaders(signal?: AbortSignal): Promise<Headers> {
    const token = await fetchOAuthToken(this.#settings, signal);
    const { catalog, schema, table } = this.#settings.table;
    return { [AUTHORIZATION_HEADER]: `Bearer ${token}`, [TABLE_NAME_HEADER]: `${catalog}.${schema}.${table}` };
  }

  /** Never shows the secret, in logs or in a debugger's inspection. */
  toJSON(): object {
    return { clientId: this.#settings.clientId, unityCatalogEndpoint: this.#settings.unityCatalogEndpoint };
  }
}

export function withScheme(endpoint: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
}

/** Only the OAuth `error` field of an error body: the rest may echo request details. */
function errorSummary(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    return typeof parsed.error === 'string' ? ` (${parsed.error.slice(0, 100)})` : '';
  } catch {
    return '';
  }
}
