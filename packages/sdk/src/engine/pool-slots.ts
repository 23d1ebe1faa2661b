/**
 * The inside of a `StreamPool`: its streams ("slots", each holding the current stream of a
 * position and the generations it replaced), routing, room tracking, and what happens when a
 * stream fails: a retriable failure replaces the stream through `recreateStream` (at most
 * `maxStreamReplacements` times in a row without an acknowledgement), anything else fails the
 * pool, which then closes its other streams.
 */
import { NonRetriableError, streamFailedError, toZerobusError, ZerobusError } from '../errors.js';
import type { ZerobusSdk } from '../sdk.js';
import { type PoolGeneration, poolGeneration } from './pool-offset.js';
import { RoomWaiters } from './room-waiters.js';
import type { ZerobusStream } from './stream.js';
import type { StreamStats } from './stream-metrics.js';

export type PoolHost = Pick<ZerobusSdk, 'createStream' | 'recreateStream'>;

export interface Slot {
  readonly index: number;
  current: PoolGeneration;
  /** Set while the failed `current` is being replaced; never rejects. */
  replacing: Promise<void> | undefined;
  /** Failures in a row without an acknowledgement in between. */
  strikes: number;
}

/** @internal */
export class PoolSlots {
  readonly slots: Slot[] = [];
  readonly roomWaiters = new RoomWaiters();
  readonly readyWaiters = new RoomWaiters();
  /** Signal of every stream creation; aborted when the pool fails, so replacements under way stop. */
  readonly lifetime = new AbortController();
  /** Final stats of the streams replaced so far. */
  readonly retired: StreamStats[] = [];
  phase: 'open' | 'closed' | 'failed' = 'open';
  closing = false;
  failure: ZerobusError | undefined;
  readonly #host: PoolHost;
  readonly #maxReplacements: number;
  #cursor = 0;
  #settled: Promise<unknown> | undefined;

  constructor(host: PoolHost, maxReplacements: number) {
    this.#host = host;
    this.#maxReplacements = maxReplacements;
  }

  add(pool: object, stream: ZerobusStream): void {
    const index = this.slots.length;
    this.slots.push({ index, current: poolGeneration(pool, index, 0, stream), replacing: undefined, strikes: 0 });
  }

  // --- routing ---------------------------------------------------------------------------------

  /** The least-loaded usable stream, those with room first; round-robin among equals. */
  pick(): Slot | undefined {
    const slots = this.slots;
    const n = slots.length;
    let best: Slot | undefined;
    let bestRoom = false;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (let k = 0; k < n; k++) {
      const slot = slots[(this.#cursor + k) % n] as Slot;
      if (slot.replacing) continue;
      const generation = slot.current;
      const state = generation.stream.state;
      if (state === 'failed') this.noticeFailure(slot, generation);
      if (state === 'failed' || state === 'closing' || state === 'closed') continue;
      const room = !generation.full;
      const load = generation.stream.pendingRequests;
      if (room === bestRoom ? load < bestLoad : room) {
        best = slot;
        bestRoom = room;
        bestLoad = load;
      }
    }
    if (best) this.#cursor = (best.index + 1) % n;
    return best;
  }

  /** Whether some stream takes records and has room. */
  hasRoom(): boolean {
    for (const slot of this.slots) {
      const state = slot.current.stream.state;
      if (!slot.replacing && !slot.current.full && (state === 'open' || state === 'paused' || state === 'recovering')) {
        return true;
      }
    }
    return false;
  }

  /** After an ingest on `generation`'s stream, which answered whether it still has room. */
  afterIngest(generation: PoolGeneration, room: boolean): void {
    if (!room) {
      generation.full = true;
      generation.fullCount++;
      this.#watchRoom(generation);
    }
    // Room waiters are woken one at a time, each by the one before it (as in a stream).
    if (this.roomWaiters.size > 0 && this.hasRoom()) this.roomWaiters.wake(1);
  }

  /** Clears `full` once the stream has room again, and wakes the pool's waiters. */
  #watchRoom(generation: PoolGeneration): void {
    if (generation.watching) return;
    generation.watching = true;
    const count = generation.fullCount;
    const settle = (room: boolean) => {
      generation.watching = false;
      if (!room) {
        if (generation.stream.state === 'failed') this.noticeFailure(this.slots[generation.slot], generation);
      } else if (generation.fullCount !== count) {
        this.#watchRoom(generation); // found full again since: look again
      } else {
        generation.full = false;
        this.roomWaiters.wake(1);
        this.readyWaiters.wake(Number.POSITIVE_INFINITY);
      }
    };
    try {
      generation.stream.ready().then(
        () => settle(true),
        () => settle(false),
      );
    } catch {
      settle(false);
    }
  }

  // --- failures --------------------------------------------------------------------------------

  /** Error callback of the stream at `index`: called once per pending request when it fails. */
  onStreamError(index: number): void {
    const slot = this.slots[index];
    if (!slot || slot.current.noticed) return;
    const generation = slot.current;
    generation.noticed = true;
    queueMicrotask(() => this.noticeFailure(slot, generation));
  }

  noticeFailure(slot: Slot | undefined, generation: PoolGeneration): void {
    if (slot) this.recover(slot, generation).catch(() => {});
  }

  /** Replaces a failed stream (or fails the pool); rejects with the pool's failure if it failed. */
  async recover(slot: Slot, generation: PoolGeneration): Promise<void> {
    if (slot.current === generation && generation.stream.state === 'failed' && this.phase !== 'failed') {
      slot.replacing ??= this.#replace(slot, generation);
    }
    if (slot.replacing) await slot.replacing;
    if (this.phase === 'failed') throw await this.failed();
  }

  async #replace(slot: Slot, generation: PoolGeneration): Promise<void> {
    try {
      const failed = generation.stream;
      const error = await failed.close().then(
        () => new ZerobusError('INTERNAL', 'the stream ended'),
        (e: unknown) => toZerobusError(e),
      );
      if (this.phase !== 'open') return;
      if (failed.ackedOffset >= 0) slot.strikes = 0;
      slot.strikes++;
      if (!error.retriable) return this.fail(error);
      if (slot.strikes > this.#maxReplacements) {
        const message = `stream ${slot.index} of the pool failed ${slot.strikes} times in a row without an acknowledgement`;
        return this.fail(new ZerobusError('RECOVERY_FAILED', `${message}: ${error.message}`, { cause: error }));
      }
      let next: ZerobusStream;
      try {
        next = await this.#host.recreateStream(failed, { signal: this.lifetime.signal });
      } catch (e) {
        return this.fail(toZerobusError(e));
      }
      const successor = poolGeneration(generation.pool, slot.index, generation.number + 1, next);
      generation.shift = failed.ackedOffset + 1;
      generation.next = successor;
      slot.current = successor;
      this.retired.push(failed.stats());
      // The replayed requests may have filled its window: find out before routing records to it.
      successor.full = true;
      this.#watchRoom(successor);
    } finally {
      slot.replacing = undefined;
    }
  }

