/**
 * The table type model is the SDK's (`@zerobus/sdk/schema`): one definition for the client's
 * checks and the server's, so the two cannot drift apart. So are the exact text parsers for
 * decimals, dates and timestamps (`parseDecimalText`, `parseDateText`...), which validation
 * imports from there: the SDK's client-side checks accept exactly what the server does.
 */

export type { DeltaType, NormalizedValue, PrimitiveTypeName, StructField, TableSchema } from '@zerobus/sdk/schema';
