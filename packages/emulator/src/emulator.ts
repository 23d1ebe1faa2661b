/**
 * The `Emulator` object `startEmulator()` returns: a running server's endpoints, what it received
 * (records, streams, calls, token requests, counters), its Unity Catalog, fault hooks, and close.
 */

import type { TableInfo } from './catalog/uc-types.js';
import type { UnavailableTable } from './catalog/unavailable-table.js';
import type { CreateTableRequest, UnityCatalog } from './catalog/unity-catalog.js';
import type { EmulatorFaults } from './faults.js';
import type { GrpcListener } from './grpc/listener.js';
import type { RunningHttpServer } from './http/http-server.js';
import { tableWriteGrants } from './oauth/table-grants.js';
import type { TokenRequestRecord } from './oauth/token-endpoint.js';
import type { Principal, ResolvedOptions } from './options.js';
import { hostAndPort, serverUrl } from './server-address.js';
import type { CallRecord, EmulatorState, EmulatorStats, StreamInfo } from './state.js';
import { stopEmulator } from './stop-emulator.js';
import { assertRecordsKept, type StoredRecord } from './tables/table-registry.js';
import type { Waiters, WaitOptions } from './waiters.js';

/**
 * A running local server, as {@link startEmulator} returns it: its endpoints for the SDK, what it
 * received (tables, records, streams, calls, token requests, counters), its Unity Catalog, and
 * fault hooks. Close it with `close()` (or `await using`).
 *
 * @example
 * ```ts
 * import { startEmulator } from '@zerobus/emulator';
 * import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
 *
 * await using emulator = await startEmulator();
 * const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
 * const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.iot.readings'), {
 *   recordType: 'json',
 * });
 * await stream.ingestRecordOffset({ device: 'a1', temp: 21.5 });
 * await stream.close(); // flushes: the record is acknowledged, so stored
 * emulator.records('main.iot.readings'); // [{ payload: '{"device":"a1","temp":21.5}', recordType: 'json', ... }]
 * ```
 */
export class Emulator implements AsyncDisposable {
  /** Zerobus endpoint for the SDK's `serverEndpoint`, e.g. `http://127.0.0.1:50051`. */
  readonly endpoint: string;
  /** `host:port` of the gRPC server, for raw grpc-js clients. */
  readonly grpcTarget: string;
  /** The port the gRPC server listens on. */
  readonly port: number;
  /** Workspace URL for the SDK's `unityCatalogEndpoint` (OAuth token endpoint lives here). */
  readonly unityCatalogEndpoint: string;
  /** The port the HTTP server (OAuth token endpoint, Unity Catalog REST API) listens on. */
  readonly httpPort: number;
  /**
   * The web console, on the HTTP port: tables, live streams, SQL, fault buttons
   * (loopback clients only unless `console: 'all'`; `undefined` with `console: 'off'`).
   *
   * @example
   * ```ts
   * import { startEmulator } from '@zerobus/emulator';
   *
   * await using emulator = await startEmulator({ dataDir: './lake' });
   * console.log(`watch ingestion at ${emulator.consoleUrl}`); // http://127.0.0.1:PORT/
   * ```
   */
  readonly consoleUrl: string | undefined;
  /** Fault injection hooks: failed calls, withheld acks, dropped connections, close signals... */
  readonly faults: EmulatorFaults;
  private closing: Promise<void> | undefined;

  /** @internal Use `startEmulator()`. */
  constructor(
    private readonly state: EmulatorState,
    private readonly waiters: Waiters,
    private readonly grpcListener: GrpcListener,
    private readonly httpServer: RunningHttpServer,
  ) {
    const host = state.options.host;
    this.port = grpcListener.port;
    this.httpPort = httpServer.port;
    const secure = state.options.tls !== undefined;
    this.endpoint = serverUrl(host, this.port, secure);
    this.grpcTarget = hostAndPort(host, this.port);
    this.unityCatalogEndpoint = serverUrl(host, this.httpPort, secure);
    this.consoleUrl = state.options.console === 'off' ? undefined : `${this.unityCatalogEndpoint}/`;
    this.faults = state.faults;
  }

