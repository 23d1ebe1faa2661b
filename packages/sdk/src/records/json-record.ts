/**
 * JSON-mode records: objects serialized by the SDK (json-serializer.ts), or strings the user
 * already serialized, which must hold a JSON object and are sent unchanged.
 */

import { InvalidRecordError } from '../errors.js';
import { toRecordError } from './fault.js';
import { scanMemory } from './json-escape-simd.js';
import { isObjectRecord, kindOf, serializeObject } from './json-serializer.js';
import { ProtoWriter } from './proto-writer.js';
import { describeValue } from './value-describe.js';

// JSON-mode encoding is synchronous and shared by every JSON stream: one writer serves them
// all, and a toJSON() that re-enters the encoder gets a writer of its own. The shared one lives
// in WebAssembly memory, where the escape scan of each long string reads it in place.
const newSharedWriter = (): ProtoWriter => new ProtoWriter(1024, scanMemory());
let sharedWriter = newSharedWriter();
let busy = false;
const KEEP_WRITER_BYTES = 1 << 20;

function serialize(record: object, recordIndex: number): Uint8Array {
  const reentrant = busy;
  const w = reentrant ? new ProtoWriter(256) : sharedWriter;
  busy = true;
  w.reset();
  try {
    serializeObject(w, record);
    return w.finish();
  } catch (error) {
    throw toRecordError(error, recordIndex);
  } finally {
    if (!reentrant) {
      busy = false;
      if (w.buf.length > KEEP_WRITER_BYTES) sharedWriter = newSharedWriter();
    }
  }
}

function utf8Payload(text: string): Uint8Array {
  // Through a writer and the payload slab: Buffer.from would give every text over 4 KiB an
  // ArrayBuffer of its own. A toJSON() cannot run here, so the shared writer is never busy.
  if (busy) return Buffer.from(text, 'utf8');
  sharedWriter.reset();
  sharedWriter.utf8(text);
  const payload = sharedWriter.finish();
  if (sharedWriter.buf.length > KEEP_WRITER_BYTES) sharedWriter = newSharedWriter();
  return payload;
}

/** The payload of one JSON-mode record: UTF-8 JSON text of an object. */
export function encodeJsonRecord(record: unknown, recordIndex: number): Uint8Array {
  if (typeof record === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(record);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const short = reason.length > 160 ? `${reason.slice(0, 160)}…` : reason;
      throw new InvalidRecordError(`record ${recordIndex} is not valid JSON: ${short}`, { recordIndex, cause: error });
    }
    if (!isObjectRecord(parsed)) {
      throw new InvalidRecordError(`record ${recordIndex}: a JSON record must be an object, got ${kindOf(parsed)}`, {
        recordIndex,
      });
    }
    // The user's own text is sent unchanged: it may hold numbers JSON.parse would round.
    return utf8Payload(record);
  }
  if (isObjectRecord(record)) return serialize(record, recordIndex);
  if (Array.isArray(record) || record instanceof Set) {
    throw new InvalidRecordError(`record ${recordIndex}: a JSON record must be an object, got ${kindOf(record)}`, {
      recordIndex,
    });
  }
  throw new InvalidRecordError(
    `record ${recordIndex}: a JSON stream takes objects or JSON strings, got ${describeValue(record)}`,
    { recordIndex },
  );
}

const decoder = new TextDecoder();

/** The record as the user gets it back from getUnackedRecords(): the JSON text. */
export function jsonPayloadToString(payload: Uint8Array): string {
  return decoder.decode(payload);
}
