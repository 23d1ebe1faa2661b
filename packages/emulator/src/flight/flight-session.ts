/**
 * One Arrow Flight `DoPut` call (PROTOCOL.md §11): authenticate on open; the first FlightData
 * is the Arrow schema, checked (table header, grant, table, schema against the columns) before
 * the "ready" PutResult `{ack_up_to_offset: -1, ack_up_to_records: 0}`; every following record
 * batch carries app_metadata `{"offset_id": N}` (N from 0, consecutive), is decoded into rows and
 * appended — to a Delta table through the same group commit as EphemeralStream, so that its ack
 * comes only once the commit is durable, or to a schemaless in-memory table at once.
 *
 * Acks are cumulative PutResults: `ack_up_to_offset` is the last batch whose rows are all
 * durable, `ack_up_to_records` the rows durable on this call; they differ from a whole-batch
 * count only when the `failFlightAfterRows` fault cut a batch. Dictionary batches take no
 * offset. As in stream-session.ts, everything runs synchronously per message in arrival order,
 * acks are coalesced, a rejection waits for the commits under way (whose batches are acked
 * first), and nothing is written once the call ended: that lifecycle is DuplexCallSession's,
 * in ../grpc/call-session.ts.
 */

import { randomUUID } from 'node:crypto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { NormalizedValue } from '@zerobus/sdk/schema';
import {
  decodeBatchMetadata,
  encodeAckMetadata,
  encodePutResult,
  type FlightData,
  GrpcStatus,
} from '@zerobus/sdk/wire';
import { DuplexCallSession } from '../grpc/call-session.js';
import { commitFailureStatus } from '../grpc/delta-target.js';
import { checkTableGrant, openSchemalessTable, TABLE_HEADER, unavailableTable } from '../grpc/stream-checks.js';
import type { StreamInfo } from '../state.js';
import type { GroupCommitter } from '../tables/group-commit.js';
import { canonicalTableName, keepsRecords, parseTableName, type StoredRecord } from '../tables/table-registry.js';
import type { Row } from '../validation/decoder.js';
import { SchemaMismatch } from '../validation/errors.js';
import { structObject } from '../validation/struct-object.js';
import {
  type BatchPlan,
  decodeBatchRows,
  inferTableSchema,
  planBatches,
  type RowRejection,
  rowJson,
} from './arrow-rows.js';
import { classifyFlightData, type FlightMessage, IpcDecoder } from './ipc.js';
import { oversizedFlightData } from './message-limit.js';

/** What the service's deserializer yields: a FlightData, or why the bytes were not one. */
export type DecodedFlightData =
  | { readonly kind: 'flightData'; readonly data: FlightData; readonly messageBytes: number }
  | { readonly kind: 'decodeFailure'; readonly error: string };

/** Responses are encoded PutResult messages. */
export type FlightCall = ServerDuplexStream<DecodedFlightData, Uint8Array>;

interface FlightStream {
  readonly id: string;
  readonly tableName: string;
  readonly plan: BatchPlan;
  readonly ipc: IpcDecoder;
  /** Delta tables: the table's group commit. Undefined for schemaless in-memory tables. */
  readonly committer: GroupCommitter | undefined;
}

type BatchMessage = Extract<FlightMessage, { kind: 'batch' }>;

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A descriptor PATH names the table as one element (`catalog.schema.table`) or as its three parts. */
function descriptorNames(path: readonly string[], table: string): boolean {
  if (path.length === 0) return true;
  if (path.length === 1) return canonicalTableName(path[0] as string) === table;
  return path.length === 3 && canonicalTableName(path.join('.')) === table;
}

export class FlightSession extends DuplexCallSession<DecodedFlightData, Uint8Array> {
  private stream: FlightStream | undefined;
  private nextOffset = 0;
  /** Highest offset accepted in full. */
  private lastAccepted = -1;
  /** Last batch whose rows are all durable, and the rows durable on this call. */
  private durableOffset = -1;
  private durableRows = 0;
  private ackedOffset = -1;
  private ackedRows = 0;
  private batchesAccepted = 0;