  /**
   * The options it runs with, defaults filled in.
   *
   * @example
   * ```ts
   * import type { Emulator } from '@zerobus/emulator';
   *
   * // a helper for tests that run against emulators started with different options
   * async function waitForRotation(emulator: Emulator): Promise<void> {
   *   const { rotationIntervalMs } = emulator.options; // undefined: streams are never rotated
   *   if (rotationIntervalMs === undefined) throw new Error('start the emulator with rotationIntervalMs');
   *   await emulator.waitFor((e) => e.stats.closeSignalsSent > 0, { timeoutMs: rotationIntervalMs + 1_000 });
   * }
   * ```
   */
  get options(): ResolvedOptions {
    return this.state.options;
  }

  /**
   * The OAuth clients the token endpoint accepts.
   *
   * @example
   * ```ts
   * import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
   *
   * // connect with credentials this emulator accepts, whatever it was started with
   * const principal = emulator.principals.find((p) => p.tables === undefined); // one granted every table
   * if (!principal) throw new Error('no principal may write to every table');
   * const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
   * const table = new TableProperties('main.iot.readings');
   * const stream = await sdk.createStream(principal.clientId, principal.clientSecret, table, { recordType: 'json' });
   * ```
   */
  get principals(): readonly Principal[] {
    return this.state.options.principals;
  }

  /**
   * Records stored in `tableName`, in the order they were accepted (a copy); empty for an unknown
   * table. Delta (Unity Catalog) tables keep no copy unless the emulator was started with
   * `storeRecords: true` (read them back from `dataDir` otherwise): without it, this throws for
   * one. A record of a Delta table shows here once it is validated and handed to the group
   * commit, a moment before the commit makes it durable and the client gets its ack.
   *
   * @example
   * ```ts
   * import assert from 'node:assert/strict';
   *
   * await stream.flush(); // `stream` writes to this emulator: all it sent is acknowledged, so stored
   * const readings = emulator.records('main.iot.readings').map((r) => JSON.parse(r.payload as string));
   * assert.deepEqual(readings, [{ device: 'a1', temp: 21.5 }]);
   * ```
   */
  records(tableName: string): StoredRecord[] {
    assertRecordsKept(this.state, tableName);
    return this.state.tables.records(tableName);
  }

  /**
   * Names of the tables `records()` reads, in lower case: schemaless in-memory tables (the
   * `tables` option, `createTable`, or auto-created by a first stream with `autoCreateTables`),
   * and Unity Catalog tables once a stream opened them (until they are dropped).
   * `catalog.listTables()` lists every Delta table.
   *
   * @example
   * ```ts
   * import assert from 'node:assert/strict';
   *
   * // the code under test wrote to the table it was configured for, and to no other
   * assert.deepEqual(emulator.tables, ['main.iot.readings']);
   * ```
   */
  get tables(): string[] {
    return this.state.tables.names();
  }

  /**
   * Creates a schemaless in-memory table (idempotent; the name in any case, stored in lower
   * case), for streams to write to; throws a `TypeError` on a name that is not
   * `catalog.schema.table`. For a Delta table with columns, use {@link Emulator.createDeltaTable}.
   *
   * @example
   * ```ts
   * import { startEmulator } from '@zerobus/emulator';
   *
   * await using emulator = await startEmulator();
   * emulator.createTable('main.iot.readings'); // streams to other tables not in Unity Catalog end with NOT_FOUND
   * ```
   */
  createTable(name: string): void {
    this.state.tables.create(name);
  }

  /**
   * Drops every stored record (tables stay): what `records()` returns. Delta tables keep their
   * data on disk.
   *
   * @example
   * ```ts
   * import { afterEach } from 'node:test';
   *
   * // one emulator for the whole file, and every test starts with no records
   * afterEach(() => emulator.clearRecords());
   * ```
   */
  clearRecords(): void {
    this.state.tables.clearRecords();
  }

  /**
   * Open streams (create_stream succeeded, or an Arrow Flight call's schema was accepted; call not ended yet).
   *
   * @example
   * ```ts
   * import assert from 'node:assert/strict';
   *
   * // the code under test keeps one JSON stream open, not one per batch
   * assert.equal(emulator.streams.length, 1);
   * const [info] = emulator.streams;
   * assert.equal(info?.tableName, 'main.iot.readings');
   * assert.equal(info?.recordType, 'json');
   * ```
   */
  get streams(): StreamInfo[] {
    const out: StreamInfo[] = [];
    for (const session of this.state.sessions) {
      const info = session.info();
      if (info) out.push(info);
    }
    return out;
  }

