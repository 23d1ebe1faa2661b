/** What a record becomes once validated, and the decoder interface both record formats share. */

/** One validated record: a NormalizedValue per table column, in `schema.fields` order. */
export type Row = unknown[];

export interface RecordDecoder {
  /** The record's row; throws `RecordRejection` (naming the field) when it does not fit the table. */
  decode(payload: Uint8Array): Row;
}
