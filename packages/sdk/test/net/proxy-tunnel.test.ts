import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { ZerobusError } from '@zerobus/sdk';
import { parseProxyUrl } from '../../src/net/proxy-config.js';
import { isRetriableConnectStatus, openTunnel } from '../../src/net/proxy-tunnel.js';

/** A raw TCP "proxy" that hands each connection and its first bytes to `onRequest`. */
async function rawProxy(
  onRequest: (socket: Socket, request: string) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', (chunk: Buffer) => onRequest(socket, chunk.toString('latin1')));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const REQ = { host: 'ws.zerobus.test', port: 443, what: 'Zerobus endpoint ws.zerobus.test:443' };

describe('HTTP CONNECT tunnel', () => {
  it('sends CONNECT with Host and Proxy-Authorization, and keeps bytes sent right after the answer', async () => {
    let seen = '';
    const proxy = await rawProxy((socket, request) => {
      seen = request;
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\nHELLO');
      socket.on('data', (chunk) => socket.write(chunk)); // echo, as a target would answer
    });
    try {
      const tunnel = await openTunnel({ ...REQ, proxy: parseProxyUrl(proxy.url.replace('//', '//u:p@'), 'x') });
      const [first] = (await once(tunnel, 'data')) as [Buffer];
      assert.equal(first.toString(), 'HELLO');
      tunnel.write('ping');
      const [echo] = (await once(tunnel, 'data')) as [Buffer];
      assert.equal(echo.toString(), 'ping');
      tunnel.destroy();
      assert.match(seen, /^CONNECT ws\.zerobus\.test:443 HTTP\/1\.1\r\n/);
      assert.match(seen, /\r\nhost: ws\.zerobus\.test:443\r\n/i);
      assert.match(
        seen,
        new RegExp(`\\r\\nproxy-authorization: Basic ${Buffer.from('u:p').toString('base64')}\\r\\n`, 'i'),
      );
    } finally {
      await proxy.close();
    }
  });

  it('brackets IPv6 targets', async () => {
    let seen = '';
    const proxy = await rawProxy((socket, request) => {
      seen = request;
      socket.end('HTTP/1.1 200 OK\r\n\r\n');
    });
    try {
      const tunnel = await openTunnel({ ...REQ, host: '::1', port: 50051, proxy: parseProxyUrl(proxy.url, 'x') });
      tunnel.destroy();
      assert.match(seen, /^CONNECT \[::1\]:50051 HTTP\/1\.1\r\n/);
    } finally {
      await proxy.close();
    }
  });

  it('a refusal names the proxy, the target and the status, and hints at credentials on 407', async () => {
    const proxy = await rawProxy((socket) =>
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'),
    );
    try {
      await assert.rejects(
        openTunnel({ ...REQ, proxy: parseProxyUrl(proxy.url, 'https_proxy') }),
        (e: unknown) =>
          e instanceof ZerobusError &&
          e.code === 'PROXY' &&
          !e.retriable &&
          e.message ===
            `Zerobus endpoint ws.zerobus.test:443 could not be reached through proxy ${proxy.url} (from https_proxy): ` +
              'the proxy answered CONNECT ws.zerobus.test:443 with HTTP 407 Proxy Authentication Required; ' +
              'it wants credentials: http://user:password@host:port',
      );
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that closes without answering, or never answers, is a retriable PROXY error', async () => {
    const closing = await rawProxy((socket) => socket.destroy());
    const silent = await rawProxy(() => {});
    try {
      await assert.rejects(openTunnel({ ...REQ, proxy: parseProxyUrl(closing.url, 'x') }), {
        code: 'PROXY',
        retriable: true,
      });
      await assert.rejects(
        openTunnel({ ...REQ, proxy: parseProxyUrl(silent.url, 'x'), timeoutMs: 30 }),
        (e: unknown) =>
          e instanceof ZerobusError &&
          e.code === 'PROXY' &&
          e.retriable &&
          /no answer to CONNECT .* within 30 ms/.test(e.message),
      );
    } finally {
      await closing.close();
      await silent.close();
    }
  });

  it('honours an AbortSignal, before and during the handshake', async () => {
    const silent = await rawProxy(() => {});
    try {
      const proxy = parseProxyUrl(silent.url, 'x');
      await assert.rejects(openTunnel({ ...REQ, proxy, signal: AbortSignal.abort() }), { code: 'ABORTED' });
      const controller = new AbortController();
      const pending = openTunnel({ ...REQ, proxy, signal: controller.signal });
      setTimeout(() => controller.abort(), 10);
      await assert.rejects(pending, { code: 'ABORTED' });
    } finally {
      await silent.close();
    }
  });

  it('retries only what may recover: 5xx, 408, 429', () => {
    const table: [number, boolean][] = [
      [400, false],
      [403, false],
      [404, false],
      [405, false],
      [407, false],
      [408, true],
      [429, true],
      [500, true],
      [502, true],
      [503, true],
      [504, true],
      [301, false],
    ];
    for (const [status, retriable] of table) assert.equal(isRetriableConnectStatus(status), retriable, String(status));
  });
});
