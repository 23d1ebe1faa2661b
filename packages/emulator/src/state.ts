/**
 * The state one emulator instance shares between its gRPC service, its HTTP endpoints, its
 * fault hooks and the `Emulator` object tests hold. Kept in one place so every part sees the
 * same tables, tokens and logs, and so `waitFor()` can be woken by any change.
 */

import type { UnityCatalog } from './catalog/unity-catalog.js';
import type { FaultController } from './faults.js';
import type { StreamSession } from './grpc/stream-session.js';
import type { TokenRequestRecord } from './oauth/token-endpoint.js';
import type { TokenRegistry } from './oauth/tokens.js';
import type { CallStatus, ResolvedOptions } from './options.js';
import type { DeltaSinks } from './tables/delta-sinks.js';
import type { RecordKind, TableRegistry } from './tables/table-registry.js';

/** Counters since the emulator started. */
export interface EmulatorStats {
  callsOpened: number;
  streamsCreated: number;
  /** Ingest requests received (single records and batches), valid or not. */
  requestsReceived: number;
  /** Records accepted; counted even when `storeRecords` is false and nothing is kept. */
  recordsStored: number;
  acksSent: number;
  closeSignalsSent: number;
  tokenRequests: number;
  tokensIssued: number;
}

/** One gRPC call as the emulator saw it. */
export interface CallRecord {
  /** 1, 2, ... in the order calls opened. */
  readonly id: number;
  readonly path: string;
  /** Request metadata (header names lower case; binary `-bin` values base64). */
  readonly headers: Readonly<Record<string, string>>;
  readonly peer: string;
  readonly openedAt: number;
  /** Set once create_stream succeeded. */
  streamId?: string;
  tableName?: string;
  recordType?: RecordKind;
  endedAt?: number;
  /** How the call ended; CANCELLED when the client cancelled it or its connection went away. */
  status?: CallStatus;
}

/** An open, created stream. */
export interface StreamInfo {
  readonly streamId: string;
  readonly callId: number;
  readonly tableName: string;
  readonly recordType: RecordKind;
  readonly headers: Readonly<Record<string, string>>;
  readonly openedAt: number;
  /** Ingest requests stored on this call. */
  readonly requestsAccepted: number;
  /** The wire offset_id the next request must carry. */
  readonly nextOffsetId: number;
  /** Highest wire offset acknowledged, -1 before the first ack. */
  readonly ackedUpTo: number;
  readonly closeSignalSent: boolean;
  /** The client half-closed its side; the call ends once everything is acked. */
  readonly halfClosed: boolean;
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
  readonly calls: CallRecord[];
  readonly tokenRequests: TokenRequestRecord[];
  readonly sessions: Set<StreamSession>;
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
  };
}
