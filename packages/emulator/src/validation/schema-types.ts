/**
 * The table type model is the SDK's (`@zerobus/sdk/schema`): one definition for the client's
 * checks and the server's, so the two cannot drift apart. Type-only: nothing of the SDK's
 * schema code is loaded by validation.
 */

export type { DeltaType, NormalizedValue, PrimitiveTypeName, StructField, TableSchema } from '@zerobus/sdk/schema';
