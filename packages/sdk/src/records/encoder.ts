/**
 * The records layer's entry point: turns user records into payload bytes for one stream.
 *
 * JSON mode (see json-record.ts): objects are serialized by the SDK (bigint exact, bytes as
 * base64, Date as ISO string, NaN/Infinity/cycles rejected); strings must already be the JSON
 * text of an object and are sent unchanged. A descriptor, if given, is ignored.
 *
 * Proto mode: a descriptor is required. A `Uint8Array` record is an already-encoded message and
 * is sent as-is (not copied: do not modify it until it is acknowledged). Objects are encoded
 * against the descriptor:
 * - keys: proto field name (`device_name`) or JSON/camelCase name (`deviceName`); a key that is
 *   no field is an error (a typo must not drop data silently), unless its value is `undefined`;
 *   `undefined` and `null` mean "not set"; a proto2 `required` field must be set; every value
 *   that is set is written, zeros included (see proto-encoder.ts);
 * - int64 family: safe-integer number, bigint, decimal string or protobufjs `Long`;
 *   32-bit integers: integer numbers in range; float/double: numbers; bool: booleans;
 *   string: strings; bytes: `Uint8Array`/`Buffer` only (a string is refused, not guessed at);
 * - enums: a defined number or the value's name (`"RED"`); undefined numbers are refused;
 * - messages: objects (class instances such as protobufjs messages count own properties);
 *   repeated: arrays, packed as the descriptor says; maps: plain objects or `Map`;
 * - protobuf-es messages (`$typeName`) of the descriptor's own schema go through `toBinary`.
 *
 * With a table schema (TableProperties `{ schema }`, option `validate`), records are first
 * checked and converted against the table's column types (`Date` → days or microseconds,
 * decimals → exact text...): see schema-check.ts and schema-encoder.ts, which wrap this encoder.
 */

import { type DescMessage, toBinary } from '@bufbuild/protobuf';
import { InvalidRecordError, NonRetriableError } from '../errors.js';
import { isDescMessage, type NormalizedDescriptor, normalizeDescriptor } from './descriptor.js';
import type { ProtobufJsTypeLike } from './descriptor-protobufjs.js';
import { toRecordError } from './fault.js';
import { encodeJsonRecord, encodeJsonRecordInto, jsonPayloadToString } from './json-record.js';
import {
  detachPayload,
  emptySlot,
  fillSlot,
  type PayloadSlot,
  releasePayload,
  takeSlotPayload,
} from './payload-slab.js';
import { compileMessage, encodeMessage, type MessagePlan } from './proto-encoder.js';
import { ProtoWriter } from './proto-writer.js';
import { describeValue } from './value-describe.js';

export type { ProtobufJsTypeLike } from './descriptor-protobufjs.js';

export type RecordMode = 'json' | 'proto';

/**
 * protobufjs `Type` (duck-typed), a protobuf-es v2 message schema (`DescMessage`), or serialized DescriptorProto bytes.
 *
 * @example
 * ```ts
 * import { readFile, writeFile } from 'node:fs/promises';
 * import { type DescriptorInput, fetchTableSchema, TableProperties } from '@zerobus/sdk';
 * import { schemaToDescriptorProto } from '@zerobus/sdk/schema';
 *
 * // At build time: the table's record message, as DescriptorProto bytes.
 * const schema = await fetchTableSchema('main.iot.readings', { unityCatalogEndpoint, clientId, clientSecret });
 * await writeFile('readings.desc', schemaToDescriptorProto(schema, 'Reading'));
 * // At startup, with no Unity Catalog call:
 * const descriptor: DescriptorInput = await readFile('readings.desc');
 * const table = new TableProperties('main.iot.readings', descriptor);
 * ```
 */
export type DescriptorInput = ProtobufJsTypeLike | DescMessage | Uint8Array;

export interface RecordEncoder {
  readonly mode: RecordMode;
  /** DescriptorProto bytes to send in create_stream (proto mode), self-contained: every referenced message/enum type inlined as a nested type with type_name rewritten. */
  readonly descriptorProto: Uint8Array | undefined;
  /** Encodes one user record to payload bytes; throws InvalidRecordError (recordIndex, field path) when it does not fit. */
  encode(record: unknown, recordIndex: number): Uint8Array;
  /**
   * `encode`, with the bytes left in `slot`: a slab and a range when they were copied into one
   * (payload-slab.ts), so a record held for acknowledgement needs no view object of its own.
   * `slot` is written only once the record is encoded.
   */
  encodeInto(record: unknown, recordIndex: number, slot: PayloadSlot): void;
  /**
   * What getUnackedRecords() returns for a payload: a string in JSON mode, the bytes in proto
   * mode (a copy of the encoder's own bytes, which are reused once released; the user's as given).
   */
  toUserRecord(payload: Uint8Array): string | Uint8Array;
  /**
   * Gives back a payload `encode` returned once nothing reads it any more (its request was
   * acknowledged): its memory may be reused (payload-slab.ts). At most once per payload.
   */
  release(payload: Uint8Array): void;
}

