/**
 * The recovery loop of a stream, whatever its protocol: after a retriable failure of the call,
 * the first attempt goes at once and the next ones after a backoff with jitter, each bounded by
 * `recoveryTimeoutMs`, at most `recoveryRetries` per outage (the budget is renewed by an
 * acknowledgement, or by a call that stayed up for a whole attempt's time limit). Spent retries
 * fail the stream with a retriable RECOVERY_FAILED: a new stream may get past the outage.
 */
import { toZerobusError, ZerobusError } from '../errors.js';
import type { Logger } from '../logger.js';
import { backoff, backoffDelay } from './backoff.js';
import type { EngineOptions } from './engine-context.js';
import type { RecoveredEvent, RecoveringEvent } from './stream-events.js';

/** What the loop reads and does on the stream it recovers (see StreamEngine). */
export interface RecoveryHost {
  options(): EngineOptions;
  logger(): Logger;
  random(): () => number;
  /** Aborts when the stream ends: a backoff or attempt under way stops at once. */
  ended(): AbortSignal;
  streamId(): string | undefined;
  isTerminal(): boolean;
  /** Attempts spent in the current outage. */
  attempts(): number;
  /** Spends one attempt; returns its number. */
  countAttempt(): number;
  /** Units sent before and unacknowledged: what a new call replays first. */
  replayable(): number;
  /** Opens a call and makes it current; false when the stream ended or moved on meanwhile. */
  openCall(signal: AbortSignal): Promise<boolean>;
  emit(event: 'recovering' | 'recovered', value: RecoveringEvent | RecoveredEvent): void;
  fail(error: ZerobusError): void;
}

export async function recover(host: RecoveryHost, cause: ZerobusError): Promise<void> {
  const options = host.options();
  const logger = host.logger();
  // Info, not warn: the application hears of it through the `recovering` event.
  logger.info({ streamId: host.streamId(), error: cause.message }, 'stream connection failed; recovering');
  let last = cause;
  while (!host.isTerminal()) {
    const spent = host.attempts();
    if (spent >= options.recoveryRetries) {
      const message = `recovery failed after ${spent} attempts: ${last.message}`;
      host.fail(new ZerobusError('RECOVERY_FAILED', message, { cause: last }));
      return;
    }
    // The first attempt of an outage goes at once.
    if (spent > 0) await backoff(backoffDelay(options, spent, host.random()), host.ended());
    if (host.isTerminal()) return;
    const attempt = host.countAttempt();
    host.emit('recovering', { error: last, attempt });
    const replayed = host.replayable();
    try {
      if (await host.openCall(host.ended())) {
        host.emit('recovered', { streamId: host.streamId(), attempts: attempt, replayed });
      }
      return;
    } catch (error) {
      if (host.isTerminal()) return; // ended meanwhile: the attempt was aborted
      last = toZerobusError(error);
      if (!last.retriable) {
        host.fail(last);
        return;
      }
      // Debug only: the next attempt's `recovering` event carries this failure; the last one fails the stream.
      logger.debug({ attempt, code: last.code, error: last.message }, 'recovery attempt failed');
    }
  }
}
