/**
 * The ingestion loop of `zerobus ingest --arrow`: records from the source, checked and gathered
 * into record batches of `batchRows` rows (arrow-batch.ts), each sent as one Arrow Flight batch
 * with the stream's back-pressure (`ingestBatchNowait`, awaiting `ready()` when the window is
 * full), then `flush()`.
 *
 * The resume semantics are the record mode's (pump.ts), in rows: at the first record that
 * cannot be read or does not fit, the rows before it (the batch under way included) are sent and
 * flushed, so everything before the bad record is acknowledged. When the stream fails, the rows
 * acknowledged say how far the input is in the table: every row of the batches up to
 * `ackedOffset`, and more when the server made part of a later batch durable (what
 * `getUnackedBatches()` leaves out). Row numbers map back to input positions through
 * {@link OrdinalMap}, as offsets do in record mode.
 */
import type { ArrowInput } from '@zerobus/sdk';
import type { RecordBatch } from 'apache-arrow';
import type { ArrowBatchBuilder } from './arrow-batch.js';
import type { Progress } from './progress.js';
import { OrdinalMap, type PumpResult } from './pump.js';
import { Rejects } from './rejects.js';
import { type InputSource, LocatedInputError, nextItems } from './sources.js';

/** What the loop uses of an `ArrowStream` (a fake one in tests). */
export interface ArrowSink {
  ingestBatchNowait(input: ArrowInput): boolean;
  ready(): Promise<void>;
  flush(): Promise<void>;
  readonly ackedOffset: number;
  getUnackedBatches(): RecordBatch[];
}

export interface ArrowPumpResult extends PumpResult {
  /** Record batches handed to the stream. */
  readonly batches: number;
}

export interface ArrowPumpOptions {
  readonly skip: number;
  readonly batchRows: number;
  readonly progress: Progress | undefined;
  readonly signal: AbortSignal;
  /** --max-bad-records: bad records set aside instead of stopping the load (default: none). */
  readonly rejects?: Rejects | undefined;
}

/** Rows acknowledged after a stream failure: whole batches through `ackedOffset`, and any partly durable batch's rows. */
function ackedRowsAfterFailure(stream: ArrowSink, batchEnds: readonly number[], rows: number): number {
  let acked = stream.ackedOffset >= 0 ? (batchEnds[stream.ackedOffset] ?? 0) : 0;
  try {
    const unacked = stream.getUnackedBatches().reduce((n, batch) => n + batch.numRows, 0);
    acked = Math.max(acked, rows - unacked);
  } catch {
    // not available in this state: whole batches only
  }
  return Math.min(acked, rows);
}

export async function arrowPump(
  source: InputSource,
  stream: ArrowSink,
  builder: ArrowBatchBuilder,
  options: ArrowPumpOptions,
): Promise<ArrowPumpResult> {
  const { skip, batchRows, progress, signal } = options;
  const rejects = options.rejects ?? new Rejects(0);
  /** Row numbers (from 0, over the whole run) → input positions. */
  const ordinals = new OrdinalMap(skip);
  /** Rows handed to the stream (whole batches). */
  let rows = 0;
  /** Rows handed to the stream once batch `offset` is: `batchEnds[offset]`. */
  const batchEnds: number[] = [];
  let bytes = 0;
  let lastOrdinal = skip;
  let inputError: LocatedInputError | undefined;
  let streamError: unknown;
  let interrupted = false;
  let started = false;

  const send = async () => {
    if (builder.length === 0) return;
    const batch = builder.finish();
    const room = stream.ingestBatchNowait(batch);
    rows += batch.numRows;
    batchEnds.push(rows);
    if (progress) {
      progress.records = rows;
      progress.bytes = bytes;
    }
    if (!room) await stream.ready();
  };

  const iterator = source.items()[Symbol.asyncIterator]();
  try {
    // Input problems end the reading (inputError); only the stream's own failures throw.
    reading: while (true) {
      const next = await nextItems(iterator, lastOrdinal);
      if (next instanceof LocatedInputError) {
        inputError = next;
        break;
      }
      if (next.done) break;
      if (!started) {
        started = true;
        progress?.startAt(source.skippedBytes);
      }
      for (const item of next.value) {
        if (signal.aborted) {
          interrupted = true;
          break reading;
        }
        try {
          const record = source.decode(item);
          if (record !== undefined) {
            builder.add(record);
            ordinals.note(rows + builder.length - 1, item.ordinal);
          }
        } catch (error) {
          // builder.add() adds nothing when it throws: the record can be set aside.
          inputError = rejects.take(item, error, source.unit);
          if (inputError) break reading;
        }
        lastOrdinal = item.ordinal;
        bytes = item.bytesRead;
        if (builder.length >= batchRows) await send();
      }
    }
    // Whatever ended the reading, the rows gathered so far go too: they are all good.
    await send();
    await stream.flush();
  } catch (error) {
    streamError = error;
  } finally {
    await iterator.return?.().catch(() => {});
  }
  const sentThrough = rows > 0 ? ordinals.ordinalOf(rows - 1) : skip;
  let ackedThrough: number;
  if (streamError !== undefined) {
    const acked = ackedRowsAfterFailure(stream, batchEnds, rows);
    ackedThrough = acked > 0 ? ordinals.ordinalOf(acked - 1) : skip;
  } else {
    // Flushed: everything read is in, up to the bad record (lines without records included).
    ackedThrough = inputError ? Math.max(skip, inputError.ordinal - 1) : lastOrdinal;
  }
  if (progress) {
    progress.records = rows;
    progress.bytes = bytes;
  }
  bytes = Math.max(0, bytes - source.skippedBytes);
  return {
    records: rows,
    batches: batchEnds.length,
    bytes,
    ackedThrough,
    sentThrough,
    inputError,
    streamError,
    interrupted,
  };
}
