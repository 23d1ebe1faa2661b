/**
 * What `emulator.tokenRequests` keeps of each token request, and how many: the latest 1,000, in
 * a ring, each without secrets and without the body of a refused request. Keeping every request
 * whole let a client flooding the endpoint with large refused requests grow the server without
 * bound.
 */

import type { IncomingHttpHeaders } from 'node:http';

/** How many token requests `emulator.tokenRequests` keeps: the latest ones. */
export const TOKEN_REQUEST_LOG_SIZE = 1_000;
/** Longest header value, or form value of a refused request, kept whole. */
const MAX_KEPT_CHARS = 1_024;
/** Longest `authorization_details` of a refused request that is still parsed into the record. */
const MAX_KEPT_DETAILS_CHARS = 4_096;
/** Form fields kept of a refused request; the others (and the rest of its body) are dropped. */
const REFUSED_FORM_FIELDS = ['grant_type', 'scope', 'resource', 'client_id'] as const;
/** Form fields that carry credentials. */
const SECRET_FORM_FIELDS = new Set(['client_secret', 'client_assertion']);
/** Headers that carry credentials. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
const REDACTED = '<redacted>';

/**
 * A token request as the emulator received it, without its secrets: the `authorization` header
 * keeps only its scheme (`Basic <redacted>`) and `client_secret` form values are redacted. Only
 * the latest 1,000 requests are kept (`stats.tokenRequests` counts all). A refused request (any
 * status but 200) keeps no body: `form` holds only `grant_type`, `scope`, `resource` and
 * `client_id`, and header and form values are cut to 1,024 characters.
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
  /** Header names in lower case; repeated headers joined with `, `; credentials redacted. */
  readonly headers: Readonly<Record<string, string>>;
  /** The `authorization` header's scheme, credentials redacted: `Basic <redacted>`. */
  readonly authorization: string | undefined;
  /** Client id decoded from HTTP Basic auth, when the header could be decoded. */
  readonly clientId: string | undefined;
  /** Form fields of the body (last value wins for a repeated field); of a refused request, only the small ones. */
  readonly form: Readonly<Record<string, string>>;
  /** `authorization_details` parsed as JSON, when it is JSON (and, for a refused request, at most 4 KiB). */
  readonly authorizationDetails: unknown;
  /** Size of the request body in bytes. */
  readonly bodyBytes: number;
  /** HTTP status the emulator answered with. */
  readonly status: number;
  /** When the request arrived, in milliseconds since the epoch. */
  readonly receivedAt: number;
}

/** The last {@link TOKEN_REQUEST_LOG_SIZE} token requests, oldest first. */
export class TokenRequestLog implements Iterable<TokenRequestRecord> {
  private readonly ring: TokenRequestRecord[] = [];
  private next = 0;

  constructor(readonly capacity = TOKEN_REQUEST_LOG_SIZE) {}

  push(record: TokenRequestRecord): void {
    if (this.ring.length < this.capacity) this.ring.push(record);
    else this.ring[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
  }

  get length(): number {
    return this.ring.length;
  }

  *[Symbol.iterator](): Iterator<TokenRequestRecord> {
    const full = this.ring.length === this.capacity;
    for (let i = 0; i < this.ring.length; i++) {
      yield this.ring[full ? (this.next + i) % this.capacity : i] as TokenRequestRecord;
    }
  }
}

function cut(value: string): string {
  return value.length <= MAX_KEPT_CHARS ? value : `${value.slice(0, MAX_KEPT_CHARS)}… (${value.length} characters)`;
}

/** `Basic <redacted>`: the scheme tells how the client authenticated; the rest is the secret. */
function redactCredentials(value: string): string {
  const scheme = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,31})\s/.exec(value)?.[1];
  return scheme ? `${scheme} ${REDACTED}` : REDACTED;
}

function keptHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(', ') : value;
    out[name] = SECRET_HEADERS.has(name) ? redactCredentials(joined) : cut(joined);
  }
  return out;
}

function parseJsonOrUndefined(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What the log keeps of one request. */
export function tokenRequestRecord(request: {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly clientId: string | undefined;
  readonly form: Readonly<Record<string, string>>;
  readonly bodyBytes: number;
  readonly status: number;
}): TokenRequestRecord {
  const accepted = request.status === 200;
  const form: Record<string, string> = {};
  if (accepted) {
    for (const [name, value] of Object.entries(request.form))
      form[name] = SECRET_FORM_FIELDS.has(name) ? REDACTED : value;
  } else {
    for (const name of REFUSED_FORM_FIELDS) {
      const value = request.form[name];
      if (value !== undefined) form[name] = cut(value);
    }
  }
  const details = request.form.authorization_details;
  const authorization = request.headers.authorization;
  return {
    method: request.method,
    path: request.path,
    headers: keptHeaders(request.headers),
    authorization: authorization === undefined ? undefined : redactCredentials(authorization),
    clientId: request.clientId === undefined ? undefined : cut(request.clientId),
    form,
    authorizationDetails:
      accepted || (details?.length ?? 0) <= MAX_KEPT_DETAILS_CHARS ? parseJsonOrUndefined(details) : undefined,
    bodyBytes: request.bodyBytes,
    status: request.status,
    receivedAt: Date.now(),
  };
}
