/**
 * A small logger interface that a pino (or bunyan-style) logger satisfies as it is:
 * `logger.warn({ streamId }, 'message')`. The default writes to stderr at the level named by
 * `ZEROBUS_LOG` (silent, error, warn, info, debug; default warn). Callers never pass secrets:
 * tokens, client secrets and header values stay out of every field.
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

/** A log level of {@link createConsoleLogger}, from quietest to most verbose. */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

function levelFromEnv(): LogLevel {
  const value = (process.env.ZEROBUS_LOG ?? '').toLowerCase();
  return value in LEVELS ? (value as LogLevel) : 'warn';
}

/** A logger that writes one line per entry to stderr, prefixed with `zerobus`. */
export function createConsoleLogger(level: LogLevel = levelFromEnv()): Logger {
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
