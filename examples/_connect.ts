/**
 * Shared by the examples: where their records go.
 *
 * - With ZEROBUS_ENDPOINT, DATABRICKS_HOST, DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET set:
 *   your Databricks workspace. The example's table must exist there with the example's columns
 *   (`zerobus tables create`); ZEROBUS_TABLE names another table instead.
 * - Otherwise: the local Zerobus server (`@zerobus/emulator`), started inside this process on
 *   127.0.0.1, with the example's table created in it. Nothing to set up.
 *
 *   await using zerobus = await connect('main.examples.events', [{ name: 'device', type_text: 'string' }]);
 *   const stream = await zerobus.sdk.createStream(zerobus.clientId, zerobus.clientSecret, ...);
 */
import type { Emulator } from '@zerobus/emulator';
import { type UnityCatalogAccess, ZerobusSdk } from '@zerobus/sdk';

/** A column as Unity Catalog takes it: a Spark SQL type such as `string`, `bigint`, `decimal(10,2)`. */
export interface Column {
  name: string;
  type_text: string;
  nullable?: boolean;
}

export interface Connection extends AsyncDisposable {
  readonly sdk: ZerobusSdk;
  /** The table to write to: the example's, or ZEROBUS_TABLE. */
  readonly table: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Unity Catalog access, for `TableProperties.fromTable` and `fetchTableSchema`. */
  readonly catalog: UnityCatalogAccess;
  /** The local server (with its fault hooks), or undefined against a workspace. */
  readonly emulator: Emulator | undefined;
}

export async function connect(table: string, columns: readonly Column[]): Promise<Connection> {
  const env = process.env;
  const endpoint = env.ZEROBUS_ENDPOINT;
  const host = env.DATABRICKS_HOST;
  const clientId = env.DATABRICKS_CLIENT_ID;
  const clientSecret = env.DATABRICKS_CLIENT_SECRET;
  if (endpoint && host && clientId && clientSecret) {
    return {
      sdk: ZerobusSdk.fromEnv(), // the same four variables; streams may leave out the credentials
      table: env.ZEROBUS_TABLE || table,
      clientId,
      clientSecret,
      catalog: { unityCatalogEndpoint: host, clientId, clientSecret },
      emulator: undefined,
      async [Symbol.asyncDispose]() {},
    };
  }
  if (endpoint || host || clientId || clientSecret) {
    throw new Error(
      'set all of ZEROBUS_ENDPOINT, DATABRICKS_HOST, DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET ' +
        'for a workspace, or none for the local server',
    );
  }
  return local(table, columns);
}

async function local(table: string, columns: readonly Column[]): Promise<Connection> {
  // Loaded only when used: a program for a workspace needs nothing of the local server.
  const { DEFAULT_PRINCIPAL, startEmulator } = await import('@zerobus/emulator');
  const emulator = await startEmulator(); // ephemeral ports, a temporary data directory
  await emulator.createDeltaTable(table, columns);
  const { clientId, clientSecret } = DEFAULT_PRINCIPAL; // 'emulator-client', 'emulator-secret'
  // `proxy: false`: a proxy from https_proxy & co. could not reach this machine's 127.0.0.1.
  return {
    sdk: new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { proxy: false }),
    table,
    clientId,
    clientSecret,
    catalog: { unityCatalogEndpoint: emulator.unityCatalogEndpoint, clientId, clientSecret, proxy: false },
    emulator,
    [Symbol.asyncDispose]: () => emulator.close(),
  };
}
