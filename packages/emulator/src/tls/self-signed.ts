/**
 * A self-signed certificate for serving the local server over TLS in tests and on a laptop:
 * valid for `localhost`, 127.0.0.1 and ::1 (plus any given names), so a client that trusts the
 * returned `cert` (the SDK's `tlsRootCerts`) verifies the server's name as usual.
 */
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

/**
 * A PEM certificate and its private key.
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
  /** PEM certificate; also what clients trust as their CA. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

/**
 * Makes a self-signed certificate (EC P-256) valid for `localhost`, 127.0.0.1, ::1 and `names`,
 * for `validDays` days (default 30). Serve with it (`startEmulator({ tls })`) and trust its `cert`
 * on the client (the SDK's `tlsRootCerts`).
 *
 * @example
 * ```ts
 * import { generateSelfSignedCertificate, startEmulator } from '@zerobus/emulator';
 * import { ZerobusSdk } from '@zerobus/sdk';
 *
 * const tls = await generateSelfSignedCertificate();
 * await using emulator = await startEmulator({ tls }); // endpoints are https://
 * const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { tlsRootCerts: tls.cert });
 * ```
 */
export async function generateSelfSignedCertificate(
  names: readonly string[] = [],
  options: { validDays?: number } = {},
): Promise<TlsKeyPair> {
  const all = [...new Set(['localhost', '127.0.0.1', '::1', ...names])];
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: 'zerobus-emulator' }], {
    keyType: 'ec',
    curve: 'P-256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + (options.validDays ?? 30) * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: all.map((name) => (isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name })),
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
