/**
 * An HTTP CONNECT tunnel through a proxy: one `CONNECT host:port` request on a connection to the
 * proxy, whose socket, once the proxy answers 2xx, carries the bytes to the target (TLS to the
 * target, when wanted, is the caller's, on top). Used by the gRPC channel and by the HTTPS calls,
 * so both report a refusing proxy the same way: a `PROXY` error naming the proxy (never its
 * credentials) and the status, retriable only when the proxy or the path behind it may recover.
 */
import { request } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { NonRetriableError, ZerobusError } from '../errors.js';
import { SDK_USER_AGENT } from '../version.js';
import { hostPort, type ProxyConfig } from './proxy-config.js';

/** How long a proxy may take to answer CONNECT, unless the caller bounds it. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;

export interface TunnelRequest {
  readonly proxy: ProxyConfig;
  /** The target, as a name or an address (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** What is reached through the tunnel, for messages: `token endpoint https://…`. */
  readonly what: string;
  /** A socket already connected to the proxy (grpc-js opens it); otherwise one is opened. */
  readonly socket?: Socket | undefined;
  /** Bound on reaching the proxy and its answer. Default 20,000 ms. */
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * CONNECT answers worth trying again: the proxy's own trouble or the path behind it (5xx, 408,
 * 429). Anything else, 407 (credentials), 403 (policy) and 405 (no CONNECT) foremost, is a
 * configuration problem that retrying does not fix.
 */
export function isRetriableConnectStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** The error for a connection that could not be tunnelled; `retriable` says whether to try again. */
export function proxyError(
  req: Pick<TunnelRequest, 'proxy' | 'what'>,
  reason: string,
  retriable: boolean,
  cause?: unknown,
): ZerobusError {
  const message = `${req.what} could not be reached through proxy ${req.proxy.display} (from ${req.proxy.source}): ${reason}`;
  const options = cause === undefined ? {} : { cause };
  return retriable ? new ZerobusError('PROXY', message, options) : new NonRetriableError('PROXY', message, options);
}

/** A status line's reason phrase, as something safe to show: short, printable. */
function reasonPhrase(text: string | undefined): string {
  const clean = (text ?? '')
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, 80)
    .trim();
  return clean === '' ? '' : ` ${clean}`;
}

function refusal(req: TunnelRequest, status: number, phrase: string | undefined): ZerobusError {
  let hint = '';
  if (status === 407) {
    hint = req.proxy.hasCredentials
      ? '; it did not accept the credentials in the proxy URL'
      : '; it wants credentials: http://user:password@host:port';
  }
  return proxyError(
    req,
    `the proxy answered CONNECT ${hostPort(req.host, req.port)} with HTTP ${status}${reasonPhrase(phrase)}${hint}`,
    isRetriableConnectStatus(status),
  );
}

function networkReason(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return String(error);
}

/**
 * Opens the tunnel and resolves with the socket to the target. Bytes the proxy sent after its
 * answer are put back into the socket. Rejects with a `PROXY` error, or `ABORTED`.
 */
export function openTunnel(req: TunnelRequest): Promise<Socket> {
  const { proxy, signal } = req;
  const authority = hostPort(req.host, req.port);
  const timeoutMs = req.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Promise<Socket>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ZerobusError('ABORTED', `connecting to ${req.what} was aborted`, { cause: signal.reason }));
      return;
    }
    const headers: Record<string, string> = {
      host: authority,
      'user-agent': SDK_USER_AGENT,
      // After a 2xx the connection is the tunnel; without this Node would announce `close`.
      connection: 'keep-alive',
    };
    const authorization = proxy.authorization();
    if (authorization !== undefined) headers['proxy-authorization'] = authorization;
    let socket: Socket | undefined = req.socket;
    let settled = false;
    const connectRequest = request({
      method: 'CONNECT',
      host: proxy.host,
      port: proxy.port,
      path: authority,
      headers,
      setHost: false,
      createConnection: () => {
        socket ??= netConnect({ host: proxy.host, port: proxy.port });
        return socket;
      },
    });
    const settle = (error: ZerobusError | undefined, tunnel?: Socket) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined && tunnel !== undefined) {
        resolve(tunnel);
        return;
      }
      connectRequest.destroy();
      socket?.destroy();
      reject(error);
    };
    const onAbort = () =>
      settle(new ZerobusError('ABORTED', `connecting to ${req.what} was aborted`, { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => settle(proxyError(req, `no answer to CONNECT ${authority} within ${timeoutMs} ms`, true)),
      timeoutMs,
    );
    connectRequest.once('connect', (res, tunnel: Socket, head: Buffer) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        tunnel.destroy();
        settle(refusal(req, status, res.statusMessage));
        return;
      }
      if (head.length > 0) tunnel.unshift(head);
      settle(undefined, tunnel);
    });
    connectRequest.once('error', (error) => {
      settle(proxyError(req, networkReason(error), true, error));
    });
    connectRequest.end();
  });
}
