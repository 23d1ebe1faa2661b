/**
 * Hand-written protobuf codec for the Zerobus `EphemeralStream` envelope (PROTOCOL.md §1).
 *
 * It is shared by the SDK (encodes requests, decodes responses) and the local server (decodes
 * requests, encodes responses) through `@zerobus/sdk/wire`. Records travel as already-encoded
 * bytes: JSON strings and proto messages have the same length-delimited wire form, so the
 * encoder writes each record straight into one buffer, with no intermediate objects.
 */

import { WireDecodeError, WireReader } from './wire-reader.js';
import { BufferWriter, delimitedSize, varintSize } from './wire-writer.js';

export { WireDecodeError, WireReader } from './wire-reader.js';

export const ZEROBUS_SERVICE = 'databricks.zerobus.Zerobus';
export const EPHEMERAL_STREAM_PATH = `/${ZEROBUS_SERVICE}/EphemeralStream`;

/** `RecordType` enum values on the wire. */
export const WireRecordType = { UNSPECIFIED: 0, PROTO: 1, JSON: 2 } as const;
export type WireRecordType = (typeof WireRecordType)[keyof typeof WireRecordType];

export interface CreateStreamRequest {
  readonly kind: 'createStream';
  readonly tableName: string;
  readonly recordType: number;
  readonly descriptorProto?: Uint8Array | undefined;
}

/** One record (`ingest_record`) or a batch (`ingest_record_batch`); payloads are encoded bytes. */
export interface IngestRequest {
  readonly kind: 'ingestRecord' | 'ingestBatch';
  readonly offsetId: number;
  /** PROTO or JSON: selects the oneof field the payloads go in. */
  readonly recordType: number;
  readonly records: readonly Uint8Array[];
}

export type StreamRequest = CreateStreamRequest | IngestRequest;

export type StreamResponse =
  | { readonly kind: 'createStreamResponse'; readonly streamId: string }
  | { readonly kind: 'ack'; readonly ackUpToOffset: number }
  | { readonly kind: 'closeStreamSignal'; readonly durationMs: number | undefined };

const textEncoder = new TextEncoder();

function checkOffset(offsetId: number): void {
  if (!Number.isSafeInteger(offsetId)) throw new RangeError(`offset_id ${offsetId} is not a safe integer`);
}

/** Encodes one `EphemeralStreamRequest`. */
export function encodeRequest(request: StreamRequest): Uint8Array {
  if (request.kind === 'createStream') return encodeCreateStream(request);
  return encodeIngestRequest(request, (size) => new Uint8Array(size));
}

/** Encodes an ingest request into a buffer from `alloc`, which gets the exact size needed. */
export function encodeIngestRequest(request: IngestRequest, alloc: (size: number) => Uint8Array): Uint8Array {
  checkOffset(request.offsetId);
  const recordField = request.recordType === WireRecordType.JSON ? 3 : 2;
  if (request.kind === 'ingestRecord') {
    const record = request.records[0];
    if (request.records.length !== 1 || record === undefined) {
      throw new RangeError('ingest_record carries exactly one record');
    }
    const inner = 1 + varintSize(request.offsetId) + delimitedSize(record.length);
    const size = delimitedSize(inner);
    const w = new BufferWriter(size, alloc(size));
    w.tag(2, 2);
    w.varint(inner);
    w.tag(1, 0);
    w.varint(request.offsetId);
    w.bytes(recordField, record);
    return w.buf;
  }
  let batch = 0;
  for (const record of request.records) batch += delimitedSize(record.length);
  const inner = 1 + varintSize(request.offsetId) + delimitedSize(batch);
  const size = delimitedSize(inner);
  const w = new BufferWriter(size, alloc(size));
  w.tag(3, 2);
  w.varint(inner);
  w.tag(1, 0);
  w.varint(request.offsetId);
  w.tag(recordField, 2);
  w.varint(batch);
  for (const record of request.records) w.bytes(1, record);
  return w.buf;
}

function encodeCreateStream(request: CreateStreamRequest): Uint8Array {
  const name = textEncoder.encode(request.tableName);
  const descriptor = request.descriptorProto;
  const inner =
    delimitedSize(name.length) +
    (descriptor ? delimitedSize(descriptor.length) : 0) +
    1 +
    varintSize(request.recordType);
  const w = new BufferWriter(delimitedSize(inner));
  w.tag(1, 2);
  w.varint(inner);
  w.bytes(1, name);
  if (descriptor) w.bytes(3, descriptor);
  w.tag(4, 0);
  w.varint(request.recordType);
  return w.buf;
}

/** Encodes one `EphemeralStreamResponse`. */
export function encodeResponse(response: StreamResponse): Uint8Array {
  switch (response.kind) {
    case 'createStreamResponse': {
      const id = textEncoder.encode(response.streamId);
      const inner = delimitedSize(id.length);
      const w = new BufferWriter(delimitedSize(inner));
      w.tag(1, 2);
      w.varint(inner);
      w.bytes(1, id);
      return w.buf;
    }
    case 'ack': {
      checkOffset(response.ackUpToOffset);
      const inner = 1 + varintSize(response.ackUpToOffset);
      const w = new BufferWriter(delimitedSize(inner));
      w.tag(2, 2);
      w.varint(inner);
      w.tag(1, 0);
      w.varint(response.ackUpToOffset);
      return w.buf;
    }
    case 'closeStreamSignal': {
      let duration = 0;
      let seconds = 0;
      let nanos = 0;
      if (response.durationMs !== undefined) {
        // Whole nanoseconds, split so that nanos stays within Duration's 0..999,999,999.
        const totalNanos = Math.max(0, Math.round(response.durationMs * 1e6));
        seconds = Math.floor(totalNanos / 1e9);
        nanos = totalNanos - seconds * 1e9;
        duration = (seconds ? 1 + varintSize(seconds) : 0) + (nanos ? 1 + varintSize(nanos) : 0);
      }
      const inner = response.durationMs === undefined ? 0 : delimitedSize(duration);
      const w = new BufferWriter(delimitedSize(inner));
      w.tag(3, 2);
      w.varint(inner);
      if (response.durationMs !== undefined) {
        w.tag(1, 2);
        w.varint(duration);
        if (seconds) {
          w.tag(1, 0);
          w.varint(seconds);
        }
        if (nanos) {
          w.tag(2, 0);
          w.varint(nanos);
        }
      }
      return w.buf;
    }
  }
}

