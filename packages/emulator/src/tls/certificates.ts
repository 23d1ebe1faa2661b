/**
 * A local certificate authority and the server certificates it signs, shaped as mkcert makes
 * them (REFERENCES.md §4): a CA certificate (CA:TRUE, path length 0) that clients trust, and a
 * separate CA:FALSE leaf with the host names in its SAN that the server presents. rustls-based
 * clients (the official SDKs on the Rust core) refuse a CA certificate used as the server's own
 * (`CaUsedAsEndEntity`), so one self-signed certificate cannot serve every client.
 *
 * Keys are EC P-256 (ECDSA with SHA-256), which every TLS stack accepts.
 */
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';

/** How long a new local CA is valid: ten years, as mkcert's. */
export const CA_VALID_DAYS = 3650;
/** How long a new server certificate is valid: under the 825 days clients accept for a leaf. */
export const LEAF_VALID_DAYS = 820;
/** The names every server certificate covers. */
export const DEFAULT_SERVER_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

const DAY_MS = 86_400_000;
/** Certificates start a minute in the past, for clients whose clock is slightly behind. */
const CLOCK_SKEW_MS = 60_000;
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** When a certificate is made and for how long; `now` is injectable for tests of expiry. */
export interface ValidityOptions {
  /** Default: the current time. */
  readonly now?: Date;
  readonly validDays?: number;
}

/**
 * A new local CA: CA:TRUE with path length 0, keyCertSign and cRLSign, a subject key
 * identifier, valid `validDays` (default ten years).
 */
export async function createLocalCa(options: ValidityOptions = {}): Promise<PemPair> {
  const keys = await generateKeys();
  const now = (options.now ?? new Date()).getTime();
  const name = `CN=Zerobus local server CA ${randomBytes(4).toString('hex')}, O=zerobus emulator`;
  const cert = await X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name,
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + (options.validDays ?? CA_VALID_DAYS) * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new BasicConstraintsExtension(true, 0, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: withFinalNewline(cert.toString('pem')), key: await exportKey(keys.privateKey) };
}

/**
 * A new server certificate signed by `ca`: CA:FALSE, EKU serverAuth, digitalSignature and
 * keyEncipherment, SANs for `localhost`, 127.0.0.1, ::1 and `names`, an authority key
 * identifier, valid `validDays` (default 820) but never past the CA's own end.
 */
export async function issueServerCertificate(
  ca: PemPair,
  names: readonly string[] = [],
  options: ValidityOptions = {},
): Promise<PemPair> {
  const caCert = new X509Certificate(ca.cert);
  const caKeyDer = createPrivateKey(ca.key).export({ type: 'pkcs8', format: 'der' });
  const caKey = await webcrypto.subtle.importKey('pkcs8', caKeyDer, KEY_ALGORITHM, false, ['sign']);
  const keys = await generateKeys();
  const now = (options.now ?? new Date()).getTime();
  const hosts = serverNames(names);
  const notAfter = Math.min(now + (options.validDays ?? LEAF_VALID_DAYS) * DAY_MS, caCert.notAfter.getTime());
  const cert = await X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${hosts[0]}, O=zerobus emulator`,
    issuer: caCert.subject,
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(notAfter),
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment, true),
      new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
      new SubjectAlternativeNameExtension(
        hosts.map((host) => (isIP(host) ? { type: 'ip', value: host } : { type: 'dns', value: host })),
      ),
      await AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: withFinalNewline(cert.toString('pem')), key: await exportKey(keys.privateKey) };
}

/** `localhost`, 127.0.0.1, ::1 and `names`, each once, in that order. */
export function serverNames(names: readonly string[]): string[] {
  return [...new Set([...DEFAULT_SERVER_NAMES, ...names.map((name) => name.trim()).filter((name) => name !== '')])];
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** PEM text ending in a line break, so that certificates can be concatenated into a chain. */
export function withFinalNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** 128 random bits, as mkcert's serials (the library keeps it positive). */
function serialNumber(): string {
  return randomBytes(16).toString('hex');
}
