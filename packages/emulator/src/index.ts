/**
 * `@zerobus/emulator`: a local Zerobus-compatible server (gRPC ingestion, OAuth, Unity Catalog
 * REST, Delta tables on disk) for development and tests. Start one with `startEmulator()`.
 *
 * @module @zerobus/emulator
 */

export type { CatalogInfo, ColumnInfo, SchemaInfo, TableInfo } from './catalog/uc-types.js';
export type { UnavailableTable } from './catalog/unavailable-table.js';
export type { CreateTableRequest, UnityCatalog } from './catalog/unity-catalog.js';
export { Emulator } from './emulator.js';
export type { CloseSignalOptions, EmulatorFaults, FlightRowsOptions } from './faults.js';
export { flightServiceDefinition } from './flight/flight-service.js';
export { zerobusServiceDefinition } from './grpc/service.js';
export { TABLE_HEADER } from './grpc/stream-checks.js';
export { TOKEN_PATH, type TokenRequestRecord } from './oauth/token-endpoint.js';
export type { AuthorizationDetail } from './oauth/tokens.js';
export {
  type CallStatus,
  type ConsoleAccess,
  DEFAULT_PRINCIPAL,
  type EmulatorOptions,
  type GrpcStatusName,
  type Principal,
  type ResolvedOptions,
  type StatusInput,
} from './options.js';
export { startEmulator } from './start-emulator.js';
export type { CallRecord, EmulatorStats, StreamInfo } from './state.js';
export { parseTableName, type RecordKind, type StoredRecord, type TableName } from './tables/table-registry.js';
export {
  type LocalTls,
  type LocalTlsFiles,
  type LocalTlsOptions,
  loadOrCreateLocalTls,
} from './tls/local-ca-files.js';
export { generateSelfSignedCertificate, type TlsKeyPair } from './tls/self-signed.js';
export type { WaitOptions } from './waiters.js';
