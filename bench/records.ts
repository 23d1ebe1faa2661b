/**
 * Records of an exact payload size. JSON: objects `{id, p}` whose serialized text
 * (`{"id":N,"p":"xxx…"}`) is exactly `size` bytes, built per record as an application would (the
 * padding strings are shared), so the SDK's JSON encoding is part of what is measured. Proto:
 * `message R { optional int64 id = 1; optional string p = 2; }` pre-encoded by protobufjs to
 * exactly `size` bytes; a pool of 1,024 distinct messages is cycled, so the client's memory
 * reflects what the SDK holds, not a 100,000-record input array.
 */
import protobuf from 'protobufjs';
import type { RecordKind } from './args.js';

export interface RecordSource {
  readonly kind: RecordKind;
  readonly size: number;
  /** The protobufjs type of proto records (the stream's descriptor). */
  readonly descriptor: protobuf.Type | undefined;
  record(index: number): unknown;
}

const PROTO_POOL = 1024;

export const RecordProto = protobuf
  .parse('syntax = "proto2"; message R { optional int64 id = 1; optional string p = 2; }')
  .root.lookupType('R');

/** `{"id":` + digits + `,"p":"` + padding + `"}` */
const JSON_OVERHEAD = 14;

function digits(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1_000) return 3;
  if (n < 10_000) return 4;
  if (n < 100_000) return 5;
  if (n < 1_000_000) return 6;
  return String(n).length;
}

export function jsonRecords(size: number, count: number): RecordSource {
  const maxDigits = digits(Math.max(0, count - 1));
  if (size - JSON_OVERHEAD - maxDigits < 0) {
    throw new Error(`a ${size} B JSON record cannot hold ids up to ${count - 1}`);
  }
  const pads = [''];
  for (let d = 1; d <= maxDigits; d++) pads.push('x'.repeat(size - JSON_OVERHEAD - d));
  for (const id of [0, count - 1]) {
    const length = Buffer.byteLength(JSON.stringify({ id, p: pads[digits(id)] }));
    if (length !== size) throw new Error(`JSON record ${id} is ${length} B, not ${size} B`);
  }
  return {
    kind: 'json',
    size,
    descriptor: undefined,
    record: (index) => ({ id: index, p: pads[digits(index)] }),
  };
}

/** Message `id` padded to exactly `size` encoded bytes. */
function encodeExact(id: number, size: number): Uint8Array {
  // A first guess, then correct for the varint lengths (of id and of the string's length).
  let pad = Math.max(0, size - 6);
  for (let attempt = 0; attempt < 8; attempt++) {
    const bytes = RecordProto.encode(RecordProto.create({ id, p: 'x'.repeat(pad) })).finish();
    if (bytes.length === size) return bytes;
    pad += size - bytes.length;
    if (pad < 0) break;
  }
  throw new Error(`cannot encode message ${id} in exactly ${size} B`);
}

export function protoRecords(size: number): RecordSource {
  const pool: Uint8Array[] = [];
  for (let id = 0; id < PROTO_POOL; id++) pool.push(encodeExact(id, size));
  return {
    kind: 'proto',
    size,
    descriptor: RecordProto,
    record: (index) => pool[index % PROTO_POOL],
  };
}

export function recordSource(kind: RecordKind, size: number, count: number): RecordSource {
  return kind === 'json' ? jsonRecords(size, count) : protoRecords(size);
}
