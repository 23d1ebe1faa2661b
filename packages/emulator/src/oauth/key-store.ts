/**
 * Where the token signing key and the token state live: `<dataDir>/_oauth/` (the catalog loader
 * skips names starting with `_`). The key is what lets a token outlive the process that issued
 * it: a server restarted on the same data directory verifies the tokens it signed before.
 * Without a data directory the key is random per process, so nothing is written.
 */

import { createHash, randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The directory under the data directory that holds the OAuth state. */
export const OAUTH_DIR = '_oauth';
/** The HS256 key, as a JSON Web Key (RFC 7517), file mode 0600. */
export const SIGNING_KEY_FILE = 'signing-key.json';
/** The instant `faults.expireTokens()` last expired every token issued before it. */
const EXPIRED_BEFORE_FILE = 'tokens-expired-before.json';

const KEY_BYTES = 32;

/** An HS256 key and the id (`kid`) tokens signed with it carry. */
export interface SigningKey {
  readonly key: Buffer;
  readonly kid: string;
}

/** A key id derived from the key, so the same key file always gives the same `kid`. */
function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 16);
}

/** A new random key, for an emulator without a data directory. */
export function randomSigningKey(): SigningKey {
  const key = randomBytes(KEY_BYTES);
  return { key, kid: keyId(key) };
}

function parseKeyFile(path: string, text: string): SigningKey {
  const fail = (why: string): never => {
    throw new Error(
      `the token signing key ${path} ${why}; delete the file to make a new key (tokens signed with the old one are then refused)`,
    );
  };
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    return fail('is not JSON');
  }
  const { kty, k } = (typeof jwk === 'object' && jwk !== null ? jwk : {}) as Record<string, unknown>;
  if (kty !== 'oct' || typeof k !== 'string') return fail('is not a JSON Web Key with kty "oct" and "k"');
  const key = Buffer.from(k, 'base64url');
  if (key.length < KEY_BYTES) return fail(`holds ${key.length} key bytes, fewer than ${KEY_BYTES}`);
  return { key, kid: keyId(key) };
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the file itself was synced.
  }
}

/**
 * The signing key of `dir`, created on first use. Creation is put-if-absent (a synced temporary
 * file hard-linked into place), so two servers starting at once on one data directory end up
 * with the same key, and a crash never leaves a half-written one.
 */
export async function loadOrCreateSigningKey(dir: string): Promise<SigningKey> {
  const path = join(dir, SIGNING_KEY_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    return parseKeyFile(path, await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(KEY_BYTES);
  const jwk = { kty: 'oct', alg: 'HS256', use: 'sig', kid: keyId(key), k: key.toString('base64url') };
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(jwk)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
    await syncDirectory(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another server made it first
  } finally {
    await rm(temporary, { force: true });
  }
  return parseKeyFile(path, await readFile(path, 'utf8'));
}

/** Epoch ms at or before which every token counts as expired; 0 when tokens were never expired. */
export async function readExpiredBefore(dir: string): Promise<number> {
  const path = join(dir, EXPIRED_BEFORE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let value: unknown;
  try {
    value = (JSON.parse(text) as { expiredBeforeMs?: unknown } | null)?.expiredBeforeMs;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${path} has no numeric expiredBeforeMs; delete it (tokens expired by expireTokens() revive)`);
  }
  return value;
}

/** Records the cutoff of `faults.expireTokens()` (synchronous, as the fault hook is). */
export function writeExpiredBefore(dir: string, expiredBeforeMs: number): void {
  const path = join(dir, EXPIRED_BEFORE_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ expiredBeforeMs })}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
