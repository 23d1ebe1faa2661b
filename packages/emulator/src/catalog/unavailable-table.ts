/**
 * Tables the catalog found at start but could not open: what is kept of them, and what clients
 * are told (the table, what is wrong with its log, what to do; never a server path).
 */
import { relative, resolve } from 'node:path';

/**
 * A Delta table found at start whose log could not be read (a missing version, a commit that is
 * not JSON...), as {@link UnityCatalog.unavailableTables} lists it. The server still starts and
 * serves the other tables; this one keeps its name (so nothing is created over it), streams to
 * it are refused with FAILED_PRECONDITION naming it, and it can be deleted and created again.
 *
 * @example
 * ```ts
 * import type { UnavailableTable } from '@zerobus/emulator';
 *
 * // a test's data directory holds a table whose log was damaged on purpose
 * const damaged: UnavailableTable[] = emulator.unavailableTables();
 * damaged.map((t) => `${t.fullName}: ${t.reason}`); // ['main.iot.old: the Delta log in main/iot/old lacks version 3']
 * for (const table of damaged) await emulator.catalog.deleteTable(table.fullName); // then create it again
 * ```
 */
export interface UnavailableTable {
  /** `catalog.schema.table`. */
  readonly fullName: string;
  /** What is wrong with its log, naming the version; paths are relative to the data directory. */
  readonly reason: string;
  /** The table's directory (for the server's own log; never sent to clients). */
  readonly dir: string;
}

/** An error's message with the server's paths made relative to the data directory. */
export function withoutServerPaths(error: unknown, tableDir: string, dataDir: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const table = resolve(tableDir);
  const data = resolve(dataDir);
  return message
    .replaceAll(table, relative(data, table) || '.')
    .replaceAll(data, '<data directory>')
    .replaceAll(tableDir, relative(data, table) || '.');
}

/** What clients are told about an unavailable table: which, what is wrong, what to do. */
export function unavailableMessage(table: UnavailableTable): string {
  return (
    `table ${table.fullName} is unavailable: its Delta log cannot be read (${table.reason}); ` +
    `delete the table (DELETE /api/2.1/unity-catalog/tables/${table.fullName}) and create it again, ` +
    'or repair its _delta_log and restart the server'
  );
}
