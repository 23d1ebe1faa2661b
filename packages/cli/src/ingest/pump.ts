/**
 * The ingestion loop: records from the source into the stream with the SDK's back-pressure
 * (`ingestRecordNowait`, awaiting `ready()` when the window is full), then `flush()`.
 *
 * It stops at the first record that cannot be read or does not fit the table (past the ones
 * `--max-bad-records` sets aside: rejects.ts; they leave gaps in the offsets), and flushes what
 * came before it, so that everything before the bad record is acknowledged (durable) and the run
 * can be resumed right after it with `--skip`. When the stream itself fails, the acknowledged
 * offset says how far the input is in the table: offsets map back to input positions through
 * {@link OrdinalMap}.
 */
import { InvalidRecordError, type ZerobusStream } from '@zerobus/sdk';
import type { Progress } from './progress.js';
import { Rejects } from './rejects.js';
import { type InputSource, LocatedInputError, nextItems } from './sources.js';

/**
 * Stream offsets → input positions (`ordinal`s, what `--skip` counts). Offsets are consecutive;
 * positions are too, except where lines hold no record (blank NDJSON lines): only those jumps are
 * kept, so memory does not grow with the input.
 */
export class OrdinalMap {
  readonly #base: number;
  readonly #jumps: { offset: number; gap: number }[] = [];
  #gap = 0;

  constructor(skip: number) {
    this.#base = skip + 1;
  }

  note(offset: number, ordinal: number): void {
    const gap = ordinal - this.#base - offset;
    if (gap !== this.#gap) {
      this.#gap = gap;
      this.#jumps.push({ offset, gap });
    }
  }

  ordinalOf(offset: number): number {
    let lo = 0;
    let hi = this.#jumps.length - 1;
    let gap = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const jump = this.#jumps[mid]!;
      if (jump.offset <= offset) {
        gap = jump.gap;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return this.#base + offset + gap;
  }
}

export interface PumpResult {
  /** Records handed to the stream. */
  readonly records: number;
  /** Input bytes read by this run (not counting what --skip passed over). */
  readonly bytes: number;
  /** Every input position from `skip + 1` up to this one is acknowledged (durable); `skip` if none. */
  readonly ackedThrough: number;
  /** The last input position sent; beyond `ackedThrough` only when the stream failed. */
  readonly sentThrough: number;
  /** The record that stopped the run; everything before it is acknowledged. */
  readonly inputError?: LocatedInputError | undefined;
  /** The stream failed (after the SDK's own recovery attempts). */
  readonly streamError?: unknown;
  readonly interrupted?: boolean;
}

export async function pump(
  source: InputSource,
  stream: ZerobusStream,
  skip: number,
  progress: Progress | undefined,
  signal: AbortSignal,
  rejects: Rejects = new Rejects(0),
): Promise<PumpResult> {
  const ordinals = new OrdinalMap(skip);
  let records = 0;
  let bytes = 0;
  let lastOrdinal = skip;
  let inputError: LocatedInputError | undefined;
  let streamError: unknown;
  let interrupted = false;
  const iterator = source.items()[Symbol.asyncIterator]();
  try {
    reading: while (true) {
      const next = await nextItems(iterator, lastOrdinal);
      if (next instanceof LocatedInputError) {
        inputError = next;
        break;
      }
      if (next.done) break;
      if (records === 0 && lastOrdinal === skip) progress?.startAt(source.skippedBytes);
      for (const item of next.value) {
        if (signal.aborted) {
          interrupted = true;
          break reading;
        }
        // A bad record (it cannot be read, or the SDK finds it does not fit) is set aside within
        // --max-bad-records, else stops the reading.
        let bad: { error: unknown } | undefined;
        let record: unknown;
        try {
          record = source.decode(item);
        } catch (error) {
          bad = { error };
        }
        if (bad === undefined && record !== undefined) {
          const offset = stream.lastOffset + 1;
          let room = true;
          try {
            room = stream.ingestRecordNowait(record);
          } catch (error) {
            if (!(error instanceof InvalidRecordError)) throw error;
            bad = { error };
          }
          if (bad === undefined) {
            ordinals.note(offset, item.ordinal);
            records++;
            if (!room) await stream.ready();
          }
        }
        if (bad !== undefined) {
          inputError = rejects.take(item, bad.error, source.unit);
          if (inputError) break reading;
        }
        lastOrdinal = item.ordinal;
        bytes = item.bytesRead;
        if (progress) {
          progress.records = records;
          progress.bytes = bytes;
        }
      }
    }
    await stream.flush();
  } catch (error) {
    streamError = error;
  } finally {
    await iterator.return?.().catch(() => {});
  }
  const sentThrough = stream.lastOffset >= 0 ? ordinals.ordinalOf(stream.lastOffset) : skip;
  let ackedThrough: number;
  if (streamError !== undefined) {
    ackedThrough = stream.ackedOffset >= 0 ? ordinals.ordinalOf(stream.ackedOffset) : skip;
  } else {
    // Flushed: everything read is in, up to the bad record (lines without records included).
    ackedThrough = inputError ? Math.max(skip, inputError.ordinal - 1) : lastOrdinal;
  }
  bytes = Math.max(0, bytes - source.skippedBytes);
  return { records, bytes, ackedThrough, sentThrough, inputError, streamError, interrupted };
}
