/**
 * Malformed Arrow IPC, made by hand for the server's layout checks: a record batch message taken
 * apart into its header fields (row count, field nodes, buffer regions) and a copy of its body,
 * changed by a test, and put back together with apache-arrow's own header encoder. What the
 * header says (lengths, null counts, where buffers are) can thus lie about the body.
 */

import type { IpcMessage } from '@zerobus/sdk/wire';
import { Message } from 'apache-arrow';
import { BufferRegion, FieldNode, RecordBatch as RecordBatchHeader } from 'apache-arrow/ipc/metadata/message';

export interface BatchParts {
  length: number;
  nodes: { length: number; nullCount: number }[];
  buffers: { offset: number; length: number }[];
  /** A copy: tests may change it. */
  body: Uint8Array;
}

/** The parts of an (uncompressed) record batch message. */
export function batchParts(ipc: IpcMessage): BatchParts {
  const header = Message.decode(ipc.header).header() as unknown as RecordBatchHeader;
  return {
    length: header.length,
    nodes: header.nodes.map((n) => ({ length: n.length, nullCount: n.nullCount })),
    buffers: header.buffers.map((b) => ({ offset: b.offset, length: b.length })),
    body: ipc.body.slice(),
  };
}

/** A record batch message from parts (its body length is the body's). */
export function batchMessage(parts: BatchParts): IpcMessage {
  const header = new RecordBatchHeader(
    parts.length,
    parts.nodes.map((n) => new FieldNode(n.length, n.nullCount)),
    parts.buffers.map((b) => new BufferRegion(b.offset, b.length)),
    null,
  );
  return { header: Message.encode(Message.from(header, parts.body.length)), body: parts.body };
}

/** The bytes of buffer `index` in the body (a view: writing to it changes the body). */
export function bufferBytes(parts: BatchParts, index: number): Uint8Array {
  const region = parts.buffers[index];
  if (!region) throw new Error(`no buffer ${index}`);
  return parts.body.subarray(region.offset, region.offset + region.length);
}

/** Buffer `index` as int32 values (offsets, Int32 values), little-endian, writable. */
export function int32s(parts: BatchParts, index: number): { get(i: number): number; set(i: number, v: number): void } {
  const bytes = bufferBytes(parts, index);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { get: (i) => view.getInt32(i * 4, true), set: (i, v) => view.setInt32(i * 4, v, true) };
}
