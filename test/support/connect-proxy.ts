/**
 * A real HTTP CONNECT proxy for tests, on loopback only: it records every CONNECT (target, the
 * credentials it carried, its answer), can require Basic credentials, refuse chosen targets with
 * a status, and resolve names only it knows (`hosts`), so a test can prove that a client reached
 * a host through the tunnel and nowhere else. Anything but CONNECT is answered 405.
 */
import { createServer, STATUS_CODES } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ConnectRecord {
  /** `host:port` as asked in the request line. */
  readonly target: string;
  /** The `Proxy-Authorization` header, decoded (`user:password`), or undefined. */
  readonly credentials: string | undefined;
  /** The status the proxy answered. */
  readonly status: number;
}

export interface ConnectProxyOptions {
  /** Require `Proxy-Authorization: Basic` with this `user:password`; others get 407. */
  readonly credentials?: string;
  /** A status to refuse a target with (e.g. 403, 502), or undefined to let it through. */
  readonly refuse?: (target: string) => number | undefined;
  /** Names the proxy resolves itself: host name → address to connect to. */
  readonly hosts?: Readonly<Record<string, string>>;
}

export interface ConnectProxy {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The proxy URL with credentials: `http://user:password@127.0.0.1:PORT` (percent-encoded). */
  urlWith(user: string, password: string): string;
  /** Every CONNECT so far, in order. */
  readonly connects: ConnectRecord[];
  /** The distinct targets of the CONNECTs answered 200. */
  tunnelled(): string[];
  close(): Promise<void>;
}

function splitTarget(target: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(target);
  if (!match) return undefined;
  return { host: match[1] ?? match[2] ?? '', port: Number(match[3]) };
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const connects: ConnectRecord[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server = createServer((_req, res) => {
    res.writeHead(405, { allow: 'CONNECT' }).end();
  });
  server.on('connection', track);
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const header = req.headers['proxy-authorization'];
    const credentials =
      typeof header === 'string' && header.startsWith('Basic ')
        ? Buffer.from(header.slice(6), 'base64').toString('utf8')
        : undefined;
    const answer = (status: number, extra = '') => {
      connects.push({ target, credentials, status });
      client.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${extra}content-length: 0\r\n\r\n`);
    };
    if (options.credentials !== undefined && credentials !== options.credentials) {
      answer(407, 'proxy-authenticate: Basic realm="test"\r\n');
      return;
    }
    const refused = options.refuse?.(target);
    if (refused !== undefined) {
      answer(refused);
      return;
    }
    const split = splitTarget(target);
    if (!split) {
      answer(400);
      return;
    }
    const upstream = connect({ host: options.hosts?.[split.host] ?? split.host, port: split.port });
    track(upstream);
    let established = false;
    upstream.once('error', () => {
      if (!established) answer(502); // the target cannot be reached
    });
    upstream.once('connect', () => {
      established = true;
      connects.push({ target, credentials, status: 200 });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
      upstream.on('close', () => client.destroy());
    });
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  const port = address.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    urlWith: (user, password) => `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    connects,
    tunnelled: () => [...new Set(connects.filter((c) => c.status === 200).map((c) => c.target))],
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
