/**
 * Progress of `zerobus ingest` on stderr. On a terminal, one line rewritten in place (`\r`)
 * several times a second: records, MB read, MB/s and, when the input size is known, the
 * percentage and the time left. Elsewhere (a log file, CI), a plain line every few seconds.
 */
import { formatBytes, formatCount, formatSeconds } from '../format.js';

export interface ProgressOptions {
  /** Rewrite one line in place (a terminal), or print plain lines. */
  readonly tty: boolean;
  /** Input size, when known: enables the percentage and the time left. */
  readonly totalBytes: number | undefined;
  /** Where it goes; default stderr. */
  readonly write?: (text: string) => void;
  /** Between updates; default 200 ms on a terminal, 2 s otherwise. */
  readonly intervalMs?: number;
}

export class Progress {
  records = 0;
  bytes = 0;
  readonly #options: ProgressOptions;
  readonly #write: (text: string) => void;
  readonly #started = performance.now();
  /** Bytes already read when the run started (`--skip`), kept out of the rate. */
  #startBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  /** A terminal line is on screen and not ended yet. */
  #open = false;

  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#write = options.write ?? ((text) => process.stderr.write(text));
  }

  start(): void {
    const interval = this.#options.intervalMs ?? (this.#options.tty ? 200 : 2000);
    this.#timer = setInterval(() => this.render(), interval);
    this.#timer.unref();
    if (this.#options.tty) this.render();
  }

  /** The first bytes counted are where reading started, not progress made. */
  startAt(bytes: number): void {
    this.#startBytes = bytes;
    this.bytes = bytes;
  }

  get seconds(): number {
    return (performance.now() - this.#started) / 1000;
  }

  line(): string {
    const seconds = this.seconds;
    const rate = seconds > 0 ? (this.bytes - this.#startBytes) / 1e6 / seconds : 0;
    const parts = [`${formatCount(this.records)} records`, formatBytes(this.bytes), `${rate.toFixed(2)} MB/s`];
    const total = this.#options.totalBytes;
    if (total !== undefined && total > 0) {
      const fraction = Math.min(1, this.bytes / total);
      parts.push(`${(fraction * 100).toFixed(fraction < 1 ? 1 : 0)}%`);
      const left = total - this.bytes;
      if (left > 0 && rate > 0) parts.push(`ETA ${formatSeconds(left / 1e6 / rate)}`);
    }
    return parts.join('  ');
  }

  render(): void {
    if (this.#options.tty) {
      this.#write(`\r${this.line()}\x1b[K`);
      this.#open = true;
    } else {
      this.#write(`zerobus: ${this.line()}\n`);
    }
  }

  /** Clears the terminal line (before a message), to be drawn again at the next update. */
  clear(): void {
    if (this.#open) this.#write('\r\x1b[K');
    this.#open = false;
  }

  /** Stops updating; on a terminal, draws the final state and ends its line. */
  stop(final = true): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (!this.#options.tty) return;
    if (final) {
      this.render();
      this.#write('\n');
      this.#open = false;
    } else {
      this.clear();
    }
  }
}
