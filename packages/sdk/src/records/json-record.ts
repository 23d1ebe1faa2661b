/**
 * JSON-mode records: objects serialized by the SDK (json-serializer.ts), or strings the user
 * already serialized, which must hold a JSON object and are sent unchanged.
 */

import { InvalidRecordError } from '../errors.js';
import { toRecordError } from './fault.js';
import { scanMemory } from './json-escape-simd.js';
import { isObjectRecord, kindOf, serializeObject } from './json-serializer.js';
import { copyIntoSlot, emptySlot, fillSlot, type PayloadSlot, takeSlotPayload } from './payload-slab.js';
import { ProtoWriter } from './proto-writer.js';
import { describeValue } from './value-describe.js';

// JSON-mode encoding is synchronous and shared by every JSON stream: one writer serves them
// all, and a toJSON() that re-enters the encoder gets a writer of its own. The shared one lives
// in WebAssembly memory, where the escape scan of each long string reads it in place.
const newSharedWriter = (): ProtoWriter => new ProtoWriter(1024, scanMemory());
let sharedWriter = newSharedWriter();
let busy = false;
const KEEP_WRITER_BYTES = 1 << 20;

function serialize(record: object, recordIndex: number, slot: PayloadSlot): void {
  const reentrant = busy;
  const w = reentrant ? new ProtoWriter(256) : sharedWriter;
  busy = true;
  w.reset();
  try {
    serializeObject(w, record);
    w.finishInto(slot);
  } catch (error) {
    throw toRecordError(error, recordIndex);
  } finally {
    if (!reentrant) {
      busy = false;
      if (w.buf.length > KEEP_WRITER_BYTES) sharedWriter = newSharedWriter();
    }
  }
}

function utf8Payload(text: string, slot: PayloadSlot): void {
  // Through a writer and the payload slab: Buffer.from would give every text over 4 KiB an
  // ArrayBuffer of its own. A toJSON() cannot run here, so the shared writer is never busy.
  if (busy) {
    fillSlot(slot, Buffer.from(text, 'utf8'));
    return;
  }
  sharedWriter.reset();
  sharedWriter.utf8(text);
  copyIntoSlot(sharedWriter.buf, sharedWriter.pos, slot);
  if (sharedWriter.buf.length > KEEP_WRITER_BYTES) sharedWriter = newSharedWriter();
}

/** Filled and read at once by encodeJsonRecord, so a toJSON() that encodes another record meanwhile cannot mix them up. */
const scratch = emptySlot();

/** The payload of one JSON-mode record: UTF-8 JSON text of an object. */
export function encodeJsonRecord(record: unknown, recordIndex: number): Uint8Array {
  encodeJsonRecordInto(record, recordIndex, scratch);
  return takeSlotPayload(scratch);
}

/** encodeJsonRecord, with the payload left in `slot` (see PayloadSlot). */
export function encodeJsonRecordInto(record: unknown, recordIndex: number, slot: PayloadSlot): void {
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
    utf8Payload(record, slot);
    return;
  }
  if (isObjectRecord(record)) {
    serialize(record, recordIndex, slot);
    return;
  }
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
