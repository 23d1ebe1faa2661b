/**
 * `@zerobus/emulator/console`: the console's readers of Delta tables, for the `zerobus query` and
 * `zerobus tail` commands on a data directory (no server needed). Not part of the documented API
 * of `@zerobus/emulator`; it follows the CLI.
 *
 * @module
 */

export { type JsonRow, readParquetRows } from './parquet-rows.js';
export { DUCKDB_MISSING, QueryError, type QueryResult } from './sql-query.js';
export { dataDirTables, TableData, type TableLocation, UnknownTableError } from './table-data.js';
export { DeltaTableReader, type HistoryEntry, type TableSummary } from './table-reader.js';
