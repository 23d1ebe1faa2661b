/**
 * How a failed command ends: one `zerobus: …` message on stderr, exit code 1 — never 2, whether
 * the usage was wrong or the run failed — and, when the command was given `--json`, exactly one
 * JSON line on stdout, `{"ok":false,"error":{"code","message","hint"?}}`, the shape `zerobus
 * ingest --json` prints for a failed load (with its summary fields around it). A usage error adds
 * one line pointing at the command's help rather than the whole help. Every text printed goes
 * through `redactSecrets`: a message can echo an argument (parseArgs does) or a server's answer.
 */
import { UsageError } from './args.js';
import { knownSecrets, redactSecrets } from './credentials.js';

/** A failure the command can name, with a stable code for `--json` and advice for people. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** What `--json` says of a failure. */
export interface FailureInfo {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

/** Advice for the codes setups produce: wrong secret, wrong table name, nothing listening. */
const HINTS: Record<string, string> = {
  AUTH_FAILED:
    'check --client-id and the secret (--client-secret, --client-secret-file or DATABRICKS_CLIENT_SECRET), and --uc-endpoint',
  UNAUTHENTICATED: 'check --client-id and the secret, and that both endpoints belong to the same workspace',
  PERMISSION_DENIED:
    'grant the service principal USE CATALOG and USE SCHEMA on the parents, MODIFY and SELECT on the table',
  NOT_FOUND: 'check the table name; "zerobus tables create" creates a table',
  TABLE_DOES_NOT_EXIST: 'check the table name; "zerobus tables create" creates a table',
  CATALOG_DOES_NOT_EXIST: 'check the name, or create the catalog (tables create --create-parents)',
  SCHEMA_DOES_NOT_EXIST: 'check the name, or create the schema (tables create --create-parents)',
  AUTH_UNAVAILABLE: 'check --uc-endpoint (or DATABRICKS_HOST) and that the server is running',
  CATALOG_UNAVAILABLE: 'check --uc-endpoint (or DATABRICKS_HOST) and that the server is running',
  UNAVAILABLE: 'check --endpoint (or ZEROBUS_ENDPOINT) and that the server is running',
  CONNECTION: 'check --endpoint (or ZEROBUS_ENDPOINT) and that the server is running',
  ECONNREFUSED: 'check the endpoint and that the server is running',
  ENOENT: 'check the file name',
};

/** `Run "zerobus ingest --help" for usage.` — what a usage error says after its message. */
export function helpLine(command: string | undefined): string {
  return `Run "zerobus ${command === undefined ? '' : `${command} `}--help" for usage.`;
}

/** A usage error: one the CLI raised, or parseArgs' (unknown option, missing value...). */
export function isUsageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

/**
 * The code, message and hint of any thrown value: the CLI's codes, the SDK's (`ZerobusError`
 * codes: AUTH_FAILED, NOT_FOUND, UNAVAILABLE...), Unity Catalog's `error_code`, Node's (ENOENT).
 * The SDK writes its advice into the message as "… Fix: …": that part becomes the hint.
 */
export function failureInfo(error: unknown): FailureInfo {
  if (isUsageError(error)) return { code: 'USAGE', message: (error as Error).message };
  const message = error instanceof Error ? error.message : String(error);
  const own = (error as { code?: unknown; hint?: unknown } | null) ?? {};
  const code = typeof own.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(own.code) ? own.code : 'FAILED';
  const fix = /^(.*?)\.? Fix: (.*)$/s.exec(message);
  const hint = typeof own.hint === 'string' ? own.hint : fix ? fix[2]!.replace(/\.$/, '') : HINTS[code];
  return { code, message: fix ? fix[1]! : message, ...(hint !== undefined && { hint }) };
}

/** Whether the command's arguments ask for JSON output (before a `--` that ends the options). */
export function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** `text` without any secret this process knows. */
export function redacted(text: string): string {
  return redactSecrets(text, knownSecrets(process.argv.slice(2)));
}

/** The `--json` failure line's `error` object, secrets taken out. */
export function redactedInfo(info: FailureInfo): FailureInfo {
  return {
    code: info.code,
    message: redacted(info.message),
    ...(info.hint !== undefined && { hint: redacted(info.hint) }),
  };
}

/**
 * Reports a failure of `zerobus <command> <args>` and returns the exit code (always 1): the
 * message on stderr, a pointer to the command's help after a usage error, and with `--json` the
 * failure line on stdout.
 */
export function reportFailure(error: unknown, command: string | undefined, args: readonly string[]): number {
  const found = failureInfo(error);
  const info = redactedInfo(found.code === 'USAGE' ? { ...found, hint: helpLine(command) } : found);
  // People read the message as it was raised, the SDK's "Fix: …" included, then any other hint.
  const whole = redacted(error instanceof Error ? error.message : String(error));
  let text = `zerobus: ${whole}\n`;
  if (found.code === 'USAGE') text += `${info.hint}\n`;
  else if (info.hint !== undefined && !whole.includes(info.hint)) text += `zerobus: hint: ${info.hint}\n`;
  process.stderr.write(text);
  if (wantsJson(args)) process.stdout.write(`${JSON.stringify({ ok: false, error: info })}\n`);
  return 1;
}
