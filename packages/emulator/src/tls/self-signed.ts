/**
 * Certificates for serving the local server over TLS in tests and on a laptop: a new local CA
 * and a server certificate it signs, valid for `localhost`, 127.0.0.1 and ::1 (plus any given
 * names), so a client that trusts the CA (the SDK's `tlsRootCerts`) verifies the server's name as
 * usual. For a CA that survives restarts, see `loadOrCreateLocalTls()`.
 */
import { createLocalCa, issueServerCertificate } from './certificates.js';

/**
 * A PEM certificate (chain) and its private key, and optionally the CA that signed it.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { startEmulator, type TlsKeyPair } from '@zerobus/emulator';
 *
 * // serve with a certificate of your own (e.g. from mkcert) rather than a generated one
 * const tls: TlsKeyPair = {
 *   cert: await readFile('certs/localhost.pem', 'utf8'),
 *   key: await readFile('certs/localhost-key.pem', 'utf8'),
 * };
 * await using emulator = await startEmulator({ tls }); // endpoints are https://
 * ```
 */
export interface TlsKeyPair {
  /** PEM server certificate, followed by the certificates of its chain. */
  readonly cert: string;
  /** PEM private key of the server certificate. */
  readonly key: string;
  /** PEM certificate of the CA that signed `cert`: what clients trust. */
  readonly ca?: string;
}

/**
 * Makes a new local CA and a server certificate it signs (both EC P-256), valid for `localhost`,
 * 127.0.0.1, ::1 and `names`, the server certificate for `validDays` days (default 30). Serve with
 * it (`startEmulator({ tls })`) and trust its `ca` on the client (the SDK's `tlsRootCerts`).
 * The server certificate is CA:FALSE, as rustls-based clients require.
 *
 * @example
 * ```ts
 * import { generateSelfSignedCertificate, startEmulator } from '@zerobus/emulator';
 * import { ZerobusSdk } from '@zerobus/sdk';
 *
 * const tls = await generateSelfSignedCertificate();
 * await using emulator = await startEmulator({ tls }); // endpoints are https://
 * const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { tlsRootCerts: tls.ca });
 * ```
 */
export async function generateSelfSignedCertificate(
  names: readonly string[] = [],
  options: { validDays?: number } = {},
): Promise<Required<TlsKeyPair>> {
  const ca = await createLocalCa();
  const leaf = await issueServerCertificate(ca, names, { validDays: options.validDays ?? 30 });
  return { cert: leaf.cert + ca.cert, key: leaf.key, ca: ca.cert };
}