  override start(): void {
    // Counted before the shared open bookkeeping; nothing observes the order within start().
    this.state.stats.flightCalls++;
    super.start();
  }

  info(): StreamInfo | undefined {
    const stream = this.stream;
    if (!stream || this.phase !== 'streaming') return undefined;
    return {
      streamId: stream.id,
      callId: this.record.id,
      tableName: stream.tableName,
      recordType: 'arrow',
      headers: this.record.headers,
      openedAt: this.record.openedAt,
      requestsAccepted: this.batchesAccepted,
      nextOffsetId: this.nextOffset,
      ackedUpTo: this.ackedOffset,
      ackedRecords: this.ackedRows,
      closeSignalSent: false,
      halfClosed: this.halfClosed,
      ...this.counters(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  protected override onMessage(message: DecodedFlightData): void {
    // Once a rejection waits for earlier commits, later messages are ignored.
    if (this.phase === 'ended' || this.failureAfterCommits) return;
    if (message.kind === 'decodeFailure') {
      this.failAfterCommits(GrpcStatus.INVALID_ARGUMENT, `malformed FlightData: ${message.error}`);
      return;
    }
    const oversized = oversizedFlightData(message, this.state.options.maxMessageBytes, {
      opening: this.phase === 'opening',
      nextOffset: this.nextOffset,
    });
    if (oversized) {
      this.failAfterCommits(GrpcStatus.INVALID_ARGUMENT, oversized);
      return;
    }
    const { data } = message;
    let ipc: FlightMessage;
    try {
      ipc = classifyFlightData(data.dataHeader, data.dataBody);
    } catch (error) {
      this.failAfterCommits(GrpcStatus.INVALID_ARGUMENT, `malformed FlightData: ${reason(error)}`);
      return;
    }
    if (this.phase === 'opening') {
      this.onSchema(data, ipc);
      return;
    }
    const stream = this.stream as FlightStream;
    if (ipc.kind === 'schema') {
      this.failAfterCommits(
        GrpcStatus.INVALID_ARGUMENT,
        'the Arrow schema may only be sent once, as the first FlightData of a DoPut call',
      );
    } else if (ipc.kind === 'dictionary') {
      stream.ipc.addDictionary(ipc.id, ipc.isDelta, ipc.ipc);
    } else {
      this.onBatch(stream, data, ipc);
    }
  }

  /** The first FlightData: table checks in EphemeralStream's order, then the schema against the table. */
  private onSchema(data: FlightData, message: FlightMessage): void {
    const { state } = this;
    if (message.kind !== 'schema') {
      const got = message.kind === 'batch' ? 'a record batch' : 'a dictionary batch';
      this.fail(
        GrpcStatus.INVALID_ARGUMENT,
        `the first FlightData of a DoPut call must be the Arrow schema, got ${got}`,
      );
      return;
    }
    const injected = state.faults.takeCreateFailure();
    if (injected) {
      this.fail(injected.code, injected.details);
      return;
    }
    const header = this.header(TABLE_HEADER);
    if (header === undefined) {
      this.fail(GrpcStatus.INVALID_ARGUMENT, `missing ${TABLE_HEADER} header`);
      return;
    }
    const parsed = parseTableName(header);
    if (typeof parsed === 'string') {
      this.fail(GrpcStatus.INVALID_ARGUMENT, parsed);
      return;
    }
    // Unity Catalog names are case-insensitive (PROTOCOL.md §13): `MAIN.G.T` is `main.g.t`.
    const table = canonicalTableName(header);
    if (data.descriptorPath && !descriptorNames(data.descriptorPath, table)) {
      this.fail(
        GrpcStatus.INVALID_ARGUMENT,
        `FlightDescriptor path ${JSON.stringify(data.descriptorPath)} does not match ${TABLE_HEADER} header '${header}'`,
      );
      return;
    }
    const denied = checkTableGrant(table, {
      token: this.token,
      principals: state.options.principals,
      isRevoked: (clientId) => state.faults.isRevoked(clientId),
    });
    if (denied) {
      this.fail(denied.code, denied.details);
      return;
    }
    const unavailable = unavailableTable(table, state.catalog);
    if (unavailable) {
      this.fail(unavailable.code, unavailable.details);
      return;
    }
    const catalogTable = state.catalog.table(table);
    const missing = catalogTable ? undefined : openSchemalessTable(table, state.tables);
    if (missing) {
      this.fail(missing.code, missing.details);
      return;
    }
    let plan: BatchPlan;
    try {
      plan = planBatches(message.schema, catalogTable ? catalogTable.schema : inferTableSchema(message.schema));
    } catch (error) {
      if (!(error instanceof SchemaMismatch)) throw error;
      const what = catalogTable ? 'does not fit table' : 'cannot make the columns of schemaless table';
      this.fail(GrpcStatus.INVALID_ARGUMENT, `Arrow schema ${what} ${table}: ${error.message}`);
      return;
    }
    if (catalogTable) state.tables.mirror(table);
    const stream: FlightStream = {
      id: randomUUID(),
      tableName: table,
      plan,
      ipc: new IpcDecoder(message.ipc),
      committer: catalogTable ? state.sinks.committer(catalogTable) : undefined,
    };
    this.stream = stream;
    this.phase = 'streaming';
    this.record.streamId = stream.id;
    this.record.tableName = table;
    this.record.recordType = 'arrow';
    this.countStreamOpened(table);
    this.sendAck(-1, 0); // "stream ready"
    state.changed();
    const failure = state.faults.afterCreate();
    if (failure) this.fail(failure.code, failure.details);
  }

  private onBatch(stream: FlightStream, data: FlightData, message: BatchMessage): void {
    const { state } = this;
    state.stats.flightBatches++;
    let offset: number;
    try {
      offset = decodeBatchMetadata(data.appMetadata);
    } catch (error) {
      this.failAfterCommits(
        GrpcStatus.INVALID_ARGUMENT,
        `${reason(error)} (expected offset_id ${this.nextOffset} on this record batch)`,
      );
      return;
    }
    if (offset !== this.nextOffset) {
      this.failAfterCommits(
        GrpcStatus.INVALID_ARGUMENT,
        `offset_id out of order: expected ${this.nextOffset}, got ${offset}`,
      );
      return;
    }
    if (message.unsupportedCompression) {
      this.failAfterCommits(
        GrpcStatus.UNIMPLEMENTED,
        `record batch at offset_id ${offset} is compressed with ${message.unsupportedCompression}, which the emulator cannot decode (send uncompressed batches, or register a codec in apache-arrow's compressionRegistry)`,
      );
      return;
    }

    // An ack-only emulator (storeRecords: false) skips decoding for in-memory tables.
    let rows: Row[] | undefined;
    if (stream.committer || keepsRecords(state.options.storeRecords, false)) {
      let decoded: Row[] | RowRejection;
      try {
        decoded = decodeBatchRows(stream.plan, stream.ipc.decode(message.ipc));
      } catch (error) {
        this.failAfterCommits(
          GrpcStatus.INVALID_ARGUMENT,
          `record batch at offset_id ${offset} is not valid Arrow IPC: ${reason(error)}`,
        );
        return;
      }
      if (!Array.isArray(decoded)) {
        this.failAfterCommits(
          GrpcStatus.INVALID_ARGUMENT,
          `invalid record at offset_id ${offset} (row ${decoded.row} of the batch): ${decoded.error.message}`,
        );
        return;
      }
      rows = decoded;
    }
    const rowCount = rows ? rows.length : message.rows;

    // The partial-ack fault: keep the first rows only, then end the call once they are acked.
    const cut = state.faults.takeFlightRows(this, rowCount);
    const keep = cut ? cut.keep : rowCount;
    const complete = keep === rowCount;
    if (rows && !complete) rows = rows.slice(0, keep);

    if (rows && keepsRecords(state.options.storeRecords, stream.committer !== undefined)) {
      state.tables.append(stream.tableName, this.storedRecords(offset, rows));
    }
    this.nextOffset++;
    this.countAccepted(keep, message.ipc.body.length);
    if (complete) {
      this.lastAccepted = offset;
      this.batchesAccepted++;
    }
    if (stream.committer) {
      if (complete || keep > 0)
        this.commit(stream, stream.committer, offset, rows ?? [], message.ipc.body.length, complete);
    } else {
      this.markDurable(offset, keep, complete);
    }
    state.changed();
    if (cut) {
      this.failAfterCommits(cut.failure.code, cut.failure.details);
      return;
    }
    if (this.lastAccepted - this.ackedOffset >= state.options.maxInflightRequests) this.pauseReading('inflight');
    this.ackOrInjectFailure();
  }

  private commit(
    stream: FlightStream,
    committer: GroupCommitter,
    offset: number,
    rows: Row[],
    bytes: number,
    complete: boolean,
  ): void {
    this.pendingCommits++;
    this.addDeltaBacklog(bytes);
    committer.add(
      rows,
      bytes,
      () =>
        this.guard(() => {
          this.pendingCommits--;
          this.settleDeltaBacklog(bytes);
          this.markDurable(offset, rows.length, complete);
          const failure = this.failureAfterCommits;
          if (failure) this.failAfterCommits(failure.code, failure.details);
          else this.scheduleAck();
        }),
      (error) =>
        this.guard(() => {
          this.pendingCommits--;
          this.settleDeltaBacklog(bytes);
          // Nothing of this batch is acknowledged; the client re-sends it on a new call, unless
          // the table was dropped (NOT_FOUND).
          this.fail(...commitFailureStatus(stream.tableName, error));
        }),
    );
  }

  private markDurable(offset: number, rows: number, complete: boolean): void {
    this.durableRows += rows;
    if (complete) this.durableOffset = Math.max(this.durableOffset, offset);
    this.state.stats.flightRows += rows;
    this.state.changed();
  }

  private storedRecords(offset: number, rows: readonly Row[]): StoredRecord[] {
    const stream = this.stream as FlightStream;
    const table = stream.plan.table;
    const names = table.fields.map((f) => f.name);
    return rows.map((values, batchIndex) => ({
      tableName: stream.tableName,
      streamId: stream.id,
      offsetId: offset,
      batchIndex,
      recordType: 'arrow',
      payload: rowJson(values, table),
      row: structObject(names, values) as Record<string, NormalizedValue>,
    }));
  }

  /** A half-closed call ends with OK once every batch it sent is acknowledged. */
  protected override maybeFinish(): void {
    if (
      this.halfClosed &&
      this.phase === 'streaming' &&
      this.ackedOffset === this.lastAccepted &&
      this.pendingCommits === 0 &&
      !this.failureAfterCommits
    ) {
      this.end(GrpcStatus.OK, 'OK');
    }
  }

  // -------------------------------------------------------------------------------------------
  // Acks

  /** Acknowledges everything durable so far, unless acking is stopped. */
  flushAck(): void {
    if (this.phase !== 'streaming' || this.state.faults.ackingStopped) return;
    if (this.durableOffset > this.ackedOffset || this.durableRows > this.ackedRows) {
      this.ackedOffset = this.durableOffset;
      this.ackedRows = this.durableRows;
      this.sendAck(this.ackedOffset, this.ackedRows);
      this.state.stats.flightAcksSent++;
      this.state.changed();
      if (this.lastAccepted - this.ackedOffset < this.state.options.maxInflightRequests) this.resumeReading('inflight');
    }
    this.maybeFinish();
  }

  private sendAck(ackUpToOffset: number, ackUpToRecords: number): void {
    this.send(encodePutResult(encodeAckMetadata({ ackUpToOffset, ackUpToRecords })));
  }

  // -------------------------------------------------------------------------------------------
  // Ending

  /** Arrow Flight has no close signal. */
  sendCloseSignal(): boolean {
    return false;
  }
}
