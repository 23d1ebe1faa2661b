/**
 * A fault-injecting TCP proxy for chaos tests, on loopback only: it forwards bytes between a
 * client and a target and, per forwarded chunk, draws from a seeded generator whether to reset
 * both connections (RST), stall the connection for a while, or pass the chunk on. The same seed
 * gives the same sequence of decisions; how bytes are chunked still depends on timing.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface ChaosOptions {
  readonly seed: number;
  /** Chance per chunk of resetting the connection pair. */
  readonly resetProbability: number;
  /** Chance per chunk of holding the connection for `stallMs`. */
  readonly stallProbability: number;
  readonly stallMs: number;
}

export interface ChaosStats {
  connections: number;
  chunks: number;
  resets: number;
  stalls: number;
}

export interface ChaosProxy {
  /** `http://127.0.0.1:PORT`: use as the SDK's server endpoint. */
  readonly endpoint: string;
  readonly stats: ChaosStats;
  /** Stops injecting faults (forwarding goes on), e.g. to let a test finish cleanly. */
  calm(): void;
  close(): Promise<void>;
}

/** mulberry32: a small, well-known seeded generator; good enough to pick faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startChaosProxy(targetPort: number, options: ChaosOptions): Promise<ChaosProxy> {
  const random = seededRandom(options.seed);
  const stats: ChaosStats = { connections: 0, chunks: 0, resets: 0, stalls: 0 };
  const sockets = new Set<Socket>();
  let calm = false;

  const pair = (client: Socket) => {
    stats.connections++;
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    let stalledUntil = 0;
    const reset = () => {
      stats.resets++;
      for (const s of [client, upstream]) {
        try {
          s.resetAndDestroy();
        } catch {
          s.destroy();
        }
      }
    };
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        stats.chunks++;
        if (!calm) {
          const r = random();
          if (r < options.resetProbability) {
            reset();
            return;
          }
          if (r < options.resetProbability + options.stallProbability) {
            stats.stalls++;
            stalledUntil = Date.now() + options.stallMs;
          }
        }
        const wait = stalledUntil - Date.now();
        if (wait > 0) {
          // Hold this direction (order is kept: reading stops until the stall is over).
          from.pause();
          setTimeout(() => {
            if (!to.destroyed) to.write(chunk);
            from.resume();
          }, wait);
        } else if (!to.destroyed) {
          to.write(chunk);
        }
      });
      from.on('end', () => to.end());
    };
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };

  const server: Server = createServer({ noDelay: true }, pair);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stats,
    calm: () => {
      calm = true;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
