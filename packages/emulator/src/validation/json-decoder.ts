/**
 * The JSON record decoder: UTF-8 bytes → JSON object → row. Values are checked and converted
 * by json-values.ts; numbers that a double cannot carry exactly take the lossless parse (see
 * json-text.ts), so BIGINT, TIMESTAMP and DECIMAL values keep every digit.
 */

import type { RecordDecoder, Row } from './decoder.js';
import { describeJson } from './describe.js';
import { asRejection, RecordRejection } from './errors.js';
import { mayLoseNumbers, parseJsonText } from './json-text.js';
import { compileFields, isJsonObject, readFields } from './json-values.js';
import type { TableSchema } from './schema-types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A decoder for JSON records of `schema`; throws `SchemaMismatch` for map key types JSON cannot carry. */
export function createJsonDecoder(schema: TableSchema): RecordDecoder {
  const fields = compileFields(schema.fields, undefined);
  return {
    decode(payload: Uint8Array): Row {
      let text: string;
      try {
        text = utf8.decode(payload);
      } catch {
        throw new RecordRejection(undefined, 'record is not valid UTF-8');
      }
      let value: unknown;
      try {
        value = parseJsonText(text, mayLoseNumbers(payload));
      } catch (error) {
        throw new RecordRejection(undefined, `record is not valid JSON (${(error as Error).message})`);
      }
      if (!isJsonObject(value))
        throw new RecordRejection(undefined, `expected a JSON object, got ${describeJson(value)}`);
      try {
        return readFields(fields, value);
      } catch (error) {
        // Converters recurse with the schema, never deeper; a RangeError means a stack overflow all the same.
        if (error instanceof RangeError) throw new RecordRejection(undefined, 'record is nested too deeply');
        throw asRejection(error);
      }
    },
  };
}
