/**
 * Small network probes shared by tests: a loopback port nothing listens on, and the certificate a
 * TLS server presents to a client that trusts only a given CA.
 */
import type { X509Certificate } from 'node:crypto';
import { createServer } from 'node:net';
import { connect } from 'node:tls';

/** A port on 127.0.0.1 nothing listens on (bound once, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The certificate served on 127.0.0.1:`port` to a client trusting only `ca`, checking the name
 * `servername` (the IP address itself when left out); rejects when the handshake fails.
 */
export function servedCertificate(port: number, ca: string, servername?: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca,
      ...(servername !== undefined && { servername }),
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    socket.once('secureConnect', () => {
      const served = socket.getPeerX509Certificate();
      socket.end();
      if (served) resolve(served);
      else reject(new Error('no certificate served'));
    });
    socket.once('error', reject);
  });
}
