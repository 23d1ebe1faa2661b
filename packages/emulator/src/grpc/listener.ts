/**
 * The gRPC server's TCP listener. Instead of `server.bindAsync()`, the emulator owns a
 * `net.Server` and hands each accepted socket to grpc-js through its public connection injector
 * (`Server.createConnectionInjector`, grpc-js >= 1.12). Owning the sockets is what lets
 * `dropConnections()` cut connections for real: resetting a socket makes every client call on it
 * fail with UNAVAILABLE exactly as a network failure would, which ending calls with a status
 * cannot imitate (the client would see a clean status, not a transport error).
 */

import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { type Server, ServerCredentials } from '@grpc/grpc-js';

/**
 * HTTP/2 receive windows. grpc-js servers keep the protocol's 64 KiB defaults for the stream and,
 * above all, for the whole connection, and offer no option to change them: a client then sends
 * 64 KiB, waits a round trip for WINDOW_UPDATE, and so on. Measured with 10 KB records
 * fire-and-forget (2 cores): 243-291 MB/s with the defaults, 615-924 MB/s with these windows,
 * both processes idle half the time before. Real gRPC servers grow their windows (BDP probing).
 * The stream window is above the 4 MiB message limit so that one request never waits mid-way.
 */
export const STREAM_WINDOW_BYTES = 8 * 1024 * 1024;
export const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;

type Http2ServerLike = Http2Server | Http2SecureServer;

/**
 * Makes every HTTP/2 server grpc-js creates for `server` use our windows. grpc-js has no public
 * hook for this, so its (JavaScript-public) `createHttp2Server` is wrapped on this one instance;
 * packages/emulator/test/flow-control.test.ts fails if a grpc-js upgrade changes that.
 */
function widenFlowControlWindows(server: Server): void {
  const target = server as unknown as { createHttp2Server?: (...args: unknown[]) => Http2ServerLike };
  const create = target.createHttp2Server;
  if (typeof create !== 'function') return;
  target.createHttp2Server = (...args: unknown[]) => {
    const http2Server = create.apply(server, args);
    http2Server.updateSettings({ initialWindowSize: STREAM_WINDOW_BYTES });
    http2Server.on('session', (session: ServerHttp2Session) => {
      // Before the session is connected the call would throw; it is set on 'connect' then.
      const widen = () => session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
      if (session.connecting) session.once('connect', widen);
      else widen();
    });
    return http2Server;
  };
}

export interface GrpcListener {
  readonly port: number;
  /** Resets every open connection; returns how many there were. */
  dropConnections(): number;
  /** Stops accepting, lets grpc-js close its sessions for up to `graceMs`, then destroys what is left. */
  close(graceMs: number): Promise<void>;
}

function reset(socket: Socket): void {
  try {
    // RST instead of FIN: the client sees ECONNRESET, as after a real network failure.
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

export async function listenGrpc(
  server: Server,
  host: string,
  port: number,
  tls?: { cert: string | Buffer; key: string | Buffer },
): Promise<GrpcListener> {
  // With TLS credentials grpc-js's injector is a TLS server: it runs the handshake on the raw
  // sockets we hand it, so dropConnections() still resets real TCP connections.
  const credentials = tls
    ? ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }])
    : ServerCredentials.createInsecure();
  widenFlowControlWindows(server);
  const injector = server.createConnectionInjector(credentials);
  const sockets = new Set<Socket>();
  const netServer: NetServer = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Resets by clients or by dropConnections() are expected; never let them go unhandled.
    socket.on('error', () => {});
    injector.injectConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    netServer.once('error', reject);
    netServer.listen(port, host, () => {
      netServer.off('error', reject);
      resolve();
    });
  });
  const address = netServer.address();
  if (address === null || typeof address === 'string') throw new Error('gRPC listener has no TCP address');

  return {
    port: address.port,
    dropConnections() {
      const open = [...sockets];
      for (const socket of open) reset(socket);
      return open.length;
    },
    async close(graceMs) {
      const listenerClosed = new Promise<void>((resolve) => netServer.close(() => resolve()));
      const graceful = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([graceful, graceOver]);
      clearTimeout(timer);
      server.forceShutdown();
      injector.destroy();
      for (const socket of sockets) socket.destroy();
      await listenerClosed;
    },
  };
}
