/**
 * The state one emulator instance shares between its gRPC service, its HTTP endpoints, its
 * fault hooks and the `Emulator` object tests hold. Kept in one place so every part sees the
 * same tables, tokens and logs, and so `waitFor()` can be woken by any change.
 */

import type { UnityCatalog } from './catalog/unity-catalog.js';
import type { FaultController, FaultTarget } from './faults.js';
import type { TokenRequestLog } from './oauth/request-log.js';
import type { TokenRegistry } from './oauth/tokens.js';
import type { CallStatus, ResolvedOptions } from './options.js';
import type { DeltaSinks } from './tables/delta-sinks.js';
import type { RecordKind, TableRegistry } from './tables/table-registry.js';

/**
 * Counters since the emulator started.
 *
 * @example
 * ```ts
 * import type { EmulatorStats } from '@zerobus/emulator';
 *
 * const before: EmulatorStats = emulator.stats; // a snapshot: later changes do not show in it
 * await arrowStream.ingestBatchOffset(recordBatch);
 * await arrowStream.flush();
 * const after = emulator.stats;
 * console.log(`${after.flightRows - before.flightRows} rows in ${after.flightBatches - before.flightBatches} batch(es)`);
 * ```
 */
export interface EmulatorStats {
  /** gRPC calls of both services (EphemeralStream and Arrow Flight DoPut). */
  callsOpened: number;
  /** Streams of both services: create_stream accepted, or a DoPut call's schema accepted. */
  streamsCreated: number;
  /** Ingest requests received (single records and batches), valid or not. */
  requestsReceived: number;
  /** Records accepted; counted even when `storeRecords` is false and nothing is kept. */
  recordsStored: number;
  /** Acknowledgements sent on EphemeralStream calls. */
  acksSent: number;
  /** close_stream_signal messages sent (rotation or `faults.sendCloseSignal`). */
  closeSignalsSent: number;
  /** Requests to the OAuth token endpoint. */
  tokenRequests: number;
  /** Tokens issued (token requests answered 200). */
  tokensIssued: number;
  /** Arrow Flight `DoPut` calls opened. */
  flightCalls: number;
  /** Arrow Flight record batches received, valid or not. */
  flightBatches: number;
  /** Arrow Flight rows accepted (durable, for Delta tables). */
  flightRows: number;
  /** Arrow Flight acknowledgements (PutResults after the ready signal). */
  flightAcksSent: number;
}

/**
 * One gRPC call as the emulator saw it.
 *
 * @example
 * ```ts
 * import type { CallRecord } from '@zerobus/emulator';
 *
 * // one line per call, to print when a test fails
 * const describeCall = (call: CallRecord) =>
 *   `#${call.id} ${call.path} ${call.tableName ?? '-'}: ${call.status?.name ?? 'open'}, ` +
 *   `${(call.endedAt ?? Date.now()) - call.openedAt} ms`;
 * console.log(emulator.calls.map(describeCall).join('\n'));
 * ```
 */
export interface CallRecord {
  /** 1, 2, ... in the order calls opened. */
  readonly id: number;
  /** The gRPC method path, e.g. `/databricks.zerobus.Zerobus/EphemeralStream`. */
  readonly path: string;
  /** Request metadata (header names lower case; binary `-bin` values base64). */
  readonly headers: Readonly<Record<string, string>>;
  /** The client's address as grpc-js reports it (`unknown` when it cannot tell). */
  readonly peer: string;
  /** When the call opened, in milliseconds since the epoch. */
  readonly openedAt: number;
  /** Set once create_stream succeeded (Arrow Flight: once the schema was accepted). */
  streamId?: string;
  /** The table of the stream, once created. */
  tableName?: string;
  /** The kind of records of the stream, once created. */
  recordType?: RecordKind;
  /** When the call ended, in milliseconds since the epoch. */
  endedAt?: number;
  /** How the call ended; CANCELLED when the client cancelled it or its connection went away. */
  status?: CallStatus;
}

/**
 * An open, created stream.
 *
 * @example
 * ```ts
 * import type { StreamInfo } from '@zerobus/emulator';
 *
 * // requests the server holds without having acknowledged them
 * const unacked = (info: StreamInfo) => info.nextOffsetId - 1 - info.ackedUpTo;
 * emulator.faults.stopAcking();
 * stream.ingestRecordNowait(record);
 * await emulator.waitFor((e) => e.streams.some((info) => unacked(info) > 0));
 * emulator.faults.resumeAcking(); // every open stream gets its cumulative ack
 * ```
 */
