/**
 * A small Unity Catalog REST client for `zerobus tables`: a workspace token from the OAuth
 * token endpoint (client credentials, `scope=all-apis`), then JSON calls under
 * `/api/2.1/unity-catalog`. Works against a Databricks workspace and the local server alike.
 * Uses node:http(s) rather than fetch so that an extra CA certificate can be trusted. Secrets
 * and tokens never appear in messages.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Credentials } from './credentials.js';

const UC_PREFIX = '/api/2.1/unity-catalog';
const TIMEOUT_MS = 30_000;

/**
 * A refusal or failure from Unity Catalog: the HTTP status (0: no answer) and its `error_code`,
 * if any. `code` is what `--json` reports: the `error_code`, else the SDK's code for the same
 * failure (AUTH_FAILED, AUTH_UNAVAILABLE, CATALOG_UNAVAILABLE), else `HTTP_<status>`.
 */
export class UnityCatalogError extends Error {
  override readonly name = 'UnityCatalogError';
  readonly code: string;
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string | undefined,
    code?: string,
  ) {
    super(message);
    this.code = errorCode ?? code ?? (status === 0 || status >= 500 ? 'CATALOG_UNAVAILABLE' : `HTTP_${status}`);
  }
}

interface Response {
  readonly status: number;
  readonly text: string;
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  ca: Buffer | undefined,
) {
  return new Promise<Response>((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        method,
        headers: { ...headers, ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }) },
        ...(ca && { ca }),
        timeout: TIMEOUT_MS,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', (error) =>
      reject(new UnityCatalogError(`cannot reach ${url.origin}: ${error.message}`, 0, undefined)),
    );
    req.end(body);
  });
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export class UnityCatalogClient {
  /** The endpoint without a trailing slash. */
  readonly #base: string;
  readonly #ca: Buffer | undefined;
  readonly #token: string;

  private constructor(base: string, token: string, ca: Buffer | undefined) {
    this.#base = base;
    this.#token = token;
    this.#ca = ca;
  }

  /** Gets a workspace token for the client credentials. */
  static async connect(credentials: Credentials, ca?: Buffer): Promise<UnityCatalogClient> {
    const { base, token } = await workspaceToken(credentials, ca);
    return new UnityCatalogClient(base, token, ca);
  }

  /** A JSON call under /api/2.1/unity-catalog; throws UnityCatalogError unless the answer is 2xx. */
  async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const url = new URL(`${this.#base}${UC_PREFIX}${path}`);
    const { status, text } = await send(
      url,
      method,
      { authorization: `Bearer ${this.#token}`, accept: 'application/json', 'content-type': 'application/json' },
      body === undefined ? undefined : JSON.stringify(body),
      this.#ca,
    );
    const json = parseJson(text);
    if (status < 200 || status >= 300) {
      const code = typeof json?.error_code === 'string' ? json.error_code : undefined;
      const message = typeof json?.message === 'string' ? json.message : text.slice(0, 200) || 'no details';
      throw new UnityCatalogError(`Unity Catalog: ${message} (HTTP ${status}${code ? ` ${code}` : ''})`, status, code);
    }
    return json ?? {};
  }
}

/**
 * A workspace token for the client credentials from `<endpoint>/oidc/v1/token` (client
 * credentials, `scope=all-apis`), and the endpoint it came from (with `https://` when it had no
 * scheme, no trailing slash). Throws UnityCatalogError with the SDK's codes: AUTH_FAILED for
 * refused credentials, AUTH_UNAVAILABLE when the endpoint does not answer or fails.
 */
export async function workspaceToken(credentials: Credentials, ca?: Buffer): Promise<{ base: string; token: string }> {
  const endpoint = credentials.unityCatalogEndpoint;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  const base = new URL(withScheme).href.replace(/\/+$/, '');
  const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64');
  const url = new URL(`${base}/oidc/v1/token`);
  const { status, text } = await send(
    url,
    'POST',
    { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    new URLSearchParams({ grant_type: 'client_credentials', scope: 'all-apis' }).toString(),
    ca,
  ).catch((error: unknown) => {
    // No answer from the token endpoint: the SDK's code for it.
    if (error instanceof UnityCatalogError)
      throw new UnityCatalogError(error.message, 0, undefined, 'AUTH_UNAVAILABLE');
    throw error;
  });
  const token = parseJson(text)?.access_token;
  if (status !== 200 || typeof token !== 'string') {
    const refused = status === 401 || status === 400;
    const why = refused ? 'refused the client credentials' : `answered HTTP ${status}`;
    const code = refused ? 'AUTH_FAILED' : status >= 500 ? 'AUTH_UNAVAILABLE' : `HTTP_${status}`;
    throw new UnityCatalogError(`the token endpoint ${url.origin}${url.pathname} ${why}`, status, undefined, code);
  }
  return { base, token };
}