  /**
   * The most recent gRPC calls, in opening order, with their metadata and how they ended: the
   * last 1,000, so that the log of a server that runs for days stays bounded;
   * `stats.callsOpened` counts every call.
   *
   * @example
   * ```ts
   * import assert from 'node:assert/strict';
   *
   * emulator.faults.failActiveStreams('UNAVAILABLE');
   * await stream.ingestRecordOffset(record); // the SDK reconnects: sent on a new call
   * await stream.close();
   * await emulator.waitFor((e) => e.calls.every((c) => c.status !== undefined)); // both calls ended
   * assert.deepEqual(emulator.calls.map((c) => c.status?.name), ['UNAVAILABLE', 'OK']);
   * ```
   */
  get calls(): CallRecord[] {
    return this.state.calls.toArray().map((call) => ({ ...call }));
  }

  /**
   * The latest 1,000 requests to the token endpoint, oldest first, without their secrets (the
   * `authorization` header keeps its scheme only) and without the body of a refused request;
   * `stats.tokenRequests` counts them all.
   *
   * @example
   * ```ts
   * import assert from 'node:assert/strict';
   *
   * const [request] = emulator.tokenRequests;
   * assert.equal(request?.clientId, 'emulator-client'); // from HTTP Basic client authentication
   * assert.equal(request?.form.grant_type, 'client_credentials');
   * assert.equal(request?.form.scope, 'all-apis');
   * ```
   */
  get tokenRequests(): TokenRequestRecord[] {
    return [...this.state.tokenRequests];
  }

  /**
   * Counters since the server started (a copy).
   *
   * @example
   * ```ts
   * import assert from 'node:assert/strict';
   *
   * // a fresh emulator, and `stream` writes to it
   * await stream.ingestRecordsOffset(records);
   * await stream.flush();
   * assert.equal(emulator.stats.requestsReceived, 1); // the batch went out as one request
   * assert.equal(emulator.stats.recordsStored, records.length);
   * ```
   */
  get stats(): EmulatorStats {
    return { ...this.state.stats };
  }

  /**
   * Issues a token without the HTTP round trip, as if `clientId` (default: the first principal)
   * had asked for SELECT + MODIFY on `tableName`. For tests that build gRPC metadata themselves.
   *
   * @example
   * ```ts
   * import { TABLE_HEADER } from '@zerobus/emulator';
   * import { ZerobusSdk } from '@zerobus/sdk';
   *
   * // no OAuth round trip: the SDK takes the call's headers from a provider
   * const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
   * const stream = await sdk.createStream({
   *   table: 'main.iot.readings',
   *   headersProvider: {
   *     getHeaders: () => ({
   *       authorization: `Bearer ${emulator.issueToken('main.iot.readings')}`,
   *       [TABLE_HEADER]: 'main.iot.readings',
   *     }),
   *   },
   *   options: { recordType: 'json' },
   * });
   * ```
   */
  issueToken(tableName: string, clientId = this.principals[0]?.clientId ?? 'emulator-client'): string {
    const token = this.state.tokens.issue(clientId, {
      scope: 'all-apis',
      resource: undefined,
      details: tableWriteGrants(tableName),
    });
    return token.accessToken;
  }

  /**
   * Resolves once `predicate` holds; re-checked after every observable change, never polled.
   * Rejects when it still does not hold after `timeoutMs` (default 5,000 ms), when it throws, or
   * when the emulator closes.
   *
   * @example
   * ```ts
   * // the code under test ingests in the background: cut its stream once something was acknowledged
   * await emulator.waitFor((e) => e.stats.acksSent > 0, { timeoutMs: 2_000 });
   * emulator.faults.failActiveStreams('UNAVAILABLE');
   * ```
   */
  waitFor(predicate: (emulator: this) => boolean, options?: WaitOptions): Promise<void> {
    return this.waiters.wait(() => predicate(this), options);
  }

  /**
   * Resolves with the table's records once it holds at least `count` of them.
   *
   * @example
   * ```ts
   * import assert from 'node:assert/strict';
   *
   * // the code under test ingests in the background
   * const stored = await emulator.waitForRecords('main.iot.readings', 3);
   * const devices = stored.map((r) => (JSON.parse(r.payload as string) as { device: string }).device);
   * assert.deepEqual(devices, ['a1', 'a2', 'a3']);
   * ```
   */
  async waitForRecords(tableName: string, count: number, options?: WaitOptions): Promise<StoredRecord[]> {
    assertRecordsKept(this.state, tableName);
    await this.waitFor(() => this.state.tables.count(tableName) >= count, options);
    return this.records(tableName);
  }