/** Decodes one `EphemeralStreamRequest`. Record payloads are views into `buf`. */
export function decodeRequest(buf: Uint8Array): StreamRequest {
  const r = new WireReader(buf);
  let result: StreamRequest | undefined;
  while (!r.done) {
    const [field, type] = r.tag();
    if (field >= 1 && field <= 3) {
      r.expect(2, type, 'EphemeralStreamRequest.payload');
      const sub = r.sub();
      result = field === 1 ? decodeCreate(sub) : decodeIngest(sub, field === 2 ? 'ingestRecord' : 'ingestBatch');
    } else {
      r.skip(type);
    }
  }
  if (!result) throw new WireDecodeError('EphemeralStreamRequest has no payload');
  return result;
}

function decodeCreate(r: WireReader): CreateStreamRequest {
  let tableName = '';
  let recordType: number = WireRecordType.UNSPECIFIED;
  let descriptorProto: Uint8Array | undefined;
  while (!r.done) {
    const [field, type] = r.tag();
    if (field === 1) {
      r.expect(2, type, 'table_name');
      tableName = r.string();
    } else if (field === 3) {
      r.expect(2, type, 'descriptor_proto');
      descriptorProto = r.bytes();
    } else if (field === 4) {
      r.expect(0, type, 'record_type');
      recordType = r.varint();
    } else {
      r.skip(type);
    }
  }
  return { kind: 'createStream', tableName, recordType, descriptorProto };
}

function decodeIngest(r: WireReader, kind: IngestRequest['kind']): IngestRequest {
  let offsetId: number | undefined;
  let recordType: number = WireRecordType.UNSPECIFIED;
  let records: Uint8Array[] = [];
  while (!r.done) {
    const [field, type] = r.tag();
    if (field === 1) {
      r.expect(0, type, 'offset_id');
      offsetId = r.varint();
    } else if (field === 2 || field === 3) {
      r.expect(2, type, kind === 'ingestRecord' ? 'record' : 'batch');
      recordType = field === 2 ? WireRecordType.PROTO : WireRecordType.JSON;
      if (kind === 'ingestRecord') {
        records = [r.bytes()];
      } else {
        records = [];
        const batch = r.sub();
        while (!batch.done) {
          const [f, t] = batch.tag();
          if (f === 1) {
            batch.expect(2, t, 'records');
            records.push(batch.bytes());
          } else {
            batch.skip(t);
          }
        }
      }
    } else {
      r.skip(type);
    }
  }
  if (offsetId === undefined) throw new WireDecodeError('ingest request has no offset_id');
  if (recordType === WireRecordType.UNSPECIFIED) throw new WireDecodeError('ingest request has no record');
  return { kind, offsetId, recordType, records };
}

/** Decodes one `EphemeralStreamResponse`. */
export function decodeResponse(buf: Uint8Array): StreamResponse {
  const r = new WireReader(buf);
  let result: StreamResponse | undefined;
  while (!r.done) {
    const [field, type] = r.tag();
    if (field < 1 || field > 3) {
      r.skip(type);
      continue;
    }
    r.expect(2, type, 'EphemeralStreamResponse.payload');
    const sub = r.sub();
    if (field === 1) {
      let streamId = '';
      while (!sub.done) {
        const [f, t] = sub.tag();
        if (f === 1 && t === 2) streamId = sub.string();
        else sub.skip(t);
      }
      result = { kind: 'createStreamResponse', streamId };
    } else if (field === 2) {
      let ack: number | undefined;
      while (!sub.done) {
        const [f, t] = sub.tag();
        if (f === 1 && t === 0) ack = sub.varint();
        else sub.skip(t);
      }
      if (ack === undefined) throw new WireDecodeError('ingest_record_response has no durability_ack_up_to_offset');
      result = { kind: 'ack', ackUpToOffset: ack };
    } else {
      let durationMs: number | undefined;
      while (!sub.done) {
        const [f, t] = sub.tag();
        if (f === 1 && t === 2) durationMs = decodeDurationMs(sub.sub());
        else sub.skip(t);
      }
      result = { kind: 'closeStreamSignal', durationMs };
    }
  }
  if (!result) throw new WireDecodeError('EphemeralStreamResponse has no payload');
  return result;
}

function decodeDurationMs(r: WireReader): number {
  let seconds = 0;
  let nanos = 0;
  while (!r.done) {
    const [f, t] = r.tag();
    if (f === 1 && t === 0) seconds = r.varint();
    else if (f === 2 && t === 0) nanos = r.varint();
    else r.skip(t);
  }
  return Math.max(0, seconds * 1000 + Math.floor(nanos / 1e6));
}
