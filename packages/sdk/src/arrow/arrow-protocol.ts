/**
 * Arrow Flight ingestion (PROTOCOL.md §11) as an adapter of the stream engine: a `DoPut` call
 * whose first FlightData is the schema and whose first PutResult (`ack_up_to_offset: -1`) means
 * "ready" (arrow-connect.ts); each queued batch goes out as one FlightData, sliced to the rows
 * not yet durable when it is replayed; acknowledgements count batches *and rows*, mapped back by
 * the call window (arrow-window.ts). Arrow Flight has no close signal and no stream id.
 */
import type { Schema } from 'apache-arrow';
import type { RequestQueue } from '../engine/request-queue.js';
import type { CallEvents, OpenCallParams, OpenedCall, StreamProtocol, WireMessage } from '../engine/stream-protocol.js';
import type { Channel } from '../transport/channel.js';
import { encodeBatchMetadata, encodeFlightData, type FlightAck } from '../transport/flight-codec.js';
import { batchMessage } from './arrow-batches.js';
import { connectFlight } from './arrow-connect.js';
import type { Arrow } from './arrow-module.js';
import { ArrowCallWindow, type PendingBatch } from './arrow-window.js';

export class ArrowProtocol implements StreamProtocol<PendingBatch, FlightAck> {
  readonly kind = 'Arrow stream';
  readonly units = 'batches';
  readonly #arrow: Arrow;
  readonly #channel: Channel;
  readonly #tableName: string;
  readonly #schema: Schema;
  readonly #window = new ArrowCallWindow();

  constructor(arrow: Arrow, channel: Channel, tableName: string, schema: Schema) {
    this.#arrow = arrow;
    this.#channel = channel;
    this.#tableName = tableName;
    this.#schema = schema;
  }

  async open(params: OpenCallParams, events: CallEvents<FlightAck>): Promise<OpenedCall> {
    const call = await connectFlight(
      {
        arrow: this.#arrow,
        channel: this.#channel,
        headers: params.headers,
        tableName: this.#tableName,
        schema: this.#schema,
        timeoutMs: params.timeoutMs,
        signal: params.signal,
      },
      events,
    );
    return { call, streamId: undefined };
  }

  startCall(): void {
    this.#window.resetCall();
  }

  encode(queue: RequestQueue<PendingBatch>, from: number): WireMessage {
    const entry = queue.at(from)!;
    const batch = entry.ackedRows > 0 ? entry.batch.slice(entry.ackedRows) : entry.batch;
    const message = batchMessage(this.#arrow, batch);
    const wireOffset = this.#window.markSent(entry);
    const bytes = encodeFlightData({
      dataHeader: message.header,
      dataBody: message.body,
      appMetadata: encodeBatchMetadata(wireOffset),
    });
    return { bytes, count: 1 };
  }

  ack(ack: FlightAck): number | undefined {
    return this.#window.ack(ack);
  }
}
