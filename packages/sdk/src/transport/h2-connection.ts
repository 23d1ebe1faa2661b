/**
 * One HTTP/2 connection to a Zerobus endpoint, for the SDK's own gRPC transport (h2-call.ts):
 * the socket (direct, or through the SDK's CONNECT tunnel), TLS with the SDK's roots and ALPN h2,
 * the HTTP/2 session with wide flow-control windows, keepalive pings while calls are open, and
 * reconnection on the next call once a session is gone (GOAWAY, error, close). Shared by every
 * channel of one SDK (`connection: 'shared'`) or owned by one (`'dedicated'`): `retain` /
 * `release` count the channels, and the last release closes it.
 *
 * A connection that cannot be made fails the calls waiting for it with `UNAVAILABLE` and
 * "No connection established. Last error: …" (grpc-js's words, which connection-error.ts turns
 * into a message naming the endpoint and the fix); a refusing proxy with its own `PROXY` error.
 * Reconnecting is the stream's recovery's decision (with its backoff), so this never retries.
 */
import { type ClientHttp2Session, connect as connectHttp2 } from 'node:http2';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { GrpcStatus, ZerobusError } from '../errors.js';
import { hostPort, type ProxyConfig } from '../net/proxy-config.js';
import { openTunnel } from '../net/proxy-tunnel.js';
import { type ConnectionAttempt, explainConnectionFailure } from './connection-error.js';

/** Our receive window, per stream and for the connection: acks are small, but never stall them. */
const WINDOW_BYTES = 16 * 1024 * 1024;
/** Bound on making a connection (socket, tunnel, TLS, the server's SETTINGS): grpc-js's 20 s. */
const CONNECT_TIMEOUT_MS = 20_000;

export interface H2ConnectionOptions {
  /** `host` without brackets, `port`, scheme. */
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  /** Trusted CA certificates (PEM) in place of the system roots. */
  readonly rootCerts?: Buffer | undefined;
  readonly proxy?: ProxyConfig | undefined;
  readonly attempt: ConnectionAttempt;
  /** Interval of keepalive pings while calls are open. Default 30,000 ms, as with grpc-js. */
  readonly keepaliveMs?: number | undefined;
  /** How long a ping may go unanswered before the connection is given up. Default 10,000 ms. */
  readonly keepaliveTimeoutMs?: number | undefined;
}

