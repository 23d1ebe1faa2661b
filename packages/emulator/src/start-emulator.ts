/** Bringing an emulator up (options, shared state, both servers wired), apart from the `Emulator` handle it returns. */

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '@grpc/grpc-js';
import { addUnityCatalogRoutes } from './catalog/uc-routes.js';
import { UnityCatalog } from './catalog/unity-catalog.js';
import { ConsoleServer } from './console/console-server.js';
import { Emulator } from './emulator.js';
import { FaultController } from './faults.js';
import { doPutHandler, flightServiceDefinition } from './flight/flight-service.js';
import { type GrpcListener, listenGrpc } from './grpc/listener.js';
import { ephemeralStreamHandler, zerobusServiceDefinition } from './grpc/service.js';
import { type RunningHttpServer, startHttpServer } from './http/http-server.js';
import { Router } from './http/router.js';
import { TokenRequestLog } from './oauth/request-log.js';
import { addTokenRoute } from './oauth/token-endpoint.js';
import { TokenRegistry } from './oauth/tokens.js';
import { type EmulatorOptions, resolveOptions } from './options.js';
import { callLog, type EmulatorState, emptyStats } from './state.js';
import { DeltaSinks } from './tables/delta-sinks.js';
import { endStreamsOfDroppedTables } from './tables/dropped-tables.js';
import { TableRegistry } from './tables/table-registry.js';
import { loadOrCreateLocalTls } from './tls/local-ca-files.js';
import { Waiters } from './waiters.js';

/**
 * Starts an emulator; by default on ephemeral ports of 127.0.0.1 with one all-tables principal
 * (`emulator-client` / `emulator-secret`) and a temporary data directory removed on close.
 *
 * @example
 * ```ts
 * import { startEmulator } from '@zerobus/emulator';
 * import { ZerobusSdk } from '@zerobus/sdk';
 *
 * await using emulator = await startEmulator();
 * await emulator.createDeltaTable('main.default.events', [
 *   { name: 'device', type_text: 'string', nullable: false },
 *   { name: 'temp', type_text: 'double' },
 * ]);
 * const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  let resolved = resolveOptions(options);
  if (options.tls && 'caFile' in options.tls) {
    const names = [...(options.tls.names ?? []), ...(isWildcard(resolved.host) ? [] : [resolved.host])];
    const { cert, key, ca } = await loadOrCreateLocalTls(options.tls.caFile, { names });
    resolved = { ...resolved, tls: { cert, key, ca } };
  }
  // Signing key in the data directory: tokens stay valid across restarts (PROTOCOL.md §13).
  const tokens = await TokenRegistry.open(resolved.tokenTtlSeconds, resolved.dataDir);
  const waiters = new Waiters();
  let listener: GrpcListener | undefined;
  const catalog = await UnityCatalog.load(resolved.dataDir ?? (await mkdtemp(join(tmpdir(), 'zerobus-emulator-'))));
  const state: EmulatorState = {
    options: resolved,
    tables: TableRegistry.forOptions(resolved),
    catalog,
    sinks: new DeltaSinks({
      maxRows: resolved.commitMaxRecords,
      maxBytes: resolved.commitMaxBytes,
      intervalMs: resolved.commitIntervalMs,
      encodingThreads: resolved.ingestWorkers,
    }),
    tokens,
    faults: new FaultController(
      {
        activeSessions: () => state.sessions,
        dropConnections: () => {
          // The sessions' calls die with their sockets; record that now so `streams` is exact
          // the moment dropConnections() returns.
          for (const session of [...state.sessions]) session.markDropped('connection dropped');
          return listener?.dropConnections() ?? 0;
        },
      },
      () => tokens.expireAll(),
    ),
    stats: emptyStats(),
    calls: callLog(),
    tokenRequests: new TokenRequestLog(),
    sessions: new Set(),
    streamOpens: new Map(),
    closing: false,
    nextCallId: 1,
    changed: () => waiters.notify(),
  };

  // grpc-js's own receive limit answers RESOURCE_EXHAUSTED before a handler sees the message
  // (retriable: a client would replay the request forever). So grpc-js accepts every size and
  // the sessions refuse a message over maxMessageBytes with INVALID_ARGUMENT naming its offset
  // (PROTOCOL.md §13). A message is buffered whole either way: HTTP/2 frames it at most 4 GiB.
  const grpcServer = new Server({ 'grpc.max_receive_message_length': -1 });
  grpcServer.addService(zerobusServiceDefinition, { EphemeralStream: ephemeralStreamHandler(state) });
  // Arrow Flight DoPut (PROTOCOL.md §11) on the same port, as the real service has it.
  grpcServer.addService(flightServiceDefinition, { DoPut: doPutHandler(state) });

  const router = new Router();
  addTokenRoute(router, {
    principals: resolved.principals,
    tokens,
    takeTokenFailure: () => state.faults.takeTokenFailure(),
    record: (request) => {
      state.tokenRequests.push(request);
      state.stats.tokenRequests++;
      if (request.status === 200) state.stats.tokensIssued++;
      state.changed();
    },
  });

  addUnityCatalogRoutes(router, {
    catalog,
    tokens,
    auth: resolved.auth,
    principals: resolved.principals,
    isRevoked: (clientId) => state.faults.isRevoked(clientId),
  });
  endStreamsOfDroppedTables(state);

  listener = await listenGrpc(grpcServer, resolved.host, resolved.port, resolved.tls);
  const webConsole = new ConsoleServer(state);
  let http: RunningHttpServer;
  try {
    http = await startHttpServer(router, resolved.host, resolved.httpPort, resolved.tls, (req, res) =>
      webConsole.handle(req, res),
    );
  } catch (error) {
    await listener.close(0);
    throw error;
  }
  const server = http;
  const close = () => {
    webConsole.close(); // ends the console's event streams, which would hold the server open
    return server.close();
  };
  return new Emulator(state, waiters, listener, { port: http.port, close });
}

/** A listen-on-every-interface address, which no certificate can name. */
function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}
