// Names every `@example` in the API reference may use without declaring them: the things a
// reader already has at that point (a client, an open stream, credentials, some records).
// Everything else — classes, functions, types — an example imports, so it can be copied as is.
// scripts/check-doc-examples.mjs type-checks each example with these in scope.

/** An SDK client: `new ZerobusSdk(serverEndpoint, unityCatalogEndpoint)`. */
declare const sdk: import('@zerobus/sdk').ZerobusSdk;
/** An open JSON stream. */
declare const stream: import('@zerobus/sdk').ZerobusStream;
/** An open stream pool. */
declare const pool: import('@zerobus/sdk').StreamPool;
/** An open Arrow stream. */
declare const arrowStream: import('@zerobus/sdk').ArrowStream;
/** A running local server (`await startEmulator()`). */
declare const emulator: import('@zerobus/emulator').Emulator;
/** The Zerobus endpoint, e.g. `https://1234567890123456.zerobus.us-west-2.cloud.databricks.com`. */
declare const serverEndpoint: string;
/** The workspace URL, e.g. `https://dbc-a1b2c3d4-e5f6.cloud.databricks.com`. */
declare const unityCatalogEndpoint: string;
/** The service principal's OAuth client id. */
declare const clientId: string;
/** The service principal's OAuth client secret. */
declare const clientSecret: string;
/** One JSON record. */
declare const record: Record<string, unknown>;
/** Some JSON records. */
declare const records: Record<string, unknown>[];
/** An Arrow record batch whose columns match the table. */
declare const recordBatch: import('apache-arrow').RecordBatch;
