/**
 * `@zerobus/sdk`: stream records into Databricks Delta tables through the Zerobus ingestion
 * service, from pure TypeScript. The public surface is exactly what this file exports.
 *
 * @module @zerobus/sdk
 */

export type { ArrowInput } from './arrow/arrow-batches.js';
export type { ArrowStreamOptions } from './arrow/arrow-options.js';
export { ArrowStream, type ArrowStreamState } from './arrow/arrow-stream.js';
export type { Headers, HeadersProvider } from './auth/headers-provider.js';
export { fetchTableSchema, type UnityCatalogAccess } from './catalog/table-metadata.js';
export { RecordAcknowledgment } from './engine/acknowledgment.js';
export type { IngestAllOptions, IngestSource } from './engine/ingest-all.js';
export type { LatencySummary } from './engine/latency-window.js';
export { PoolOffset, type StreamPoolOptions } from './engine/pool-offset.js';
export type { StreamPoolStats } from './engine/pool-stats.js';
export {
  type RecordInput,
  type SignalOptions,
  type StreamState,
  type WaitForOffsetOptions,
  ZerobusStream,
} from './engine/stream.js';
export type { CloseSignalEvent, RecoveredEvent, RecoveringEvent, StreamEvents } from './engine/stream-events.js';
export type { StreamStats } from './engine/stream-metrics.js';
export { StreamPool, type StreamPoolState } from './engine/stream-pool.js';
export type { StreamWritableOptions } from './engine/writable.js';
export {
  GrpcStatus,
  type GrpcStatusName,
  InvalidRecordError,
  NonRetriableError,
  type SdkErrorCode,
  ZerobusError,
  type ZerobusErrorCode,
} from './errors.js';
export { createConsoleLogger, type Logger, type LogLevel } from './logger.js';
export type { ProxyEnv, ProxyOption } from './net/proxy-config.js';
export {
  type AckCallback,
  DEFAULT_STREAM_OPTIONS,
  RecordType,
  type StreamConfigurationOptions,
} from './options.js';
export {
  descriptorFromFileDescriptorSet,
  descriptorFromProtoFile,
  descriptorFromProtoText,
} from './records/descriptor-sources.js';
export type { DescriptorInput } from './records/encoder.js';
export { type CreateArrowStreamParams, type CreateStreamParams, ZerobusSdk, type ZerobusSdkOptions } from './sdk.js';
export {
  type FromTableOptions,
  parseTableName,
  type TableName,
  TableProperties,
  type TablePropertiesOptions,
} from './table.js';
export type { MeterLike } from './telemetry/meter.js';
export { SDK_VERSION } from './version.js';