  /** Runs `step` on the slot's current stream, following replacements until it succeeds. */
  async untilDone(slot: Slot, step: (stream: ZerobusStream) => Promise<void>): Promise<void> {
    for (;;) {
      if (slot.replacing) await this.recover(slot, slot.current);
      const generation = slot.current;
      try {
        await step(generation.stream);
        return;
      } catch (error) {
        if (generation.stream.state !== 'failed') throw error; // aborted
        await this.recover(slot, generation);
      }
    }
  }

  fail(error: ZerobusError): void {
    if (this.phase !== 'open') return;
    this.phase = 'failed';
    this.failure = error;
    this.lifetime.abort(error);
    this.roomWaiters.rejectAll(error);
    this.readyWaiters.rejectAll(error);
    // The other streams are closed, which delivers what they hold; the pool's waits reject once they have ended.
    this.#settled = Promise.allSettled(
      this.slots.map(async (slot) => {
        await slot.replacing;
        await slot.current.stream.close();
      }),
    );
  }

  /**
   * Ends the pool without waiting further, when its close() stops waiting: no more
   * replacements, and every stream is closed at once, keeping its unacknowledged requests.
   * Resolves once every stream has ended (also when the pool had failed or ended already).
   */
  async abandon(reason: ZerobusError): Promise<void> {
    if (this.phase === 'open') {
      this.phase = 'closed';
      this.lifetime.abort(reason);
      const now = AbortSignal.abort(reason);
      this.#settled = Promise.allSettled(
        this.slots.map(async (slot) => {
          await slot.replacing;
          await slot.current.stream.close({ signal: now });
        }),
      );
    }
    await this.#settled;
  }

  /** The pool's failure, once every stream has ended. */
  async failed(): Promise<ZerobusError> {
    await this.#settled;
    return this.failure as ZerobusError;
  }

  failedError(): ZerobusError {
    return streamFailedError('the stream pool', this.failure);
  }

  assertAccepting(): void {
    if (this.phase === 'failed') throw this.failedError();
    if (this.closing || this.phase === 'closed') {
      throw new NonRetriableError('STREAM_CLOSED', 'the stream pool is closed; create a new one to ingest more');
    }
  }

  /** Whether the pool and every stream have ended, so that the unacknowledged records are final. */
  ended(): boolean {
    return (
      this.phase !== 'open' &&
      this.slots.every((slot) => !slot.replacing && ['failed', 'closed'].includes(slot.current.stream.state))
    );
  }
}
