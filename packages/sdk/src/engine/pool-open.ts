/**
 * How a pool's streams are opened: concurrently, each with an error callback that tells the pool
 * at once that a stream with pending requests failed, under the pool's own signal, so that the
 * user's signal, a sibling that failed to open or close() abandons the streams still opening.
 */
import type { CreateStreamParams } from '../sdk.js';
import { abortError } from './offset-waiters.js';
import type { PoolHost, PoolSlots } from './pool-slots.js';
import type { ZerobusStream } from './stream.js';

/** Opens the `size` streams of a pool; when one fails to open, the others are closed and the first failure is thrown. */
export async function openPoolStreams(
  host: PoolHost,
  params: CreateStreamParams,
  core: PoolSlots,
  size: number,
): Promise<ZerobusStream[]> {
  const lifetime = core.lifetime;
  const userSignal = params.signal;
  const onAbort = () => lifetime.abort(userSignal?.reason);
  userSignal?.addEventListener('abort', onAbort, { once: true });
  let first: unknown;
  const created = await Promise.allSettled(
    Array.from({ length: size }, (_, slot) =>
      host
        .createStream({
          ...params,
          // The error callback tells the pool at once that a stream with pending requests failed.
          options: { ...params.options, ackCallback: { onError: () => core.onStreamError(slot) } },
          // The pool's own signal: the user's signal, a failed sibling or close() abandons streams still opening.
          signal: lifetime.signal,
        })
        .catch((error: unknown) => {
          first ??= error;
          lifetime.abort(error); // the others need not finish opening
          throw error;
        }),
    ),
  );
  userSignal?.removeEventListener('abort', onAbort);
  const streams = created.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (streams.length < size || lifetime.signal.aborted) {
    await Promise.allSettled(streams.map((stream) => stream.close()));
    throw first ?? abortError(userSignal as AbortSignal, 'createStreamPool');
  }
  return streams;
}
