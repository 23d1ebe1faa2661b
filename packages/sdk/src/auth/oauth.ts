/**
 * The default token factory (PROTOCOL.md §4): OAuth 2.0 client credentials against the
 * workspace's `/oidc/v1/token`, scoped to one table through `authorization_details`.
 * A fresh token is fetched on every connect, as the official core does.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { NonRetriableError, ZerobusError } from '../errors.js';
import type { TableName } from '../table.js';
import { AUTHORIZATION_HEADER, type Headers, type HeadersProvider, TABLE_NAME_HEADER } from './headers-provider.js';

export interface OAuthSettings {
  unityCatalogEndpoint: string;
  clientId: string;
  clientSecret: string;
  workspaceId: string;
  table: TableName;
  /** Extra trusted CA certificates (PEM) for the token endpoint. */
  ca?: string | Buffer | undefined;
  /** Bound on one token request. */
  timeoutMs?: number;
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
  const url = new URL('/oidc/v1/token', withScheme(settings.unityCatalogEndpoint));
  const body = tokenRequestBody(settings);
  const basic = Buffer.from(`${settings.clientId}:${settings.clientSecret}`);
  const { status, text } = await post(url, body, `Basic ${basic.toString('base64')}`, settings, signal);
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

function post(
  url: URL,
  body: string,
  authorization: string,
  settings: OAuthSettings,
  signal: AbortSignal | undefined,
): Promise<{ status: number; text: string }> {
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  const timeoutMs = settings.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const fail = (cause: unknown) =>
      reject(
        signal?.aborted
          ? new ZerobusError('ABORTED', 'token request aborted', { cause: signal.reason })
          : new ZerobusError(
              'AUTH_UNAVAILABLE',
              `token endpoint ${url.origin} could not be reached: ${message(cause)}`,
              {
                cause,
              },
            ),
      );
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          accept: 'application/json',
        },
        ...(settings.ca ? { ca: settings.ca } : {}),
        signal,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end(body);
  });
}

function message(cause: unknown): string {
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return String(cause);
}
