/** The once-only bookkeeping of `ZerobusSdk.recreateStream`: whose records were moved, kept apart from stream creation. */
import type { ZerobusStream } from './engine/stream.js';
import { NonRetriableError } from './errors.js';

/** A recreateStream of one stream: under way (`next` unset) or done. */
export interface Recreation {
  next: ZerobusStream | undefined;
}

/** Streams whose records were (or are being) moved by recreateStream: moved once, never twice. */
export class StreamRecreations {
  readonly #recreations = new WeakMap<ZerobusStream, Recreation>();

  /** Throws the `INVALID_STATE` error of a second recreateStream if `stream`'s records were claimed. */
  assertUnclaimed(stream: ZerobusStream): void {
    const earlier = this.#recreations.get(stream);
    if (earlier) throw alreadyRecreated(earlier);
  }

  /** Claims the move of `stream`'s records; synchronous, so that a concurrent call sees the claim. */
  claim(stream: ZerobusStream): Recreation {
    this.assertUnclaimed(stream);
    const recreation: Recreation = { next: undefined };
    this.#recreations.set(stream, recreation);
    return recreation;
  }

  /** The recreation failed and nothing moved: the records may be recreated again. */
  release(stream: ZerobusStream): void {
    this.#recreations.delete(stream);
  }
}

/** The error of a second recreateStream of one stream, pointing at the stream the first one made. */
function alreadyRecreated(recreation: Recreation): NonRetriableError {
  const next = recreation.next;
  return new NonRetriableError(
    'INVALID_STATE',
    next === undefined
      ? 'this stream is being recreated already (another recreateStream call is under way): its ' +
          'unacknowledged records move to that new stream, once'
      : `this stream was already recreated as stream ${next.streamId ?? '(not open)'} (now ${next.state}): its ` +
          'unacknowledged records were moved there once; ingest into that stream, or recreate it if it failed',
  );
}
