/**
 * `@zerobus/sdk`: stream records into Databricks Delta tables through the Zerobus ingestion
 * service, from pure TypeScript. The public surface is exactly what this file exports.
 */
export { ZerobusSdk, type ZerobusSdkOptions, type CreateStreamParams } from './sdk.js';
export { ZerobusStream, type SignalOptions, type WaitForOffsetOptions, type StreamState } from './engine/stream.js';
export { RecordAcknowledgment } from './engine/acknowledgment.js';
export { TableProperties, parseTableName, type TableName } from './table.js';
export {
  RecordType,
  DEFAULT_STREAM_OPTIONS,
  type AckCallback,
  type StreamConfigurationOptions,
} from './options.js';
export type { DescriptorInput } from './records/encoder.js';
export type { HeadersProvider, Headers } from './auth/headers-provider.js';
export {
  ZerobusError,
  NonRetriableError,
  InvalidRecordError,
  GrpcStatus,
  type ZerobusErrorCode,
  type SdkErrorCode,
  type GrpcStatusName,
} from './errors.js';
export { createConsoleLogger, type Logger, type LogLevel } from './logger.js';
export { SDK_VERSION } from './version.js';
