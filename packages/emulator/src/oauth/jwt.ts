/**
 * Compact JWS (RFC 7515) with HS256, on node:crypto: just what the emulator's access tokens need.
 * HS256 rather than ES256 because the emulator is both the issuer and the only verifier of its
 * tokens, so a shared secret loses nothing and needs no key pair; and node:crypto rather than
 * `jose`, because signing and checking one algorithm is a few lines and a dependency is not.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';

/** The JOSE header of every token the emulator signs. */
export interface JwtHeader {
  readonly alg: 'HS256';
  readonly typ: 'JWT';
  /** Names the signing key, so a token from another data directory is told apart at once. */
  readonly kid: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeJson(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function hmac(key: Buffer, signingInput: string): string {
  return createHmac('sha256', key).update(signingInput, 'ascii').digest('base64url');
}

/** `header.payload.signature`, each part base64url. */
export function signJwt(key: Buffer, kid: string, payload: object): string {
  const header: JwtHeader = { alg: 'HS256', typ: 'JWT', kid };
  const signingInput = `${encodeJson(header)}.${encodeJson(payload)}`;
  return `${signingInput}.${hmac(key, signingInput)}`;
}

/** What `verifyJwt` found: the payload when the signature holds, or why not. */
export type JwtCheck =
  | { readonly ok: true; readonly payload: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks the form, the header and the signature of `token`; the claims are the caller's. The
 * signature is compared as text, in constant time: comparing decoded bytes would accept the
 * variants of the last base64url character that decode to the same bytes.
 */
export function verifyJwt(key: Buffer, kid: string, token: string): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) {
    return { ok: false, reason: 'unknown access token (not a JWT this emulator issued)' };
  }
  const [encodedHeader, encodedPayload, signature] = parts as [string, string, string];
  const header = decodeJson(encodedHeader) as Partial<Record<keyof JwtHeader, unknown>> | undefined;
  if (typeof header !== 'object' || header === null || header.alg !== 'HS256') {
    return { ok: false, reason: 'unknown access token (its header does not name alg HS256)' };
  }
  if (header.kid !== kid) {
    return { ok: false, reason: 'unknown access token (signed with another key: another emulator or data directory)' };
  }
  const expected = Buffer.from(hmac(key, `${encodedHeader}.${encodedPayload}`), 'ascii');
  const actual = Buffer.from(signature, 'ascii');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return { ok: false, reason: 'invalid access token (signature does not match)' };
  }
  const payload = decodeJson(encodedPayload);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, reason: 'invalid access token (payload is not a JSON object)' };
  }
  return { ok: true, payload: payload as Record<string, unknown> };
}