function noConnection(reason: string, attempt: ConnectionAttempt, cause?: unknown): ZerobusError {
  const error = ZerobusError.fromGrpcStatus(
    GrpcStatus.UNAVAILABLE,
    `No connection established. Last error: ${reason}`,
    cause,
  );
  return explainConnectionFailure(error, attempt);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class H2Connection {
  readonly #options: H2ConnectionOptions;
  readonly #authority: string;
  #session: ClientHttp2Session | undefined;
  #opening: Promise<ClientHttp2Session> | undefined;
  /** Channels using this connection; at none the session is closed (a later channel opens another). */
  #channels = 0;
  /** Calls open on the current session: pings run, and the session keeps the process alive, only while there are any. */
  #activeCalls = 0;
  #keepalive: NodeJS.Timeout | undefined;
  /** Aborts the connection being made, once no channel wants it (nothing then waits for it). */
  #abortOpening: AbortController | undefined;

  constructor(options: H2ConnectionOptions) {
    this.#options = options;
    this.#authority = `${options.secure ? 'https' : 'http'}://${hostPort(options.host, options.port)}`;
  }

  /** One more channel uses this connection. */
  retain(): void {
    this.#channels++;
  }

  /** A channel is done with it; the last one closes the session (open calls finish first). */
  release(): void {
    if (--this.#channels > 0) return;
    this.#channels = 0;
    this.#stopKeepalive();
    this.#abortOpening?.abort();
    this.#session?.close();
    this.#session = undefined;
    this.#activeCalls = 0;
  }

  /** The live session, or the promise of one (a new connection when there is none). */
  session(): ClientHttp2Session | Promise<ClientHttp2Session> {
    const session = this.#session;
    if (session && !session.closed && !session.destroyed) return session;
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  /** A call opened on `session`; `callEnded` once it is over. */
  callStarted(session: ClientHttp2Session): void {
    if (session !== this.#session) return;
    if (this.#activeCalls++ === 0) {
      session.ref();
      this.#startKeepalive(session);
    }
  }

  callEnded(session: ClientHttp2Session): void {
    if (session !== this.#session || this.#activeCalls === 0) return;
    if (--this.#activeCalls === 0) {
      this.#stopKeepalive();
      if (!session.destroyed) session.unref();
    }
  }

  async #open(): Promise<ClientHttp2Session> {
    const controller = new AbortController();
    this.#abortOpening = controller;
    try {
      return await this.#connect(controller.signal);
    } finally {
      if (this.#abortOpening === controller) this.#abortOpening = undefined;
    }
  }

  async #connect(signal: AbortSignal): Promise<ClientHttp2Session> {
    const { attempt } = this.#options;
    const socket = await this.#connectSocket(signal);
    if (this.#channels === 0) {
      socket.destroy();
      throw new ZerobusError('CONNECTION', 'the channel has been closed');
    }
    const session = connectHttp2(this.#authority, {
      createConnection: () => socket,
      settings: { initialWindowSize: WINDOW_BYTES, enablePush: false },
      // Node's 10 MB default counts data queued for sending; many streams share a connection.
      maxSessionMemory: 256,
    });
    await new Promise<void>((resolve, reject) => {
      // The server's SETTINGS prove it speaks HTTP/2 (a TLS server sent plaintext closes first).
      const timer = setTimeout(() => {
        session.destroy();
        reject(noConnection(`the server sent no HTTP/2 settings within ${CONNECT_TIMEOUT_MS} ms`, attempt));
      }, CONNECT_TIMEOUT_MS);
      const fail = (error?: unknown) => {
        clearTimeout(timer);
        session.destroy();
        const reason = error === undefined ? 'the connection closed before HTTP/2 started' : errorText(error);
        reject(noConnection(`Failed to connect: ${reason}`, attempt, error));
      };
      const closed = () => fail();
      const aborted = () => fail(new Error('the channel was closed'));
      session.once('error', fail);
      session.once('close', closed);
      signal.addEventListener('abort', aborted, { once: true });
      session.once('remoteSettings', () => {
        clearTimeout(timer);
        session.off('error', fail);
        session.off('close', closed);
        signal.removeEventListener('abort', aborted);
        resolve();
      });
    });
    session.setLocalWindowSize(WINDOW_BYTES);
    // Errors reach the calls through their own streams' events.
    session.on('error', () => {});
    const gone = () => this.#sessionGone(session);
    session.once('close', gone);
    session.once('goaway', gone);
    if (this.#channels === 0) {
      session.close();
      throw new ZerobusError('CONNECTION', 'the channel has been closed');
    }
    session.unref();
    this.#session = session;
    this.#activeCalls = 0;
    return session;
  }

  /** A session that can take no new calls: the next call opens another connection. */
  #sessionGone(session: ClientHttp2Session): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#activeCalls = 0;
    this.#stopKeepalive();
  }

  #connectSocket(signal: AbortSignal): Promise<Socket> {
    const { host, port, secure, proxy, attempt } = this.#options;
    if (proxy) {
      // A refusing proxy is its own PROXY error (retriable or not), as for the HTTPS calls.
      const tunnel = openTunnel({
        proxy,
        host,
        port,
        what: `Zerobus endpoint ${hostPort(host, port)}`,
        timeoutMs: CONNECT_TIMEOUT_MS,
        signal,
      });
      return secure ? tunnel.then((socket) => this.#secure(socket, signal)) : tunnel;
    }
    if (secure) return this.#secure(undefined, signal);
    return connected(netConnect({ host, port }), 'connect', attempt, signal);
  }

  /** TLS to the endpoint (over `through`, a tunnel, when given), checking the real host's name. */
  #secure(through: Socket | undefined, signal: AbortSignal): Promise<Socket> {
    const { host, port, rootCerts, attempt } = this.#options;
    const socket = tlsConnect({
      ...(through ? { socket: through, host } : { host, port }),
      ...(isIP(host) === 0 && { servername: host }),
      ALPNProtocols: ['h2'],
      ...(rootCerts !== undefined && { ca: rootCerts }),
    });
    return connected(socket, 'secureConnect', attempt, signal, through);
  }

  #startKeepalive(session: ClientHttp2Session): void {
    const interval = this.#options.keepaliveMs ?? 30_000;
    const timeout = this.#options.keepaliveTimeoutMs ?? 10_000;
    this.#stopKeepalive();
    this.#keepalive = setInterval(() => {
      const deadline = setTimeout(
        () => session.destroy(new Error(`keepalive ping unanswered for ${timeout} ms`)),
        timeout,
      );
      deadline.unref();
      try {
        session.ping((error) => {
          clearTimeout(deadline);
          if (error && !session.destroyed) session.destroy(error);
        });
      } catch (error) {
        clearTimeout(deadline);
        session.destroy(error as Error);
      }
    }, interval);
    this.#keepalive.unref();
  }

  #stopKeepalive(): void {
    if (this.#keepalive !== undefined) clearInterval(this.#keepalive);
    this.#keepalive = undefined;
  }
}

/**
 * `socket` once `event` says it is ready, or the connection's error (the tunnel under it
 * destroyed too); `signal` gives the attempt up.
 */
function connected(
  socket: Socket,
  event: 'connect' | 'secureConnect',
  attempt: ConnectionAttempt,
  signal: AbortSignal,
  through?: Socket,
): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => socket.destroy(timeoutError()), CONNECT_TIMEOUT_MS);
    const onAbort = () => socket.destroy(new Error('the channel was closed'));
    signal.addEventListener('abort', onAbort, { once: true });
    const onError = (error: Error) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      through?.destroy();
      reject(noConnection(errorText(error), attempt, error));
    };
    socket.once(event, () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      // One record per round trip must not wait for Nagle's algorithm.
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', onError);
  });
}

function timeoutError(): Error {
  return Object.assign(new Error(`connect ETIMEDOUT (no connection within ${CONNECT_TIMEOUT_MS} ms)`), {
    code: 'ETIMEDOUT',
  });
}
