/**
 * Server-side record validation: every JSON or protobuf record of a stream becomes a row of
 * NormalizedValues in column order (see `@zerobus/sdk/schema`), or a RecordRejection naming
 * the field, what was expected and what was received. Protobuf descriptors are checked
 * against the table when the stream is created (SchemaMismatch).
 */

export type { RecordDecoder, Row } from './decoder.js';
export { RecordRejection, SchemaMismatch } from './errors.js';
export { createJsonDecoder } from './json-decoder.js';
export { createProtoDecoder } from './proto-decoder.js';
