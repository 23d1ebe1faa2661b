/**
 * `ZerobusSdk.recreateStream`, apart from stream creation: the once-only bookkeeping of whose
 * unacknowledged units were moved, and the move itself, for both kinds of stream (gRPC records
 * keep their batch structure; Arrow batches are re-sent sliced to the rows not yet durable).
 */
import { ArrowStream } from './arrow/arrow-stream.js';
import { payloadsOf } from './engine/request-queue.js';
import { enqueueEncoded, unackedRequests, type ZerobusStream } from './engine/stream.js';
import { NonRetriableError } from './errors.js';

/** A stream recreateStream takes. */
export type RecreatableStream = ZerobusStream | ArrowStream;

/** A recreateStream of one stream: under way (`next` unset) or done. */
interface Recreation {
  next: RecreatableStream | undefined;
}

/** Streams whose units were (or are being) moved by recreateStream: moved once, never twice. */
export class StreamRecreations {
  readonly #recreations = new WeakMap<RecreatableStream, Recreation>();

  /**
   * Creates the stream that replaces `stream` with `create`, then queues there what `stream`
   * left unacknowledged, in order. Throws `INVALID_STATE` for a stream still open or already
   * recreated; when `create` fails, nothing moved and the stream may be recreated again.
   */
  async recreate<S extends RecreatableStream>(stream: S, create: () => Promise<S>): Promise<S> {
    this.#assertUnclaimed(stream);
    const move = unackedMover(stream); // throws on a stream still open
    // Claimed before the first await, so that a concurrent call sees it.
    const recreation: Recreation = { next: undefined };
    this.#recreations.set(stream, recreation);
    let next: S;
    try {
      next = await create();
    } catch (error) {
      this.#recreations.delete(stream); // nothing moved: the units may be recreated again
      throw error;
    }
    recreation.next = next;
    await move(next);
    return next;
  }

  #assertUnclaimed(stream: RecreatableStream): void {
    const earlier = this.#recreations.get(stream);
    if (earlier) throw alreadyRecreated(earlier);
  }
}

/** What `stream` left unacknowledged, taken now, and how to queue it on its successor. */
function unackedMover<S extends RecreatableStream>(stream: S): (next: S) => Promise<void> {
  if (stream instanceof ArrowStream) {
    const batches = stream.getUnackedBatches();
    return async (next) => {
      for (const batch of batches) await (next as ArrowStream).ingestBatchOffset(batch);
    };
  }
  const requests = (stream as ZerobusStream)[unackedRequests]();
  return async (next) => {
    for (const request of requests) await (next as ZerobusStream)[enqueueEncoded](payloadsOf(request), request.batch);
  };
}

/** The error of a second recreateStream of one stream, pointing at the stream the first one made. */
function alreadyRecreated(recreation: Recreation): NonRetriableError {
  const next = recreation.next;
  const id = next && !(next instanceof ArrowStream) ? `stream ${next.streamId ?? '(not open)'}` : 'a new stream';
  return new NonRetriableError(
    'INVALID_STATE',
    next === undefined
      ? 'this stream is being recreated already (another recreateStream call is under way): its ' +
          'unacknowledged records move to that new stream, once'
      : `this stream was already recreated as ${id} (now ${next.state}): its ` +
          'unacknowledged records were moved there once; ingest into that stream, or recreate it if it failed',
  );
}
