/**
 * Workspace credentials from flags, else from the environment variables Databricks tools use
 * (DATABRICKS_HOST, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET). The secret can also come
 * from a file (`--client-secret-file`), which keeps it out of the process list and shell history.
 * Secrets are never echoed: `redactSecrets()` takes every secret this process knows out of a
 * message before it is printed.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';

export interface CredentialFlags {
  readonly 'uc-endpoint'?: string | undefined;
  readonly 'client-id'?: string | undefined;
  readonly 'client-secret'?: string | undefined;
  readonly 'client-secret-file'?: string | undefined;
}

export interface Credentials {
  readonly unityCatalogEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Secrets read from files, to be redacted like those given on the command line. */
const secretsReadFromFiles = new Set<string>();

export function credentialsFrom(flags: CredentialFlags, env: NodeJS.ProcessEnv = process.env): Credentials {
  const pick = (flag: keyof CredentialFlags, variable: string): string => {
    const value = flags[flag] ?? env[variable];
    if (value === undefined || value === '') throw new UsageError(`--${flag} (or ${variable}) is required`);
    return value;
  };
  return {
    unityCatalogEndpoint: pick('uc-endpoint', 'DATABRICKS_HOST'),
    clientId: pick('client-id', 'DATABRICKS_CLIENT_ID'),
    clientSecret: clientSecret(flags, env),
  };
}

/** `--client-secret`, else `--client-secret-file`, else DATABRICKS_CLIENT_SECRET. */
function clientSecret(flags: CredentialFlags, env: NodeJS.ProcessEnv): string {
  const file = flags['client-secret-file'];
  if (flags['client-secret'] !== undefined && file !== undefined) {
    throw new UsageError('give --client-secret or --client-secret-file, not both');
  }
  if (flags['client-secret'] !== undefined && flags['client-secret'] !== '') return flags['client-secret'];
  if (file !== undefined) return readSecretFile(file);
  const value = env.DATABRICKS_CLIENT_SECRET;
  if (value === undefined || value === '') {
    throw new UsageError(
      '--client-secret (or DATABRICKS_CLIENT_SECRET) is required; or give --client-secret-file FILE',
    );
  }
  return value;
}

/** The file's text without its trailing line break (as `echo secret > FILE` leaves it). */
function readSecretFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--client-secret-file ${file}: cannot read it (${code ?? 'error'})`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`--client-secret-file ${file} is empty`);
  if (/[\r\n]/.test(secret)) {
    throw new UsageError(`--client-secret-file ${file} has more than one line: it should hold only the secret`);
  }
  secretsReadFromFiles.add(secret);
  return secret;
}

/**
 * Every secret this process knows: `--client-secret` values, the secret part of `--principal
 * ID:SECRET`, DATABRICKS_CLIENT_SECRET and the contents of secret files read so far.
 */
export function knownSecrets(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets = new Set(secretsReadFromFiles);
  if (env.DATABRICKS_CLIENT_SECRET) secrets.add(env.DATABRICKS_CLIENT_SECRET);
  argv.forEach((arg, i) => {
    for (const flag of ['--client-secret', '--principal']) {
      const value = arg === flag ? argv[i + 1] : arg.startsWith(`${flag}=`) ? arg.slice(flag.length + 1) : undefined;
      if (value === undefined) continue;
      const secret = flag === '--principal' ? value.slice(value.indexOf(':') + 1) : value;
      if (secret !== '') secrets.add(secret);
    }
  });
  // Longest first, so that a secret containing another is replaced whole.
  return [...secrets].sort((a, b) => b.length - a.length);
}

/** `text` with every known secret replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) redacted = redacted.replaceAll(secret, '***');
  return redacted;
}
