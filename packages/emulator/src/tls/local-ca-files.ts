/**
 * The local CA and server certificate kept on disk, so that clients which trusted the CA keep
 * trusting a restarted server: the CA certificate at the path clients are given, its key and the
 * server's certificate and key beside it (mode 0600). Reused while valid; a server certificate
 * that expired or does not cover the names asked for is reissued by the same CA, and only a CA
 * that expired, is unreadable or does not match its key is replaced (clients must trust it again).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { createLocalCa, issueServerCertificate, type PemPair, serverNames, withFinalNewline } from './certificates.js';
import type { TlsKeyPair } from './self-signed.js';

/** Files are reused only while they stay valid this much longer. */
const RENEW_MARGIN_MS = 86_400_000;

/**
 * Where the pieces live, for a CA certificate at `caFile` (`ca.pem` → `ca-key.pem`,
 * `ca-server.pem`, `ca-server-key.pem`).
 *
 * @example
 * ```ts
 * import { loadOrCreateLocalTls } from '@zerobus/emulator';
 *
 * const { files } = await loadOrCreateLocalTls('.zerobus/ca.pem');
 * console.log(`trust ${files.caFile}; keep ${files.caKeyFile} private`);
 * ```
 */
export interface LocalTlsFiles {
  /** The CA certificate (PEM): what clients trust. */
  readonly caFile: string;
  /** The CA's private key (mode 0600). */
  readonly caKeyFile: string;
  /** The server certificate the CA signed (mode 0600). */
  readonly certFile: string;
  /** The server certificate's private key (mode 0600). */
  readonly keyFile: string;
}

/**
 * A server certificate chain and key from `loadOrCreateLocalTls()`, with the CA that clients
 * trust and what was made anew.
 *
 * @example
 * ```ts
 * import { loadOrCreateLocalTls } from '@zerobus/emulator';
 *
 * const tls = await loadOrCreateLocalTls('.zerobus/ca.pem');
 * if (tls.created === 'new-ca') console.log(`a new CA: clients must trust ${tls.files.caFile} again`);
 * ```
 */
export interface LocalTls extends TlsKeyPair {
  /** The CA certificate (PEM), the same as the contents of `files.caFile`. */
  readonly ca: string;
  /** `reused`: all as on disk; `new-certificate`: the CA was kept; `new-ca`: all made anew. */
  readonly created: 'reused' | 'new-certificate' | 'new-ca';
  /** Where the CA, its key and the server's certificate and key are kept. */
  readonly files: LocalTlsFiles;
}

/**
 * Options of `loadOrCreateLocalTls()`.
 *
 * @example
 * ```ts
 * import { loadOrCreateLocalTls, type LocalTlsOptions } from '@zerobus/emulator';
 *
 * // a server other containers reach as https://zerobus:PORT
 * const options: LocalTlsOptions = { names: ['zerobus'] };
 * const tls = await loadOrCreateLocalTls('certs/ca.pem', options);
 * ```
 */
export interface LocalTlsOptions {
  /** Host names or IP addresses the certificate must cover besides localhost, 127.0.0.1 and ::1. */
  readonly names?: readonly string[];
  /** The current time (tests of expiry). Default: now. */
  readonly now?: Date;
}

export function localTlsFiles(caFile: string): LocalTlsFiles {
  const stem = caFile.replace(/\.(pem|crt|cer)$/i, '');
  return { caFile, caKeyFile: `${stem}-key.pem`, certFile: `${stem}-server.pem`, keyFile: `${stem}-server-key.pem` };
}

/**
 * The local CA at `caFile` and a server certificate it signed for localhost, 127.0.0.1, ::1 and
 * `names`: read from disk while still valid, otherwise made and written there.
 *
 * @example
 * ```ts
 * import { loadOrCreateLocalTls, startEmulator } from '@zerobus/emulator';
 * import { ZerobusSdk } from '@zerobus/sdk';
 *
 * // the same CA on every run: clients configured once keep trusting the restarted server
 * const tls = await loadOrCreateLocalTls('.zerobus/ca.pem');
 * await using emulator = await startEmulator({ tls });
 * const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { tlsRootCerts: tls.ca });
 * ```
 */
export async function loadOrCreateLocalTls(caFile: string, options: LocalTlsOptions = {}): Promise<LocalTls> {
  const files = localTlsFiles(caFile);
  const now = options.now ?? new Date();
  const names = serverNames(options.names ?? []);
  let ca = await readPair(files.caFile, files.caKeyFile);
  let created: LocalTls['created'] = 'reused';
  if (!ca || !usableCa(ca, now)) {
    ca = await createLocalCa({ now });
    created = 'new-ca';
  }
  let leaf = created === 'reused' ? await readPair(files.certFile, files.keyFile) : undefined;
  if (!leaf || !usableLeaf(leaf, ca, names, now)) {
    leaf = await issueServerCertificate(ca, names, { now });
    if (created === 'reused') created = 'new-certificate';
  }
  if (created !== 'reused') {
    await mkdir(dirname(caFile), { recursive: true });
    // Keys first, the CA certificate last: an interrupted write leaves files that do not match,
    // which the next start replaces.
    await writeAtomically(files.keyFile, leaf.key, 0o600);
    await writeAtomically(files.certFile, leaf.cert, 0o600);
    if (created === 'new-ca') {
      await writeAtomically(files.caKeyFile, ca.key, 0o600);
      await writeAtomically(files.caFile, ca.cert, 0o644);
    }
  }
  return { cert: withFinalNewline(leaf.cert) + ca.cert, key: leaf.key, ca: ca.cert, created, files };
}

async function readPair(certFile: string, keyFile: string): Promise<PemPair | undefined> {
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function usableCa(pair: PemPair, now: Date): boolean {
  const cert = parse(pair);
  return cert?.ca === true && validAt(cert, now);
}

function usableLeaf(pair: PemPair, ca: PemPair, names: readonly string[], now: Date): boolean {
  const cert = parse(pair);
  const issuer = new X509Certificate(ca.cert);
  return (
    cert !== undefined &&
    !cert.ca &&
    cert.checkIssued(issuer) &&
    cert.verify(issuer.publicKey) &&
    validAt(cert, now) &&
    names.every((name) => (isIP(name) ? cert.checkIP(name) : cert.checkHost(name, { subject: 'never' })) !== undefined)
  );
}

/** The certificate, if it parses and `key` is its private key. */
function parse(pair: PemPair): X509Certificate | undefined {
  try {
    const cert = new X509Certificate(pair.cert);
    return cert.checkPrivateKey(createPrivateKey(pair.key)) ? cert : undefined;
  } catch {
    return undefined;
  }
}

function validAt(cert: X509Certificate, now: Date): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return from <= now.getTime() && now.getTime() + RENEW_MARGIN_MS < to;
}

/** Written beside and renamed into place, so a reader never sees half a file; `mode` even if it existed. */
async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await chmod(temporary, mode);
  await rename(temporary, path);
}
