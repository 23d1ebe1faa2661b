/**
 * One HTTP(S) request to the workspace (token endpoint, Unity Catalog REST), with a bound on its
 * time, an AbortSignal, and trusted CAs of its own. `node:http(s)` rather than `fetch`: Node's fetch
 * cannot take extra CA certificates without undici's own Agent (another dependency).
 *
 * Through a proxy (the same rules as the gRPC channel: net/proxy-config.ts) every request, http
 * or https, goes through an HTTP CONNECT tunnel, with TLS to the real host on top for https
 * (servername the target's, `ca` the SDK's roots): one way for both, and the proxy never sees
 * the request. A small `createConnection` rather than `https-proxy-agent`: one request per
 * connection needs no agent, and the SDK keeps one less dependency.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type SdkErrorCode, ZerobusError } from '../errors.js';
import { type ProxyOption, resolveProxy } from '../net/proxy-config.js';
import { openTunnel } from '../net/proxy-tunnel.js';

export interface HttpCall {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: string | undefined;
  /** Trusted CA certificates (PEM), in place of Node's default roots. */
  readonly ca?: string | Buffer | undefined;
  /** Bound on the whole request. Default 30,000 ms. */
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** What is being called, for error messages: `token endpoint`, `Unity Catalog`. */
  readonly what: string;
  /** The (retriable) error code when the server cannot be reached. */
  readonly unreachableCode: SdkErrorCode;
  /** HTTP CONNECT proxy: from the environment by default. */
  readonly proxy?: ProxyOption;
}

export async function httpCall(call: HttpCall): Promise<{ status: number; text: string }> {
  const { url, signal, body } = call;
  const secure = url.protocol !== 'http:';
  const request = secure ? httpsRequest : httpRequest;
  const timeoutMs = call.timeoutMs ?? 30_000;
  const aborted = () => new ZerobusError('ABORTED', `${call.what} request aborted`, { cause: signal?.reason });
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const proxy = resolveProxy({ host, port }, call.proxy);
  let tunnel: Socket | undefined;
  if (proxy) {
    try {
      tunnel = await openTunnel({ proxy, host, port, what: `${call.what} ${url.origin}`, timeoutMs, signal });
    } catch (error) {
      throw signal?.aborted ? aborted() : error; // a PROXY error names the proxy and its answer
    }
    if (secure) {
      // TLS to the real host, inside the tunnel.
      tunnel = tlsConnect({
        socket: tunnel,
        host,
        ...(isIP(host) === 0 && { servername: host }),
        ...(call.ca ? { ca: call.ca } : {}),
        ALPNProtocols: ['http/1.1'],
      });
    }
  }
  const connection = tunnel;
  return new Promise((resolve, reject) => {
    const fail = (cause: unknown) =>
      reject(
        signal?.aborted
          ? aborted()
          : new ZerobusError(
              call.unreachableCode,
              `${call.what} ${url.origin} could not be reached${proxy ? ` through proxy ${proxy.display}` : ''}: ${message(cause)}`,
              { cause },
            ),
      );
    const req = request(
      url,
      {
        method: call.method,
        headers: {
          ...call.headers,
          ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }),
          accept: 'application/json',
        },
        ...(call.ca ? { ca: call.ca } : {}),
        // One request on the tunnel, which is closed after it.
        ...(connection && { createConnection: () => connection }),
        signal,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end(body);
  });
}

function message(cause: unknown): string {
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return String(cause);
}
