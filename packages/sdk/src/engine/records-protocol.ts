/**
 * The gRPC records protocol (PROTOCOL.md §3–§6) as an adapter of the stream engine: an
 * `EphemeralStream` call opened with `create_stream` (the table, the record type and, for
 * protobuf, the descriptor), queued requests coalesced into `ingest_record_batch` messages
 * (wire-requests.ts) written into pooled buffers, and cumulative acks of wire offsets mapped
 * back to the logical offsets they end at.
 */
import { ZerobusError } from '../errors.js';
import type { RecordEncoder } from '../records/encoder.js';
import type { Channel } from '../transport/channel.js';
import { encodeIngestRequest, encodeRequest, WireRecordType } from '../transport/codec.js';
import { type Envelope, EnvelopePool } from '../transport/envelope-pool.js';
import { connect } from './connect.js';
import { isPayloadList, type PendingRequest, type RequestQueue } from './request-queue.js';
import type { CallEvents, OpenCallParams, OpenedCall, StreamProtocol, WireMessage } from './stream-protocol.js';
import { nextWireRequest, WireOffsets } from './wire-requests.js';

export class RecordsProtocol implements StreamProtocol<PendingRequest, number> {
  readonly kind = 'stream';
  readonly units = 'requests';
  readonly #channel: Channel;
  readonly #recordType: number;
  /** The `create_stream` request: the same bytes for every call of the stream. */
  readonly #createRequest: Uint8Array;
  /** Wire offset → logical offset for the requests sent on the current call. */
  readonly #wire = new WireOffsets();
  readonly #envelopes = new EnvelopePool();
  readonly #encoder: RecordEncoder;

  constructor(channel: Channel, tableName: string, encoder: RecordEncoder) {
    this.#channel = channel;
    this.#encoder = encoder;
    this.#recordType = encoder.mode === 'json' ? WireRecordType.JSON : WireRecordType.PROTO;
    this.#createRequest = encodeRequest({
      kind: 'createStream',
      tableName,
      recordType: this.#recordType,
      descriptorProto: encoder.descriptorProto,
    });
  }

  async open(params: OpenCallParams, events: CallEvents<number>): Promise<OpenedCall> {
    const { headers, timeoutMs, signal } = params;
    const live = await connect(
      { channel: this.#channel, headers, createRequest: this.#createRequest, timeoutMs, signal },
      events,
    );
    return { call: live.call, streamId: live.streamId };
  }

  startCall(): void {
    this.#wire.reset();
  }

  encode(queue: RequestQueue<PendingRequest>, from: number, limit: number): WireMessage {
    const request = nextWireRequest(queue, from, limit);
    let envelope: Envelope | undefined;
    const bytes = encodeIngestRequest(
      {
        kind: request.records.length === 1 ? 'ingestRecord' : 'ingestBatch',
        offsetId: this.#wire.push(request.last.offset),
        recordType: this.#recordType,
        records: request.records,
      },
      (size) => {
        envelope = this.#envelopes.take(size);
        return envelope.bytes;
      },
    );
    return { bytes, count: request.count, release: envelope?.release };
  }

  ack(wireOffset: number): number | undefined {
    const offset = this.#wire.ack(wireOffset);
    if (offset === null) {
      throw new ZerobusError('INTERNAL', `the server acknowledged wire offset ${wireOffset}, which was never sent`);
    }
    return offset;
  }

  /**
   * Gives an acknowledged request's payloads back to the encoder. The transport never holds
   * them: `encode` copied them into the envelope. Payloads moved from another stream are not
   * this stream's to give back (PendingRequest.owned).
   */
  discard(request: PendingRequest): void {
    if (!request.owned) return;
    const encoder = this.#encoder;
    const payload = request.payload;
    // A single record's own bytes or the slab holding them: the slab counts records, not views.
    if (!isPayloadList(payload)) encoder.release(payload);
    else for (const record of payload) encoder.release(record);
  }
}
