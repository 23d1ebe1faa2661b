/**
 * Option `validate`: wraps a stream's RecordEncoder so that each record is checked and
 * converted against the table schema (schema-check.ts) before the encoder sees it. Without a
 * schema, or with `validate: false`, the stream keeps the plain encoder: no cost at all.
 *
 * Records that carry their own encoding are sent as given, not checked against the schema:
 * encoded protobuf messages (`Uint8Array`) and protobuf-es messages (typed by their schema) on
 * proto streams, and JSON text (strings) on JSON streams. JSON text is still parsed by the JSON
 * encoder to be an object, but its values are not checked: `JSON.parse` would round the very
 * BIGINT and DECIMAL values the check exists to keep exact.
 */

import { NonRetriableError } from '../errors.js';
import type { TableSchema } from '../schema/types.js';
import type { RecordEncoder, RecordMode } from './encoder.js';
import { toRecordError } from './fault.js';
import { setRefuseUnsafeIntegers } from './json-serializer.js';
import { emptySlot, type PayloadSlot, takeSlotPayload } from './payload-slab.js';
import { type RecordCheck, recordCheck } from './schema-check.js';

function sentAsGiven(mode: RecordMode, record: unknown): boolean {
  if (mode === 'json') return typeof record === 'string';
  return (
    record instanceof Uint8Array ||
    (typeof record === 'object' && record !== null && typeof (record as { $typeName?: unknown }).$typeName === 'string')
  );
}

class CheckedRecordEncoder implements RecordEncoder {
  readonly mode: RecordMode;
  readonly descriptorProto: Uint8Array | undefined;
  readonly #inner: RecordEncoder;
  readonly #check: RecordCheck;
  /** Filled and read at once by encode() (see json-record.ts's). */
  readonly #scratch: PayloadSlot = emptySlot();

  constructor(inner: RecordEncoder, check: RecordCheck) {
    this.mode = inner.mode;
    this.descriptorProto = inner.descriptorProto;
    this.#inner = inner;
    this.#check = check;
  }

  encode(record: unknown, recordIndex: number): Uint8Array {
    this.encodeInto(record, recordIndex, this.#scratch);
    return takeSlotPayload(this.#scratch);
  }

  encodeInto(record: unknown, recordIndex: number, slot: PayloadSlot): void {
    if (sentAsGiven(this.mode, record)) {
      this.#inner.encodeInto(record, recordIndex, slot);
      return;
    }
    // Each number was checked against its column: a DOUBLE may hold 1e18, a VARIANT 2 ** 60.
    const refused = setRefuseUnsafeIntegers(false);
    let checked: unknown;
    try {
      checked = this.#check(record);
      this.#inner.encodeInto(checked, recordIndex, slot);
    } catch (error) {
      throw toRecordError(error, recordIndex);
    } finally {
      setRefuseUnsafeIntegers(refused);
    }
  }

  toUserRecord(payload: Uint8Array): string | Uint8Array {
    return this.#inner.toUserRecord(payload);
  }

  release(payload: Uint8Array): void {
    this.#inner.release(payload);
  }
}

/**
 * The stream's encoder with the schema check in front when `validate` says so: `undefined`
 * (auto) checks when there is a schema, `true` requires one, `false` never checks.
 */
export function withSchemaCheck(
  encoder: RecordEncoder,
  schema: TableSchema | undefined,
  validate: boolean | undefined,
): RecordEncoder {
  if (validate === false) return encoder;
  if (schema === undefined || schema === null) {
    if (validate !== true) return encoder;
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      'option validate: true needs the table schema: pass { schema } to TableProperties ' +
        '(new TableProperties(name, descriptor, { schema })) or use TableProperties.fromTable',
    );
  }
  return new CheckedRecordEncoder(encoder, recordCheck(schema, encoder.mode));
}
