/**
 * The events a `ZerobusStream` emits (it is a `node:events` EventEmitter typed by
 * `StreamEvents`), and how the engine emits them: a listener that throws or rejects is logged
 * and never reaches the engine, and the other listeners still run. Events only report: every
 * outcome is also delivered through the promises and `ackCallback`, so nothing depends on
 * anyone listening.
 */
import type { EventEmitter } from 'node:events';
import type { ZerobusError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * The argument of the `recovering` event: a reconnection attempt begins.
 *
 * @example
 * ```ts
 * import type { RecoveringEvent } from '@zerobus/sdk';
 *
 * function onRecovering({ attempt, error }: RecoveringEvent): void {
 *   console.warn(`${stream.tableName}: reconnecting, attempt ${attempt} (${error.code}: ${error.message})`);
 * }
 * stream.on('recovering', onRecovering);
 * ```
 */
export interface RecoveringEvent {
  /** Why the stream is reconnecting: the connection's failure, then each failed attempt's. */
  readonly error: ZerobusError;
  /** This attempt's number in the current outage, from 1; the stream fails after `recoveryRetries`. */
  readonly attempt: number;
}

/**
 * The argument of the `recovered` event: the stream is on a new call.
 *
 * @example
 * ```ts
 * import type { RecoveredEvent } from '@zerobus/sdk';
 *
 * stream.on('recovered', ({ streamId, attempts, replayed }: RecoveredEvent) => {
 *   console.info(`reconnected as ${streamId} after ${attempts} attempt(s), ${replayed} requests sent again`);
 * });
 * ```
 */
export interface RecoveredEvent {
  /** The server's id for the new call; `undefined` on an Arrow stream (Arrow Flight calls have none). */
  readonly streamId: string | undefined;
  /** Attempts this outage took. */
  readonly attempts: number;
  /** Requests sent before and unacknowledged, sent again first on the new call (a batch is one). */
  readonly replayed: number;
}

/**
 * The argument of the `closeSignal` event: the server announced it will close the call.
 *
 * @example
 * ```ts
 * import type { CloseSignalEvent } from '@zerobus/sdk';
 *
 * stream.on('closeSignal', ({ durationMs }: CloseSignalEvent) => {
 *   const when = durationMs === undefined ? 'soon' : `in ${durationMs} ms`;
 *   console.info(`server ends the call ${when}; with recovery on, the stream moves to a new one`);
 * });
 * ```
 */
export interface CloseSignalEvent {
  /** How long the server said it would keep the call open, when it said. */
  readonly durationMs: number | undefined;
}

/**
 * Event names and listener arguments of `ZerobusStream`.
 *
 * @example
 * ```ts
 * let durable = -1;
 * stream.on('ack', (offset) => {
 *   durable = offset; // every offset up to here is durable
 * });
 * // Emitted only while a listener exists, so an unwatched failure never crashes the process.
 * stream.on('error', (error) => {
 *   const unacked = stream.getUnackedRecords().length;
 *   console.error(`stream failed (${error.code}), durable through ${durable}, ${unacked} records not`);
 * });
 * ```
 */
export interface StreamEvents {
  /** The acknowledged offset moved forward: every offset up to `offset` is durable. Once per ack that advances. */
  ack: [offset: number];
  /**
   * The stream failed for good (the error its waits reject with). Emitted only when an 'error'
   * listener is registered, so a process that does not listen never crashes on it.
   */
  error: [error: ZerobusError];
  /** A retriable failure: a reconnection attempt begins. */
  recovering: [event: RecoveringEvent];
  /** Reconnected after `recovering`; unacknowledged requests are being replayed. */
  recovered: [event: RecoveredEvent];
  /** The server announced it will close the call; the stream moves to a new one (unless recovery is off). */
  closeSignal: [event: CloseSignalEvent];
}

type AnyListener = (...args: unknown[]) => unknown;

/** Calls each listener of `event` in turn; exceptions and rejections are logged, not thrown. */
export function emitSafely<K extends keyof StreamEvents>(
  emitter: EventEmitter<StreamEvents>,
  logger: Logger,
  event: K,
  ...args: StreamEvents[K]
): void {
  // Checked first so that an event nobody listens to costs one lookup (the ack path runs often).
  if (emitter.listenerCount(event) === 0) return;
  // rawListeners keeps `once` wrappers, which remove themselves when called, as `emit` does.
  for (const listener of emitter.rawListeners(event) as AnyListener[]) {
    try {
      const result = listener.apply(emitter, args);
      if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(undefined, (error: unknown) => report(logger, event, error));
      }
    } catch (error) {
      report(logger, event, error);
    }
  }
}

function report(logger: Logger, event: string, error: unknown): void {
  logger.warn({ event, error: error instanceof Error ? error.message : String(error) }, 'stream event listener threw');
}
