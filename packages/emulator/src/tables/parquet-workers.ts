/**
 * A pool of worker threads that encode Delta data files (Parquet bytes and the add action's
 * stats), so that the server's event loop keeps reading and decoding requests while a commit's
 * file is being encoded: on a server fed by one busy stream, the encoding is the largest part of
 * the per-record work (bench/README.md, durable ingest).
 *
 * - Threads start on demand (the first batch big enough), up to `threads`; a batch goes to the
 *   thread with the fewest batches under way. Small batches encode on the calling thread:
 *   posting the values to a thread and back costs more than it saves for them.
 * - Only the columns go to a thread (structured clone); the file comes back as a transferred
 *   buffer. The bytes are the ones the same batch encodes to on the calling thread.
 * - A batch that cannot be encoded rejects with the encoder's message; a thread that dies (an
 *   uncaught error, out of memory, a module that does not load) rejects every batch it held with
 *   {@link EncoderFailed}, and is replaced by the next batch. The commit then fails, unacknowledged.
 * - `close()` terminates every thread: nothing is left to keep the process alive.
 *
 * The worker script is `parquet-worker.js` next to this module in the build (a tsup entry of its
 * own), and `parquet-worker.ts` when running from TypeScript sources: the thread inherits the
 * process's `execArgv`, so the loader that runs the sources (tsx) runs the worker too.
 */
import { Worker } from 'node:worker_threads';
import {
  type ColumnBatch,
  type DataFileEncoder,
  type DataFileLayout,
  type EncodedDataFile,
  EncoderFailed,
  encodeInline,
} from './delta/data-file.js';
import type { EncodeJob, EncodeReply } from './parquet-worker.js';

/** Batches of fewer rows encode on the calling thread (see bench/README.md, durable ingest). */
export const MIN_WORKER_ROWS = 2048;

export interface ParquetWorkersOptions {
  /** Most threads. */
  readonly threads: number;
  /** Batches of fewer rows are encoded on the calling thread. Default {@link MIN_WORKER_ROWS}. */
  readonly minRows?: number;
  /** The worker script (default: parquet-worker next to this module). */
  readonly script?: URL;
}

interface Job {
  readonly resolve: (file: EncodedDataFile) => void;
  readonly reject: (error: Error) => void;
}

interface Thread {
  readonly worker: Worker;
  readonly jobs: Map<number, Job>;
}

/** The built worker next to the built pool; from sources, a bootstrap that loads the TS one. */
function startWorker(script: URL | undefined): Worker {
  const options = { name: 'zerobus-parquet-encoder' };
  if (script || !import.meta.url.endsWith('.ts')) {
    return new Worker(script ?? new URL('./parquet-worker.js', import.meta.url), options);
  }
  // Running from TypeScript sources (tests, through tsx): Node 20 does not run the parent's
  // `--import tsx` hooks for a worker's entry, so the worker registers tsx itself first.
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./parquet-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

export class ParquetWorkers {
  readonly #options: ParquetWorkersOptions;
  readonly #minRows: number;
  readonly #threads = new Set<Thread>();
  #nextJob = 1;
  #closed = false;

  constructor(options: ParquetWorkersOptions) {
    this.#options = options;
    this.#minRows = options.minRows ?? MIN_WORKER_ROWS;
  }

  /** The threads running now. */
  get threadCount(): number {
    return this.#threads.size;
  }

  /** The pool as a table's encoder. */
  readonly encoder: DataFileEncoder = (layout, batch) => this.encode(layout, batch);

  encode(layout: DataFileLayout, batch: ColumnBatch): Promise<EncodedDataFile> {
    if (this.#options.threads === 0 || batch.rowCount < this.#minRows) return encodeInline(layout, batch);
    if (this.#closed) return Promise.reject(new EncoderFailed('the Parquet encoding threads were shut down'));
    const thread = this.#pick();
    const id = this.#nextJob++;
    const job: EncodeJob = { id, layout, columns: batch.columns, rowCount: batch.rowCount };
    return new Promise<EncodedDataFile>((resolve, reject) => {
      thread.jobs.set(id, { resolve, reject });
      try {
        thread.worker.postMessage(job);
      } catch (error) {
        // A value that cannot be cloned: the batch cannot be encoded (the thread is fine).
        thread.jobs.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Terminates every thread; batches still under way reject with {@link EncoderFailed}. */
  async close(): Promise<void> {
    this.#closed = true;
    const threads = [...this.#threads];
    await Promise.all(
      threads.map(async (thread) => {
        this.#fail(thread, new EncoderFailed('the Parquet encoding threads were shut down'));
        await thread.worker.terminate();
      }),
    );
  }

  /** The least busy thread; a new one while all are busy and the pool is not full. */
  #pick(): Thread {
    let best: Thread | undefined;
    for (const thread of this.#threads) if (!best || thread.jobs.size < best.jobs.size) best = thread;
    if (best && (best.jobs.size === 0 || this.#threads.size >= this.#options.threads)) return best;
    return this.#spawn();
  }

  #spawn(): Thread {
    const worker = startWorker(this.#options.script);
    const thread: Thread = { worker, jobs: new Map() };
    this.#threads.add(thread);
    worker.on('message', (reply: EncodeReply) => {
      const job = thread.jobs.get(reply.id);
      if (!job) return;
      thread.jobs.delete(reply.id);
      if ('error' in reply) job.reject(new Error(reply.error));
      else job.resolve({ bytes: reply.bytes, stats: reply.stats });
    });
    worker.on('messageerror', (error) => this.#fail(thread, failure('could not read a reply', error)));
    worker.on('error', (error) => this.#fail(thread, failure('failed', error)));
    worker.on('exit', (code) =>
      this.#fail(thread, new EncoderFailed(`a Parquet encoding thread exited (code ${code})`)),
    );
    return thread;
  }

  /** The thread is unusable: it leaves the pool, and every batch it held rejects with `error`. */
  #fail(thread: Thread, error: EncoderFailed): void {
    this.#threads.delete(thread);
    const jobs = [...thread.jobs.values()];
    thread.jobs.clear();
    for (const job of jobs) job.reject(error);
    if (!this.#closed) void thread.worker.terminate();
  }
}

function failure(what: string, error: unknown): EncoderFailed {
  const message = error instanceof Error ? error.message : String(error);
  return new EncoderFailed(`a Parquet encoding thread ${what}: ${message}`, { cause: error });
}
