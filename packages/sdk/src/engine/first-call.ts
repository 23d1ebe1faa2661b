/** How a gRPC or Arrow stream opens its first call — retries and what they log — in one place for both. */
import { toZerobusError, type ZerobusError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type BackoffOptions, backoff, backoffDelay } from './backoff.js';

/** What {@link openFirstCall} needs of the stream being created. */
export interface FirstCallContext {
  readonly options: BackoffOptions & { readonly recovery: boolean; readonly recoveryRetries: number };
  readonly logger: Logger;
  /** Named in the log entries: `stream` or `Arrow stream`. */
  readonly kind: string;
  readonly table: string;
  /** The stream's source of backoff jitter (default `Math.random`). */
  readonly random?: () => number;
}

/**
 * Opens the first call with `open`; with recovery on, retriable failures are retried as in
 * recovery. Resolves to undefined once a call is open, else to the last failure (which the
 * caller rejects with). Each failed attempt is logged at debug only, as the application gets the
 * failure as an error; a creation that gets through after failed attempts is logged once at
 * warn, as nothing else tells the application.
 */
export async function openFirstCall(
  context: FirstCallContext,
  open: () => Promise<unknown>,
  signal: AbortSignal | undefined,
): Promise<ZerobusError | undefined> {
  const { options, logger, kind, table } = context;
  const attempts = options.recovery ? 1 + options.recoveryRetries : 1;
  let last: ZerobusError | undefined;
  let backoffMs = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    // An abort ends the backoff early (without an error); the attempt after it then fails with ABORTED.
    if (attempt > 1) await backoff(backoffMs, signal);
    try {
      await open();
      if (last) {
        const fields = { table, attempts: attempt, code: last.code, error: last.message };
        logger.warn(fields, `${kind} created after failed attempts`);
      }
      return undefined;
    } catch (error) {
      last = toZerobusError(error);
      if (!last.retriable || signal?.aborted) break;
      const retrying = attempt < attempts;
      // Drawn here, not before the next attempt, so that the entry can say it: the same draws in the same order.
      backoffMs = retrying ? backoffDelay(options, attempt, context.random) : 0;
      const fields = { table, attempt, attempts, code: last.code, error: last.message };
      logger.debug(retrying ? { ...fields, backoffMs } : fields, `${kind} creation failed`);
    }
  }
  return last;
}
