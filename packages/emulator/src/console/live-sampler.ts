/**
 * The console's live view: once a second, while at least one page listens, the open streams'
 * counters are read (sessions count per request, never per record) and turned into rates per
 * stream and per table. One aggregated event per second goes to every listener, whatever the
 * ingest rate; with no listener nothing runs.
 */

import type { EmulatorState, StreamInfo } from '../state.js';

/** One open stream as the console shows it. */
export interface LiveStream {
  readonly streamId: string;
  readonly callId: number;
  readonly tableName: string;
  readonly principal: string | null;
  readonly recordType: string;
  readonly protocol: 'gRPC' | 'Arrow Flight';
  readonly state: string;
  readonly openedAt: number;
  readonly records: number;
  readonly bytes: number;
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
  readonly ackedOffset: number;
  readonly recoveries: number;
}

/** Per table: the rate of the last second, summed over its streams, and its Delta version. */
export interface LiveTable {
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
  readonly version: number | null;
}

export interface LiveTick {
  readonly time: number;
  readonly streams: LiveStream[];
  readonly tables: Record<string, LiveTable>;
  readonly stats: Readonly<Record<string, number>>;
  readonly ackingStopped: boolean;
}

/** Ticks kept for a page that opens: the chart's last minutes. */
export const HISTORY_TICKS = 300;

type Listener = (tick: LiveTick) => void;

export class LiveSampler {
  readonly #state: EmulatorState;
  readonly #listeners = new Set<Listener>();
  readonly #history: LiveTick[] = [];
  /** Counters of each stream at the previous tick. */
  #previous = new Map<string, { records: number; bytes: number }>();
  #previousTime = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    state: EmulatorState,
    private readonly intervalMs = 1_000,
  ) {
    this.#state = state;
  }

  /** The ticks of the last minutes, oldest first (a copy). */
  history(): LiveTick[] {
    return [...this.#history];
  }

  /** Adds a listener; sampling runs while there is one. Returns the function that removes it. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (!this.#timer) {
      this.#previous = new Map();
      this.#previousTime = Date.now();
      this.sample(); // a first tick at once: streams show without waiting a second
      this.#timer = setInterval(() => this.#tick(), this.intervalMs);
      this.#timer.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const tick = this.sample();
    for (const listener of this.#listeners) listener(tick);
  }

  /** Reads every open stream's counters and computes the rates since the previous sample. */
  sample(): LiveTick {
    const state = this.#state;
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.#previousTime) / 1000);
    const current = new Map<string, { records: number; bytes: number }>();
    const streams: LiveStream[] = [];
    const tables: Record<string, MutableTable> = {};
    for (const session of state.sessions) {
      const info = session.info();
      if (!info) continue;
      const before = this.#previous.get(info.streamId);
      current.set(info.streamId, { records: info.recordsAccepted, bytes: info.bytesAccepted });
      const recordsPerSecond = before ? (info.recordsAccepted - before.records) / seconds : 0;
      const bytesPerSecond = before ? (info.bytesAccepted - before.bytes) / seconds : 0;
      streams.push(liveStream(info, recordsPerSecond, bytesPerSecond, state.faults.ackingStopped));
      const table = tableOf(tables, info.tableName);
      table.recordsPerSecond += recordsPerSecond;
      table.bytesPerSecond += bytesPerSecond;
    }
    for (const catalog of state.catalog.listCatalogs()) {
      for (const schema of state.catalog.listSchemas(catalog.name)) {
        for (const info of state.catalog.listTables(catalog.name, schema.name)) {
          tableOf(tables, info.full_name).version = state.catalog.table(info.full_name)?.delta.version ?? null;
        }
      }
    }
    this.#previous = current;
    this.#previousTime = now;
    const tick: LiveTick = {
      time: now,
      streams,
      tables,
      stats: { ...state.stats },
      ackingStopped: state.faults.ackingStopped,
    };
    this.#history.push(tick);
    if (this.#history.length > HISTORY_TICKS) this.#history.shift();
    return tick;
  }
}

type MutableTable = { -readonly [K in keyof LiveTable]: LiveTable[K] };

function tableOf(tables: Record<string, MutableTable>, name: string): MutableTable {
  let table = tables[name];
  if (!table) {
    table = { recordsPerSecond: 0, bytesPerSecond: 0, version: null };
    tables[name] = table;
  }
  return table;
}

function liveStream(info: StreamInfo, recordsPerSecond: number, bytesPerSecond: number, ackingStopped: boolean) {
  const state = info.halfClosed
    ? 'closing'
    : info.closeSignalSent
      ? 'close signal sent'
      : ackingStopped
        ? 'acks stopped'
        : 'open';
  return {
    streamId: info.streamId,
    callId: info.callId,
    tableName: info.tableName,
    principal: info.principal ?? null,
    recordType: info.recordType,
    protocol: info.recordType === 'arrow' ? ('Arrow Flight' as const) : ('gRPC' as const),
    state,
    openedAt: info.openedAt,
    records: info.recordsAccepted,
    bytes: info.bytesAccepted,
    recordsPerSecond: Math.round(recordsPerSecond),
    bytesPerSecond: Math.round(bytesPerSecond),
    ackedOffset: info.ackedUpTo,
    recoveries: info.recoveries,
  };
}
