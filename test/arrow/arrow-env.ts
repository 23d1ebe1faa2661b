/**
 * A local server with one Delta table (`id BIGINT NOT NULL, name STRING`) and an SDK whose log
 * entries are kept, for the Arrow tests that compare the Arrow stream with the gRPC stream or look
 * at what the SDK logged; and, for the tests that must see or hold what passes between an Arrow
 * stream and the server, a way to open one on a channel of the test's (`openArrowOn`).
 */
import { startEmulator } from '@zerobus/emulator';
import {
  ArrowStream,
  type ArrowStreamOptions,
  type HeadersProvider,
  type StreamConfigurationOptions,
  TableProperties,
  type ZerobusError,
  ZerobusSdk,
} from '@zerobus/sdk';
import * as arrow from 'apache-arrow';
import { makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { resolveArrowOptions } from '../../packages/sdk/src/arrow/arrow-options.js';
import { arrowSchemaFromTable } from '../../packages/sdk/src/arrow/arrow-schema.js';
import { Channel, parseEndpoint, type StreamCall } from '../../packages/sdk/src/transport/channel.js';
import { readDeltaTable } from '../support/delta-reader.js';
import { CLIENT_ID, CLIENT_SECRET, capturingLogger, type Harness } from '../support/harness.js';

export const TABLE = 'main.arrow.simple';

const COLUMNS = [
  { name: 'id', type_text: 'bigint', nullable: false },
  { name: 'name', type_text: 'string' },
];

export const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => BigInt(from + i));

/** One record batch of the rows `from` .. `to` - 1. */
export const batchOf = (from: number, to: number) =>
  new Table({
    id: makeVector(BigInt64Array.from(ids(from, to))),
    name: vectorFromArray(
      ids(from, to).map((i) => `n${i}`),
      new Utf8(),
    ),
  }).batches[0]!;

export async function arrowEnv() {
  const emulator = await startEmulator({ commitIntervalMs: 5, storeRecords: true });
  await emulator.createDeltaTable(TABLE, COLUMNS);
  const logs: Harness['logs'] = [];
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { logger: capturingLogger(logs) });
  const table = await TableProperties.fromTable(TABLE, {
    unityCatalogEndpoint: emulator.unityCatalogEndpoint,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    recordType: 'json',
  });
  const openArrow = (options: ArrowStreamOptions = {}) =>
    sdk.createArrowStream({ table, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, options });
  const openGrpc = (options: StreamConfigurationOptions = {}) =>
    sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), { recordType: 'json', ...options });
  const headersProvider: HeadersProvider = {
    getHeaders: () => ({ authorization: `Bearer ${emulator.issueToken(TABLE, CLIENT_ID)}` }),
  };
  /** ArrowStream.open as createArrowStream calls it, on `channel` (a TestChannel by default). */
  const openArrowOn = (
    params: {
      channel?: Channel;
      headersProvider?: HeadersProvider;
      options?: ArrowStreamOptions;
      signal?: AbortSignal;
    } = {},
  ) =>
    ArrowStream.open(
      {
        arrow,
        channel: params.channel ?? new TestChannel(emulator.endpoint),
        tableName: TABLE,
        schema: arrowSchemaFromTable(arrow, table.schema!),
        headersProvider: params.headersProvider ?? headersProvider,
        options: resolveArrowOptions(params.options),
        logger: capturingLogger(logs),
      },
      params.signal,
    );
  const rows = async () =>
    (await readDeltaTable(emulator.catalog.table(TABLE)!.delta.dir, { orderBy: 'id' })).rows.map(
      (r) => (r as { id: bigint }).id,
    );
  return {
    emulator,
    sdk,
    logs,
    openArrow,
    openGrpc,
    openArrowOn,
    headersProvider,
    rows,
    async [Symbol.asyncDispose]() {
      emulator.faults.reset(); // acks withheld by a test must not hold up the streams' close
      await emulator.close();
    },
  };
}

/**
 * A channel to the local server as the SDK makes one (same grpc-js client), which counts its
 * close() calls and can hold back what the server sends on its next call.
 */
export class TestChannel extends Channel {
  closes = 0;
  #holding: Holding | undefined;

  constructor(endpoint: string) {
    super(parseEndpoint(endpoint));
  }

  override close(): void {
    this.closes++;
    super.close();
  }

  /**
   * Holds every event of the next call opened (its messages and its end, in order) until
   * `release()` delivers them; `held` resolves once the first one is held.
   */
  holdNextCall(): { held: Promise<void>; release(): void } {
    const holding = new Holding();
    this.#holding = holding;
    return { held: holding.held, release: () => holding.release() };
  }

  override openBidiCall<T>(
    path: string,
    headers: Record<string, string>,
    decode: (bytes: Uint8Array) => T,
    handlers: { onMessage(message: T): void; onEnd(error: ZerobusError | undefined): void },
  ): StreamCall {
    const holding = this.#holding;
    this.#holding = undefined;
    if (!holding) return super.openBidiCall(path, headers, decode, handlers);
    return super.openBidiCall(path, headers, decode, {
      onMessage: (message) => holding.add(() => handlers.onMessage(message)),
      onEnd: (error) => holding.add(() => handlers.onEnd(error)),
    });
  }
}

class Holding {
  readonly #events: (() => void)[] = [];
  #released = false;
  #onHeld!: () => void;
  readonly held = new Promise<void>((resolve) => {
    this.#onHeld = resolve;
  });

  add(event: () => void): void {
    if (this.#released) {
      event();
      return;
    }
    this.#events.push(event);
    this.#onHeld();
  }

  release(): void {
    this.#released = true;
    for (const event of this.#events.splice(0)) event();
  }
}
