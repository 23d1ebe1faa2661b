/**
 * The entry of an encoding worker thread (see parquet-workers.ts): each message is a batch to
 * encode; the reply carries the file's bytes (transferred, not copied) and its stats, or the
 * reason the encoding failed. Imports nothing but the encoding itself.
 */
import { parentPort } from 'node:worker_threads';
import { type DataFileLayout, encodeDataFile } from './delta/data-file.js';

/** A batch to encode, as the pool posts it. */
export interface EncodeJob {
  readonly id: number;
  readonly layout: DataFileLayout;
  readonly columns: readonly (readonly unknown[])[];
  readonly rowCount: number;
}

/** The worker's answer to one job. */
export type EncodeReply =
  | { readonly id: number; readonly bytes: Uint8Array; readonly stats: string }
  | { readonly id: number; readonly error: string };

const port = parentPort;
if (!port) throw new Error('parquet-worker runs as a worker thread of the encoding pool');
port.on('message', (job: EncodeJob) => {
  let reply: EncodeReply;
  try {
    const { bytes, stats } = encodeDataFile(job.layout, job);
    reply = { id: job.id, bytes, stats };
  } catch (error) {
    port.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.postMessage(reply, [reply.bytes.buffer as ArrayBuffer]);
});