const jsonEncoder: RecordEncoder = Object.freeze({
  mode: 'json' as const,
  descriptorProto: undefined,
  encode: encodeJsonRecord,
  encodeInto: encodeJsonRecordInto,
  toUserRecord: jsonPayloadToString,
  release: releasePayload,
});

interface Compiled {
  readonly normalized: NormalizedDescriptor;
  readonly plan: MessagePlan;
}

// Streams to the same table are often created again (recreateStream, several streams): compile
// each descriptor object once. Bytes are not cached; they could be changed in place.
const compiledCache = new WeakMap<object, Compiled>();

function compile(descriptor: DescriptorInput): Compiled {
  const cached = descriptor instanceof Uint8Array ? undefined : compiledCache.get(descriptor);
  if (cached) return cached;
  const normalized = normalizeDescriptor(descriptor);
  const compiled = { normalized, plan: compileMessage(normalized.message, normalized.originalName) };
  if (!(descriptor instanceof Uint8Array)) compiledCache.set(descriptor, compiled);
  return compiled;
}

/** Writers above this size are dropped after use, so one huge record does not pin its buffer. */
const KEEP_WRITER_BYTES = 1 << 20;

class ProtoRecordEncoder implements RecordEncoder {
  readonly mode = 'proto' as const;
  readonly descriptorProto: Uint8Array;
  readonly #plan: MessagePlan;
  /** The user's protobuf-es schema, when given: its own messages are encoded by protobuf-es. */
  readonly #schema: DescMessage | undefined;
  #writer = new ProtoWriter();
  #busy = false;
  /** Filled and read at once by encode() (see json-record.ts's). */
  readonly #scratch: PayloadSlot = emptySlot();

  constructor(descriptor: DescriptorInput) {
    const { normalized, plan } = compile(descriptor);
    this.descriptorProto = normalized.bytes;
    this.#plan = plan;
    this.#schema = isDescMessage(descriptor) ? descriptor : undefined;
  }

  encode(record: unknown, recordIndex: number): Uint8Array {
    this.encodeInto(record, recordIndex, this.#scratch);
    return takeSlotPayload(this.#scratch);
  }

  encodeInto(record: unknown, recordIndex: number, slot: PayloadSlot): void {
    if (record instanceof Uint8Array) {
      fillSlot(slot, record);
      return;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record) || ArrayBuffer.isView(record)) {
      throw new InvalidRecordError(
        `record ${recordIndex}: a proto stream takes message objects or encoded Uint8Array, got ${describeValue(record)}`,
        { recordIndex },
      );
    }
    const typeName = (record as { $typeName?: unknown }).$typeName;
    if (this.#schema && typeof typeName === 'string') {
      fillSlot(slot, this.#encodeProtobufEs(record, typeName, recordIndex));
      return;
    }
    // A getter in the record could call encode() again; it then gets a writer of its own.
    const reentrant = this.#busy;
    const writer = reentrant ? new ProtoWriter(256) : this.#writer;
    this.#busy = true;
    writer.reset();
    try {
      encodeMessage(this.#plan, writer, record);
      writer.finishInto(slot);
    } catch (error) {
      throw toRecordError(error, recordIndex);
    } finally {
      if (!reentrant) {
        this.#busy = false;
        if (writer.buf.length > KEEP_WRITER_BYTES) this.#writer = new ProtoWriter();
      }
    }
  }

  #encodeProtobufEs(record: object, typeName: string, recordIndex: number): Uint8Array {
    const schema = this.#schema!;
    if (typeName !== schema.typeName) {
      throw new InvalidRecordError(
        `record ${recordIndex}: got a ${typeName} message, but the stream's descriptor is ${schema.typeName}`,
        { recordIndex },
      );
    }
    try {
      return toBinary(schema, record as never);
    } catch (error) {
      throw toRecordError(error, recordIndex);
    }
  }

  toUserRecord(payload: Uint8Array): Uint8Array {
    return detachPayload(payload);
  }

  release(payload: Uint8Array): void {
    releasePayload(payload);
  }
}

export function createRecordEncoder(mode: RecordMode, descriptor: DescriptorInput | undefined): RecordEncoder {
  if (mode === 'json') return jsonEncoder;
  if (mode !== 'proto') {
    throw new NonRetriableError('INVALID_OPTIONS', `record type must be 'json' or 'proto', got ${describeValue(mode)}`);
  }
  if (descriptor === undefined || descriptor === null) {
    throw new NonRetriableError(
      'INVALID_DESCRIPTOR',
      'a proto stream (the default record type) needs a descriptor: a protobufjs Type, a protobuf-es message ' +
        "schema or DescriptorProto bytes; or pass { recordType: 'json' } to send records as JSON",
    );
  }
  return new ProtoRecordEncoder(descriptor);
}
