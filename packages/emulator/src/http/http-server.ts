/**
 * The emulator's plain HTTP server (OAuth token endpoint, later Unity Catalog REST). It reads
 * each body (bounded), hands the request to the router and writes the JSON answer; a handler
 * that throws becomes a 500, never a crashed process.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { failureKind, scrubPaths } from '../client-errors.js';
import type { Router } from './router.js';

/** Token requests are tiny; anything larger is a client bug or abuse. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface RunningHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>, json: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  // Error answers never show a server path (a failed fs call's message names its file).
  const text = json === undefined ? '' : JSON.stringify(json);
  const body = status >= 400 ? scrubPaths(text) : text;
  res.writeHead(status, {
    ...headers,
    ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function handle(router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const body = await readBody(req);
    if (body === undefined) {
      send(res, 413, { connection: 'close' }, { error: 'invalid_request', error_description: 'body too large' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const response = await router.dispatch({
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    });
    send(res, response.status, response.headers ?? {}, response.json);
  } catch (error) {
    send(res, 500, {}, { error: 'server_error', error_description: failureKind(error) });
  }
}

/** Takes a request before the router (the web console's page, API and event streams): true when it did. */
export type RequestInterceptor = (req: IncomingMessage, res: ServerResponse) => boolean;

export async function startHttpServer(
  router: Router,
  host: string,
  port: number,
  tls?: { cert: string | Buffer; key: string | Buffer },
  intercept?: RequestInterceptor,
): Promise<RunningHttpServer> {
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (intercept?.(req, res)) return;
    void handle(router, req, res);
  };
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createServer(listener);
  // A client that resets its connection mid-request must not take the emulator down.
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections (fetch keeps them) would hold close() open otherwise.
        server.closeAllConnections();
      }),
  };
}