  /**
   * The Unity Catalog: catalogs, schemas and Delta tables of this emulator's data directory.
   *
   * @example
   * ```ts
   * const info = emulator.catalog.getTable('main.iot.readings'); // throws TABLE_DOES_NOT_EXIST if missing
   * info.columns.map((c) => `${c.name} ${c.type_text}`); // ['device string', 'temp double']
   * emulator.catalog.listTables('main', 'iot').map((t) => t.full_name); // ['main.iot.readings']
   * ```
   */
  get catalog(): UnityCatalog {
    return this.state.catalog;
  }

  /**
   * Delta tables of `dataDir` whose log could not be read at start; the others are served.
   * Streams to one end with FAILED_PRECONDITION naming it, and `catalog.deleteTable()` drops it.
   *
   * @example
   * ```ts
   * import { startEmulator } from '@zerobus/emulator';
   *
   * await using emulator = await startEmulator({ dataDir: './lake' });
   * for (const table of emulator.unavailableTables()) console.error(`${table.fullName}: ${table.reason}`);
   * ```
   */
  unavailableTables(): UnavailableTable[] {
    return this.state.catalog.unavailableTables();
  }

  /**
   * Where the Delta tables live.
   *
   * @example
   * ```ts
   * import { cp } from 'node:fs/promises';
   *
   * // keep the Delta tables to inspect them: close() removes a temporary data directory
   * await cp(emulator.dataDir, './lake-snapshot', { recursive: true });
   * ```
   */
  get dataDir(): string {
    return this.state.catalog.dataDir;
  }

  /**
   * Creates a Unity Catalog table (a Delta table) with the given columns, creating its catalog
   * and schema when missing. Columns take Spark SQL types: `{ name: 'ts', type_text: 'timestamp' }`.
   *
   * @example
   * ```ts
   * const info = await emulator.createDeltaTable(
   *   'main.shop.orders',
   *   [
   *     { name: 'order_id', type_text: 'bigint', nullable: false },
   *     { name: 'amount', type_text: 'decimal(10,2)' },
   *     { name: 'items', type_text: 'array<struct<sku:string,qty:int>>' },
   *     { name: 'placed_at', type_text: 'timestamp' },
   *   ],
   *   { comment: 'orders from the checkout service' },
   * );
   * info.storage_location; // 'file:///tmp/zerobus-emulator-…/main/shop/orders'
   * ```
   */
  async createDeltaTable(
    fullName: string,
    columns: CreateTableRequest['columns'],
    options: { comment?: string } = {},
  ): Promise<TableInfo> {
    const [catalog = '', schema = '', name = ''] = fullName.toLowerCase().split('.');
    const uc = this.state.catalog;
    if (!uc.listCatalogs().some((c) => c.name === catalog)) await uc.createCatalog(catalog);
    if (!uc.listSchemas(catalog).some((s) => s.name === schema)) await uc.createSchema(catalog, schema);
    const info = await uc.createTable({ catalog_name: catalog, schema_name: schema, name, columns, ...options });
    this.state.changed();
    return info;
  }

  /**
   * Ends every open call with UNAVAILABLE, closes both servers (never waiting longer than the
   * grace period), then lets commits under way finish; a temporary data directory is removed.
   *
   * @example
   * ```ts
   * import { after, before } from 'node:test';
   * import { type Emulator, startEmulator } from '@zerobus/emulator';
   *
   * let emulator: Emulator;
   * before(async () => {
   *   emulator = await startEmulator();
   * });
   * after(() => emulator.close());
   * ```
   */
  close(): Promise<void> {
    this.closing ??= stopEmulator(this.state, this.waiters, this.grpcListener, this.httpServer);
    return this.closing;
  }

  /**
   * Same as {@link Emulator.close}, for `await using`.
   *
   * @example
   * ```ts
   * import { startEmulator } from '@zerobus/emulator';
   *
   * {
   *   await using emulator = await startEmulator();
   *   // ... the test
   * } // emulator.close() has run here, even if the test threw
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
