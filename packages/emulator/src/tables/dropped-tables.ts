/**
 * What dropping a Unity Catalog table does to the streams writing to it, as the real service
 * does (PROTOCOL.md §13): they end with NOT_FOUND naming the table, requests waiting for a
 * commit are never committed nor acknowledged, and the table's files are removed only once no
 * commit into them is under way.
 */
import { GrpcStatus } from '@zerobus/sdk/wire';
import type { EmulatorState } from '../state.js';

/** Wires the catalog's drop notification to the emulator's streams, records and committers. */
export function endStreamsOfDroppedTables(state: EmulatorState): void {
  state.catalog.onTableDropped(async (info) => {
    const name = info.full_name;
    for (const session of [...state.sessions]) {
      if (session.info()?.tableName === name) session.fail(GrpcStatus.NOT_FOUND, `table ${name} does not exist`);
    }
    // Its records go too: a stream that opens the name again must not find a table.
    state.tables.drop(name);
    await state.sinks.drop(info);
    state.changed();
  });
}
