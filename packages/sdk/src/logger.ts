/**
 * A small logger interface that a pino (or bunyan-style) logger satisfies as it is:
 * `logger.warn({ streamId }, 'message')`. Without a `logger` option the SDK logs nothing unless
 * `ZEROBUS_LOG` names a level (silent, error, warn, info, debug): then it writes to stderr at that
 * level. Callers never pass secrets: tokens, client secrets and header values stay out of every field.
 *
 * @example
 * ```ts
 * import { type Logger, ZerobusSdk } from '@zerobus/sdk';
 *
 * // The SDK's entries as JSON lines on stdout, next to the application's own; debug dropped.
 * const entry = (level: string) => (fields: object, message?: string) =>
 *   process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields })}\n`);
 * const logger: Logger = { error: entry('error'), warn: entry('warn'), info: entry('info'), debug: () => {} };
 * const sdk = new ZerobusSdk(serverEndpoint, unityCatalogEndpoint, { logger });
 * ```
 */
export interface Logger {
  /** Logs at error level: `fields` are structured context, `message` the text. */
  error(fields: object, message?: string): void;
  /** Logs at warn level. */
  warn(fields: object, message?: string): void;
  /** Logs at info level. */
  info(fields: object, message?: string): void;
  /** Logs at debug level. */
  debug(fields: object, message?: string): void;
}

/**
 * A log level of {@link createConsoleLogger}, from quietest to most verbose.
 *
 * @example
 * ```ts
 * import { createConsoleLogger, type LogLevel } from '@zerobus/sdk';
 *
 * const LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const satisfies readonly LogLevel[];
 * function toLogLevel(value: string | undefined): LogLevel {
 *   return LEVELS.find((level) => level === value?.toLowerCase()) ?? 'warn';
 * }
 * const logger = createConsoleLogger(toLogLevel(process.env.INGEST_LOG_LEVEL));
 * ```
 */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** `ZEROBUS_LOG`'s level, or `undefined` when it names none. */
function levelFromEnv(): LogLevel | undefined {
  const value = (process.env.ZEROBUS_LOG ?? '').toLowerCase();
  return value in LEVELS ? (value as LogLevel) : undefined;
}

/**
 * A logger that writes one line per entry to stderr, prefixed with `zerobus`. Its level is
 * `level`, or else `ZEROBUS_LOG`'s (default `warn`). A `ZerobusSdk` given no logger is silent
 * unless `ZEROBUS_LOG` is set; pass this one to see its warnings without the variable.
 *
 * @example
 * ```ts
 * import { createConsoleLogger, ZerobusSdk } from '@zerobus/sdk';
 *
 * // Info and above, whatever ZEROBUS_LOG says; one line per entry on stderr, such as
 * // zerobus warn: stream connection failed; recovering {"streamId":"…","error":"UNAVAILABLE: …"}
 * const sdk = new ZerobusSdk(serverEndpoint, unityCatalogEndpoint, { logger: createConsoleLogger('info') });
 * ```
 */
export function createConsoleLogger(level: LogLevel = levelFromEnv() ?? 'warn'): Logger {
  const threshold = LEVELS[level];
  const write = (name: Exclude<LogLevel, 'silent'>) => (fields: object, message?: string) => {
    if (LEVELS[name] > threshold) return;
    const extra = Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : '';
    process.stderr.write(`zerobus ${name}: ${message ?? ''}${extra}\n`);
  };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}

function safeJson(fields: object): string {
  try {
    return JSON.stringify(fields, (_key, value) => (value instanceof Error ? value.message : value));
  } catch {
    return '[unserializable fields]';
  }
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * The logger of a `ZerobusSdk` given none: quiet, as a library should be (the application gets
 * failures as rejections and events), unless `ZEROBUS_LOG` names a level, which turns on stderr
 * at that level without a code change.
 */
export function defaultSdkLogger(): Logger {
  const level = levelFromEnv();
  return level === undefined ? silentLogger : createConsoleLogger(level);
}
