/** Shared argument handling: usage errors exit with code 1 and point at the command's help (failure.ts). */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function port(value: string | undefined, name: string): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--${name} must be a port number, got ${JSON.stringify(value)}`);
  return n;
}

export function nonNegativeInteger(value: string, name: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** `--principal id:secret` values: the secret may itself contain colons. */
export function principal(value: string): { clientId: string; clientSecret: string } {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) {
    throw new UsageError('--principal takes CLIENT_ID:CLIENT_SECRET');
  }
  return { clientId: value.slice(0, colon), clientSecret: value.slice(colon + 1) };
}

/** The command has already said what went wrong (stderr, and its --json line): exit with `exitCode`, adding nothing. */
export class ReportedFailure extends Error {
  override readonly name = 'ReportedFailure';
  constructor(readonly exitCode = 1) {
    super(`exit ${exitCode}`);
  }
}

export function positiveInteger(value: string, name: string): number {
  const n = nonNegativeInteger(value, name);
  if (n === 0) throw new UsageError(`--${name} must be at least 1`);
  return n;
}

/** `value` if it is one of `allowed`, else a usage error listing them. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
}
