import assert from 'node:assert/strict';
import { type ClientHttp2Session, connect } from 'node:http2';
import { describe, it } from 'node:test';
import { generateSelfSignedCertificate, startEmulator } from '@zerobus/emulator';
import { CONNECTION_WINDOW_BYTES, STREAM_WINDOW_BYTES } from '../src/grpc/listener.js';

/** What a client learns of the server's HTTP/2 receive windows: its SETTINGS and its connection WINDOW_UPDATE. */
async function serverWindows(session: ClientHttp2Session): Promise<{ stream: number; connection: number }> {
  const settings = await new Promise<{ initialWindowSize?: number }>((resolve, reject) => {
    session.once('remoteSettings', resolve);
    session.once('error', reject);
  });
  // The connection window grows by a WINDOW_UPDATE right after the settings.
  const deadline = Date.now() + 2000;
  while (session.state.remoteWindowSize! < CONNECTION_WINDOW_BYTES && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return { stream: settings.initialWindowSize ?? 65_535, connection: session.state.remoteWindowSize ?? 0 };
}

describe('HTTP/2 flow control windows of the gRPC listener', () => {
  // Wide enough that a client never waits for a WINDOW_UPDATE in the middle of a request.
  for (const secure of [false, true]) {
    it(`are the emulator's own ${secure ? 'over TLS' : 'in plain text'}`, async () => {
      const tls = secure ? await generateSelfSignedCertificate() : undefined;
      const emulator = await startEmulator(tls ? { tls } : {});
      const session = connect(emulator.endpoint, tls ? { ca: tls.cert } : {});
      try {
        assert.deepEqual(await serverWindows(session), {
          stream: STREAM_WINDOW_BYTES,
          connection: CONNECTION_WINDOW_BYTES,
        });
      } finally {
        session.destroy();
        await emulator.close();
      }
    });
  }
});