export interface StreamInfo {
  /** The stream id the server gave it (a UUID). */
  readonly streamId: string;
  /** The `id` of its call in `emulator.calls`. */
  readonly callId: number;
  /** The table it writes to. */
  readonly tableName: string;
  /** The kind of records it carries. */
  readonly recordType: RecordKind;
  /** The call's request metadata (header names lower case). */
  readonly headers: Readonly<Record<string, string>>;
  /** When the call opened, in milliseconds since the epoch. */
  readonly openedAt: number;
  /** Ingest requests stored on this call. */
  readonly requestsAccepted: number;
  /** The wire offset_id the next request must carry. */
  readonly nextOffsetId: number;
  /** Highest wire offset acknowledged, -1 before the first ack. */
  readonly ackedUpTo: number;
  /** Arrow Flight calls: rows acknowledged so far (`ack_up_to_records`). */
  readonly ackedRecords?: number;
  /** Whether the server sent it a close_stream_signal. */
  readonly closeSignalSent: boolean;
  /** The client half-closed its side; the call ends once everything is acked. */
  readonly halfClosed: boolean;
  /** The OAuth client id of the call's token; undefined without authentication. */
  readonly principal: string | undefined;
  /** Records (Arrow Flight: rows) accepted on this call. */
  readonly recordsAccepted: number;
  /** Bytes of the messages accepted on this call, as received (Arrow Flight: the batches' bodies). */
  readonly bytesAccepted: number;
  /** Streams the same principal opened to the same table before this one, since the server started: its reconnections. */
  readonly recoveries: number;
}

/** An open gRPC call of either service, as the emulator and the fault hooks handle it. */
export interface CallSession extends FaultTarget {
  /** Snapshot for `emulator.streams`; undefined until the stream was created. */
  info(): StreamInfo | undefined;
  /** The connection under the call is gone: record it, write nothing. */
  markDropped(details: string): void;
}

/** What the emulator's parts share; `sessions` are the open gRPC calls. */
export interface EmulatorState {
  readonly options: ResolvedOptions;
  readonly tables: TableRegistry;
  /** Unity Catalog tables: Delta tables with a schema, on disk. */
  readonly catalog: UnityCatalog;
  /** The group committers of the Delta tables. */
  readonly sinks: DeltaSinks;
  readonly tokens: TokenRegistry;
  readonly faults: FaultController;
  readonly stats: EmulatorStats;
  /** The most recent calls ({@link CALL_LOG_LIMIT}); counters in `stats` count every call. */
  readonly calls: RecentLog<CallRecord>;
  /** The latest token requests (a ring of 1,000). */
  readonly tokenRequests: TokenRequestLog;
  readonly sessions: Set<CallSession>;
  /** Streams opened per principal and table (key `clientId NUL table`), for `StreamInfo.recoveries`. */
  readonly streamOpens: Map<string, number>;
  closing: boolean;
  nextCallId: number;
  /** Wakes `waitFor()` predicates; called after anything observable changed. */
  changed(): void;
}

export function emptyStats(): EmulatorStats {
  return {
    callsOpened: 0,
    streamsCreated: 0,
    requestsReceived: 0,
    recordsStored: 0,
    acksSent: 0,
    closeSignalsSent: 0,
    tokenRequests: 0,
    tokensIssued: 0,
    flightCalls: 0,
    flightBatches: 0,
    flightRows: 0,
    flightAcksSent: 0,
  };
}

/**
 * How many calls `emulator.calls` keeps: the most recent ones, so that a server that runs for
 * days holds a bounded log (the counters in `emulator.stats` still count every call).
 */
export const CALL_LOG_LIMIT = 1_000;

/** The log of `emulator.calls`: the last {@link CALL_LOG_LIMIT} calls. */
export function callLog(): RecentLog<CallRecord> {
  return new RecentLog(CALL_LOG_LIMIT);
}

/** The newest `limit` entries of a log, oldest first; older ones are dropped as new ones come. */
export class RecentLog<T> {
  readonly #entries: (T | undefined)[];
  /** Where the next entry goes. */
  #next = 0;
  #size = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a log must hold at least 1 entry, got ${limit}`);
    this.#entries = new Array<T | undefined>(limit);
  }

  /** Entries held (at most `limit`). */
  get size(): number {
    return this.#size;
  }

  push(entry: T): void {
    this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % this.limit;
    if (this.#size < this.limit) this.#size++;
  }

  /** The entries held, oldest first (a new array). */
  toArray(): T[] {
    const out: T[] = [];
    const start = (this.#next - this.#size + this.limit) % this.limit;
    for (let i = 0; i < this.#size; i++) out.push(this.#entries[(start + i) % this.limit] as T);
    return out;
  }
}
