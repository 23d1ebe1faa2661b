/**
 * The Arrow Flight side of the wire (PROTOCOL.md §11), shared by the SDK's Arrow stream and the
 * local server through `@zerobus/sdk/wire`: `FlightData` and `PutResult` messages, the JSON
 * `app_metadata` both directions carry, and the framing of Arrow IPC messages into FlightData
 * (`data_header` = the flatbuffer `Message`, `data_body` = its body). Hand-written like the
 * Zerobus codec, and free of apache-arrow, so the wire stays one small module.
 */

import { WireDecodeError, WireReader } from './wire-reader.js';
import { BufferWriter, delimitedSize, varintSize } from './wire-writer.js';

export const FLIGHT_SERVICE = 'arrow.flight.protocol.FlightService';
export const FLIGHT_DO_PUT_PATH = `/${FLIGHT_SERVICE}/DoPut`;

export interface FlightData {
  /** `FlightDescriptor` of type PATH, sent with the first message of a call (the table name). */
  readonly descriptorPath?: readonly string[] | undefined;
  /** The IPC `Message` flatbuffer (schema or record batch header). */
  readonly dataHeader: Uint8Array;
  readonly appMetadata?: Uint8Array | undefined;
  readonly dataBody: Uint8Array;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const DESCRIPTOR_TYPE_PATH = 1;

export function encodeFlightData(data: FlightData): Uint8Array {
  const path = (data.descriptorPath ?? []).map((p) => textEncoder.encode(p));
  let descriptor = 0;
  if (data.descriptorPath) {
    descriptor = 2; // type = PATH
    for (const p of path) descriptor += delimitedSize(p.length);
  }
  const meta = data.appMetadata;
  const size =
    (data.descriptorPath ? delimitedSize(descriptor) : 0) +
    delimitedSize(data.dataHeader.length) +
    (meta ? delimitedSize(meta.length) : 0) +
    // data_body is field 1000: a two-byte tag.
    2 +
    varintSize(data.dataBody.length) +
    data.dataBody.length;
  const w = new BufferWriter(size);
  if (data.descriptorPath) {
    w.tag(1, 2);
    w.varint(descriptor);
    w.tag(1, 0);
    w.varint(DESCRIPTOR_TYPE_PATH);
    for (const p of path) w.bytes(3, p);
  }
  w.bytes(2, data.dataHeader);
  if (meta) w.bytes(3, meta);
  w.varint((1000 << 3) | 2);
  w.varint(data.dataBody.length);
  w.buf.set(data.dataBody, w.pos);
  w.pos += data.dataBody.length;
  return w.buf;
}

export function decodeFlightData(buf: Uint8Array): FlightData {
  const r = new WireReader(buf);
  let descriptorPath: string[] | undefined;
  let dataHeader: Uint8Array = new Uint8Array(0);
  let appMetadata: Uint8Array | undefined;
  let dataBody: Uint8Array = new Uint8Array(0);
  while (!r.done) {
    const [field, type] = r.tag();
    if (field === 1) {
      r.expect(2, type, 'FlightData.flight_descriptor');
      const sub = r.sub();
      descriptorPath = [];
      while (!sub.done) {
        const [f, t] = sub.tag();
        if (f === 3 && t === 2) descriptorPath.push(sub.string());
        else sub.skip(t);
      }
    } else if (field === 2) {
      r.expect(2, type, 'FlightData.data_header');
      dataHeader = r.bytes();
    } else if (field === 3) {
      r.expect(2, type, 'FlightData.app_metadata');
      appMetadata = r.bytes();
    } else if (field === 1000) {
      r.expect(2, type, 'FlightData.data_body');
      dataBody = r.bytes();
    } else {
      r.skip(type);
    }
  }
  return { descriptorPath, dataHeader, appMetadata, dataBody };
}

/** `PutResult { bytes app_metadata = 1; }` */
export function encodePutResult(appMetadata: Uint8Array): Uint8Array {
  const w = new BufferWriter(delimitedSize(appMetadata.length));
  w.bytes(1, appMetadata);
  return w.buf;
}

export function decodePutResult(buf: Uint8Array): Uint8Array {
  const r = new WireReader(buf);
  let meta: Uint8Array = new Uint8Array(0);
  while (!r.done) {
    const [field, type] = r.tag();
    if (field === 1 && type === 2) meta = r.bytes();
    else r.skip(type);
  }
  return meta;
}

// --- app_metadata ---------------------------------------------------------------------------

/** A record batch's `app_metadata`: `{"offset_id": N}`, N counting batches from 0 on each call. */
export function encodeBatchMetadata(offsetId: number): Uint8Array {
  return textEncoder.encode(JSON.stringify({ offset_id: offsetId }));
}

function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(textDecoder.decode(bytes));
  } catch {
    throw new WireDecodeError(`${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WireDecodeError(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function integerField(object: Record<string, unknown>, key: string, min: number, what: string): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new WireDecodeError(`${what} needs an integer "${key}" of at least ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function decodeBatchMetadata(bytes: Uint8Array | undefined): number {
  if (!bytes || bytes.length === 0) throw new WireDecodeError('record batch without app_metadata {"offset_id": N}');
  return integerField(parseJsonObject(bytes, 'app_metadata'), 'offset_id', 0, 'app_metadata');
}

/**
 * A PutResult's `app_metadata`: the last batch acknowledged in full (`-1`, with 0 rows, is the
 * "stream ready" signal) and the cumulative rows made durable on this call, which may end
 * inside the next batch (a partial acknowledgement).
 */
export interface FlightAck {
  readonly ackUpToOffset: number;
  readonly ackUpToRecords: number;
}

export function encodeAckMetadata(ack: FlightAck): Uint8Array {
  return textEncoder.encode(
    JSON.stringify({ ack_up_to_offset: ack.ackUpToOffset, ack_up_to_records: ack.ackUpToRecords }),
  );
}

export function decodeAckMetadata(bytes: Uint8Array): FlightAck {
  const object = parseJsonObject(bytes, 'PutResult app_metadata');
  return {
    ackUpToOffset: integerField(object, 'ack_up_to_offset', -1, 'PutResult app_metadata'),
    ackUpToRecords: integerField(object, 'ack_up_to_records', 0, 'PutResult app_metadata'),
  };
}

// --- Arrow IPC framing ----------------------------------------------------------------------

/** One IPC message: its flatbuffer `Message` header and its body. */
export interface IpcMessage {
  readonly header: Uint8Array;
  readonly body: Uint8Array;
}

const CONTINUATION = 0xffffffff;

/**
 * `Message.bodyLength` read straight from the flatbuffer (table field 3, an int64), so that IPC
 * bytes can be cut into messages without an Arrow library: root offset → table → vtable.
 */
export function ipcBodyLength(header: Uint8Array): number {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const fail = () => new WireDecodeError('IPC message header is not a valid flatbuffer Message');
  if (header.length < 8) throw fail();
  const table = view.getUint32(0, true);
  if (table + 4 > header.length) throw fail();
  const vtable = table - view.getInt32(table, true);
  if (vtable < 0 || vtable + 4 > header.length) throw fail();
  const vtableSize = view.getUint16(vtable, true);
  const slot = 4 + 2 * 3; // fields: version, header_type, header, bodyLength
  if (slot + 2 > vtableSize) return 0;
  const offset = view.getUint16(vtable + slot, true);
  if (offset === 0) return 0;
  if (table + offset + 8 > header.length) throw fail();
  const length = view.getBigInt64(table + offset, true);
  if (length < 0n || length > BigInt(Number.MAX_SAFE_INTEGER)) throw fail();
  return Number(length);
}

/** Cuts IPC stream-format bytes (as `tableToIPC(table, 'stream')` writes) into messages; the end marker is dropped. */
export function splitIpcStream(bytes: Uint8Array): IpcMessage[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: IpcMessage[] = [];
  let pos = 0;
  while (pos + 4 <= bytes.length) {
    let length = view.getUint32(pos, true);
    pos += 4;
    if (length === CONTINUATION) {
      if (pos + 4 > bytes.length) throw new WireDecodeError('IPC stream ends inside a message prefix');
      length = view.getUint32(pos, true);
      pos += 4;
    }
    if (length === 0) break; // end of stream
    if (pos + length > bytes.length) throw new WireDecodeError('IPC stream ends inside a message header');
    const header = bytes.subarray(pos, pos + length);
    pos += length;
    const bodyLength = ipcBodyLength(header);
    if (pos + bodyLength > bytes.length) throw new WireDecodeError('IPC stream ends inside a message body');
    messages.push({ header, body: bytes.subarray(pos, pos + bodyLength) });
    pos += bodyLength;
  }
  return messages;
}

/** IPC stream-format bytes for messages (each header padded to 8 bytes), with the end marker. */
export function joinIpcStream(messages: readonly IpcMessage[]): Uint8Array {
  let size = 8; // end-of-stream marker
  for (const m of messages) size += 8 + pad8(m.header.length) + m.body.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = 0;
  for (const m of messages) {
    const padded = pad8(m.header.length);
    view.setUint32(pos, CONTINUATION, true);
    view.setUint32(pos + 4, padded, true);
    out.set(m.header, pos + 8);
    pos += 8 + padded;
    out.set(m.body, pos);
    pos += m.body.length;
  }
  view.setUint32(pos, CONTINUATION, true);
  view.setUint32(pos + 4, 0, true);
  return out;
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}
