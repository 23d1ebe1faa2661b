/**
 * The SDK's own gRPC transport (transport/h2-*.ts) against a raw `node:http2` server on loopback
 * that answers the way gRPC servers, proxies and broken peers do: messages split at any byte,
 * trailers-only answers, HTTP errors without a gRPC status, RST_STREAM codes, a dropped
 * connection, a compressed or oversized message, and a peer that stops answering pings.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { constants, createServer, type Http2Server, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { GrpcStatus, ZerobusError } from '../../src/errors.js';
import { Channel, parseEndpoint } from '../../src/transport/channel.js';
import { openH2Call } from '../../src/transport/h2-call.js';
import { H2Connection } from '../../src/transport/h2-connection.js';

type Answer = (stream: ServerHttp2Stream, headers: Record<string, unknown>, session: Http2Session) => void;

/** A raw HTTP/2 server whose every stream is answered by `answer`. */
async function rawServer(answer: Answer): Promise<{ server: Http2Server; port: number; seen: Buffer[] }> {
  const seen: Buffer[] = [];
  const server = createServer();
  server.on('stream', (stream, headers) => {
    stream.on('data', (chunk: Buffer) => seen.push(chunk));
    stream.on('error', () => {});
    answer(stream, headers as Record<string, unknown>, stream.session as Http2Session);
  });
  server.on('sessionError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, seen };
}

function frame(message: Buffer, compressed = 0): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed;
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

interface Outcome {
  readonly messages: string[];
  readonly error: ZerobusError | undefined;
}

/** Opens one call on `port` through a `Channel` (own transport), writes `requests`, waits for its end. */
async function callOnce(port: number, requests: Buffer[] = [Buffer.from('hello')], halfClose = true): Promise<Outcome> {
  const channel = new Channel(parseEndpoint(`http://127.0.0.1:${port}`), { transport: 'http2' });
  try {
    return await new Promise<Outcome>((resolve) => {
      const messages: string[] = [];
      const call = channel.openBidiCall(
        '/test.Service/Call',
        { authorization: 'Bearer t' },
        (b) => Buffer.from(b).toString(),
        {
          onMessage: (m) => messages.push(m),
          onEnd: (error) => resolve({ messages, error }),
        },
      );
      for (const request of requests) call.write(request);
      if (halfClose) call.end();
    });
  } finally {
    channel.close();
  }
}

const servers: Http2Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

async function serve(answer: Answer) {
  const s = await rawServer(answer);
  servers.push(s.server);
  return s;
}

describe('own gRPC transport on node:http2', () => {
  it('frames each request with the 5-byte prefix and sends gRPC headers', async () => {
    let headers: Record<string, unknown> = {};
    const { port, seen } = await serve((stream, h) => {
      headers = h;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.on('end', () => stream.end());
      stream.resume();
    });
    // The server's 'end' ends the response without trailers: a status is missing.
    await callOnce(port, [Buffer.from('ab'), Buffer.alloc(0), Buffer.from('cde')]);
    assert.deepEqual(
      Buffer.concat(seen),
      Buffer.concat([frame(Buffer.from('ab')), frame(Buffer.alloc(0)), frame(Buffer.from('cde'))]),
    );
    assert.equal(headers[':method'], 'POST');
    assert.equal(headers[':path'], '/test.Service/Call');
    assert.equal(headers['content-type'], 'application/grpc');
    assert.equal(headers.te, 'trailers');
    assert.equal(headers.authorization, 'Bearer t');
  });

  it('splits responses cut at any byte into the same messages (property)', async () => {
    const responses = ['a', '', 'bb'.repeat(40), 'x'.repeat(70_000), 'last'];
    const wire = Buffer.concat(responses.map((r) => frame(Buffer.from(r))));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: wire.length - 1 }), { maxLength: 8 }), async (cuts) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), wire.length];
        const { port } = await serve((stream) => {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          stream.on('end', () => {
            const write = (i: number) => {
              if (i + 1 >= bounds.length) {
                stream.end();
                return;
              }
              stream.write(wire.subarray(bounds[i], bounds[i + 1]), () => setImmediate(() => write(i + 1)));
            };
            write(0);
          });
          stream.resume();
        });
        const outcome = await callOnce(port);
        assert.equal(outcome.error, undefined);
        assert.deepEqual(outcome.messages, responses);
      }),
      { numRuns: 12, seed: 20261207 },
    );
  });

  it('a trailers-only answer ends the call with its status and percent-decoded message', async () => {
    const { port } = await serve((stream) => {
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '5',
          'grpc-message': 'table%20main.a.b%20not%20found',
        },
        { endStream: true },
      );
    });
    const { error } = await callOnce(port);
    assert.ok(error instanceof ZerobusError);
    assert.equal(error.grpcStatus, GrpcStatus.NOT_FOUND);
    assert.equal(error.message, 'NOT_FOUND: table main.a.b not found');
    assert.equal(error.retriable, false);
  });

  it('a status OK while the client still sends is the server ending the stream', async () => {
    const { port } = await serve((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' }, { endStream: true });
    });
    const { error } = await callOnce(port, [Buffer.from('x')], false);
    assert.equal(error?.code, 'CONNECTION');
    assert.equal(error?.retriable, true);
  });

  for (const [http, status] of [
    [503, GrpcStatus.UNAVAILABLE],
    [401, GrpcStatus.UNAUTHENTICATED],
    [404, GrpcStatus.UNIMPLEMENTED],
    [500, GrpcStatus.UNKNOWN],
  ] as const) {
    it(`an HTTP ${http} without a gRPC status maps as gRPC specifies (${status})`, async () => {
      const { port } = await serve((stream) => {
        stream.respond({ ':status': http }, { endStream: true });
      });
      const { error } = await callOnce(port);
      assert.equal(error?.grpcStatus, status);
      assert.match(error?.message ?? '', new RegExp(`HTTP status code ${http}`));
    });
  }

  it('RST_STREAM codes map to statuses: REFUSED_STREAM is UNAVAILABLE, CANCEL is CANCELLED', async () => {
    for (const [rst, status] of [
      [constants.NGHTTP2_REFUSED_STREAM, GrpcStatus.UNAVAILABLE],
      [constants.NGHTTP2_CANCEL, GrpcStatus.CANCELLED],
      [constants.NGHTTP2_ENHANCE_YOUR_CALM, GrpcStatus.RESOURCE_EXHAUSTED],
      [constants.NGHTTP2_PROTOCOL_ERROR, GrpcStatus.INTERNAL],
    ] as const) {
      const { port } = await serve((stream) => stream.close(rst));
      const { error } = await callOnce(port);
      assert.equal(error?.grpcStatus, status, `RST_STREAM ${rst}: ${error?.message}`);
    }
  });

  it('a dropped connection is UNAVAILABLE "Connection dropped", retriable', async () => {
    const { port } = await serve((stream, _h, session) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.write(frame(Buffer.from('first')), () => session.destroy());
    });
    const { messages, error } = await callOnce(port, [Buffer.from('x')], false);
    assert.deepEqual(messages, ['first']);
    assert.equal(error?.grpcStatus, GrpcStatus.UNAVAILABLE);
    assert.match(error?.message ?? '', /Connection dropped/);
    assert.equal(error?.retriable, true);
  });

  it('a compressed message (none was offered) and one over 4 MiB end the call', async () => {
    const compressed = await serve((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.write(frame(Buffer.from('zip'), 1));
    });
    const a = await callOnce(compressed.port, [Buffer.from('x')], false);
    assert.equal(a.error?.grpcStatus, GrpcStatus.INTERNAL);
    assert.match(a.error?.message ?? '', /compressed/);
    const huge = await serve((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(5 * 1024 * 1024, 1);
      stream.write(prefix);
    });
    const b = await callOnce(huge.port, [Buffer.from('x')], false);
    assert.equal(b.error?.grpcStatus, GrpcStatus.RESOURCE_EXHAUSTED);
  });

  it('a response message that cannot be decoded ends the call with INTERNAL', async () => {
    const { port } = await serve((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.write(frame(Buffer.from('bad')));
    });
    const channel = new Channel(parseEndpoint(`http://127.0.0.1:${port}`), { transport: 'http2' });
    const error = await new Promise<ZerobusError | undefined>((resolve) => {
      const call = channel.openBidiCall(
        '/t/C',
        {},
        () => {
          throw new Error('not a PutResult');
        },
        { onMessage: () => assert.fail('no message'), onEnd: resolve },
      );
      call.write(Buffer.from('x'));
    });
    channel.close();
    assert.equal(error?.grpcStatus, GrpcStatus.INTERNAL);
    assert.match(error?.message ?? '', /not a PutResult/);
  });

  it('a header value that is not valid HTTP throws at open, naming the header', async () => {
    const channel = new Channel(parseEndpoint('http://127.0.0.1:9'), { transport: 'http2' });
    try {
      assert.throws(() => channel.openCall({ 'x-bad': 'a\nb' }, { onResponse: () => {}, onEnd: () => {} }), /x-bad/);
    } finally {
      channel.close();
    }
  });

  it('a closed channel refuses new calls', () => {
    const channel = new Channel(parseEndpoint('http://127.0.0.1:9'), { transport: 'http2' });
    channel.close();
    assert.throws(() => channel.openCall({}, { onResponse: () => {}, onEnd: () => {} }), /closed/);
  });

  it('a peer that stops answering pings is given up with UNAVAILABLE', async () => {
    // A TCP relay that stops forwarding once the call is open: the peer goes silent.
    const { port: upstream } = await serve((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.write(frame(Buffer.from('open')));
    });
    let silent = false;
    const sockets: Socket[] = [];
    const relay = createTcpServer((client) => {
      const server = new Socket();
      sockets.push(client, server);
      server.connect(upstream, '127.0.0.1');
      client.on('data', (d) => !silent && server.write(d));
      server.on('data', (d) => !silent && client.write(d));
      client.on('error', () => {});
      server.on('error', () => {});
    });
    relay.listen(0, '127.0.0.1');
    await once(relay, 'listening');
    const port = (relay.address() as AddressInfo).port;
    const connection = new H2Connection({
      host: '127.0.0.1',
      port,
      secure: false,
      attempt: { target: `127.0.0.1:${port}`, host: '127.0.0.1', secure: false, customRoots: false },
      keepaliveMs: 50,
      keepaliveTimeoutMs: 200,
    });
    connection.retain();
    try {
      const outcome = await new Promise<Outcome>((resolve) => {
        const messages: string[] = [];
        const call = openH2Call(connection, '/t/C', {}, (b) => Buffer.from(b).toString(), {
          onMessage: (m) => {
            messages.push(m);
            silent = true;
          },
          onEnd: (error) => resolve({ messages, error }),
        });
        call.write(Buffer.from('x'));
      });
      assert.deepEqual(outcome.messages, ['open']);
      assert.equal(outcome.error?.grpcStatus, GrpcStatus.UNAVAILABLE);
      assert.match(outcome.error?.message ?? '', /keepalive ping unanswered/);
    } finally {
      connection.release();
      for (const s of sockets) s.destroy();
      relay.close();
    }
  });

  it('closing the channel gives up a connection still being made (nothing keeps the process waiting)', {
    timeout: 10_000,
  }, async () => {
    // A peer that accepts TCP and never answers the TLS handshake.
    const sockets: Socket[] = [];
    const closed = new Promise<void>((resolve) => {
      const silent = createTcpServer((socket) => {
        sockets.push(socket);
        socket.on('error', () => {});
        socket.on('close', () => resolve());
      });
      silent.listen(0, '127.0.0.1', () => {
        const port = (silent.address() as AddressInfo).port;
        const channel = new Channel(parseEndpoint(`https://127.0.0.1:${port}`), { transport: 'http2' });
        const call = channel.openCall({}, { onResponse: () => {}, onEnd: () => {} });
        silent.once('connection', () => {
          call.cancel();
          channel.close();
        });
      });
      after(() => silent.close());
    });
    await closed;
    for (const socket of sockets) socket.destroy();
  });
});
