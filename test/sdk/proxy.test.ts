/**
 * Proxies (PROTOCOL.md §5, docs/proxies.md): the stream's gRPC channel and its token request
 * go through a real local HTTP CONNECT proxy, plain and over TLS, as the environment (injected
 * through the `proxy: { env }` option, or process.env, restored) or the explicit option says.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { type Emulator, generateSelfSignedCertificate, startEmulator } from '@zerobus/emulator';
import {
  fetchTableSchema,
  type HeadersProvider,
  type ProxyOption,
  TableProperties,
  ZerobusError,
  ZerobusSdk,
} from '@zerobus/sdk';
import { NO_PROXY_VARIABLES, PROXY_VARIABLES } from '../../packages/sdk/src/net/proxy-config.js';
import { Channel, parseEndpoint } from '../../packages/sdk/src/transport/channel.js';
import { type ConnectProxy, type ConnectProxyOptions, startConnectProxy } from '../support/connect-proxy.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  capturingLogger,
  FAST_RECOVERY,
  type Harness,
  jsonPayloads,
} from '../support/harness.js';
import { closedPort } from '../support/net-probes.js';

const TABLE = 'main.proxy.events';
/** The tests write to schemaless tables of several names (TABLE, main.proxy.explicit...). */
const ANY_TABLE = { autoCreateTables: true };

/** `host:port` of the emulator's token endpoint. */
function httpTarget(emulator: Emulator): string {
  return new URL(emulator.unityCatalogEndpoint).host;
}

/**
 * Loopback targets never take a proxy from the environment, so the tests of the environment's
 * rules reach the emulator by names only the test proxy resolves (`.test` never resolves).
 */
const NAMES = { 'zerobus.test': '127.0.0.1', 'uc.test': '127.0.0.1' };
function named(emulator: Emulator): { server: string; catalog: string; grpcTarget: string; httpTarget: string } {
  const grpcTarget = `zerobus.test:${emulator.port}`;
  const httpTarget = `uc.test:${new URL(emulator.unityCatalogEndpoint).port}`;
  return { server: `http://${grpcTarget}`, catalog: `http://${httpTarget}`, grpcTarget, httpTarget };
}

async function withProxy(options: ConnectProxyOptions, body: (proxy: ConnectProxy) => Promise<void>): Promise<void> {
  const proxy = await startConnectProxy(options);
  try {
    await body(proxy);
  } finally {
    await proxy.close();
  }
}

/** Opens a JSON stream, writes two records, closes it, and checks they landed. */
async function roundTrip(
  emulator: Emulator,
  proxy: ProxyOption,
  endpoints: { server?: string; catalog?: string; tlsRootCerts?: string } = {},
  table = TABLE,
): Promise<void> {
  const sdk = new ZerobusSdk(
    endpoints.server ?? emulator.endpoint,
    endpoints.catalog ?? emulator.unityCatalogEndpoint,
    {
      ...(proxy !== undefined && { proxy }),
      ...(endpoints.tlsRootCerts !== undefined && { tlsRootCerts: endpoints.tlsRootCerts }),
    },
  );
  const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(table), {
    recordType: 'json',
    ...FAST_RECOVERY,
  });
  await stream.ingestRecordOffset({ n: 1 });
  const last = await stream.ingestRecordOffset({ n: 2 });
  await stream.waitForOffset(last);
  await stream.close();
  assert.deepEqual(jsonPayloads(emulator, table), [{ n: 1 }, { n: 2 }]);
}

/** Sets environment variables for the length of `body`, then puts back exactly what was there. */
async function withProcessEnv(vars: Record<string, string | undefined>, body: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const put = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  put(vars);
  try {
    await body();
  } finally {
    put(saved);
  }
}

/** One attempt to open a JSON stream with the test principal (no recovery). */
function openOnce(sdk: ZerobusSdk) {
  return sdk.createStream({
    table: TABLE,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    options: { recordType: 'json', recovery: false },
  });
}

/** Headers without a token request, so only the gRPC channel meets the proxy. */
const STATIC_HEADERS: HeadersProvider = {
  getHeaders: () => ({ authorization: 'Bearer any', 'x-databricks-zerobus-table-name': TABLE }),
};

describe('proxies (HTTP CONNECT)', () => {
  it('tunnels the gRPC stream and the token request through https_proxy from an injected environment', async () => {
    await using emulator = await startEmulator(ANY_TABLE);
    const endpoints = named(emulator);
    await withProxy({ hosts: NAMES }, async (proxy) => {
      await roundTrip(emulator, { env: { https_proxy: proxy.url } }, endpoints);
      assert.deepEqual(proxy.tunnelled().sort(), [endpoints.grpcTarget, endpoints.httpTarget].sort());
      assert.equal(emulator.tokenRequests.length, 1);
    });
  });

  it('loopback endpoints take no proxy from the environment; the explicit option still tunnels them', async () => {
    await using emulator = await startEmulator(ANY_TABLE);
    await withProxy({}, async (proxy) => {
      await roundTrip(emulator, { env: { https_proxy: proxy.url, no_proxy: 'example.com' } });
      assert.deepEqual(proxy.connects, []);
      await roundTrip(emulator, proxy.url, {}, 'main.proxy.explicit');
      assert.deepEqual(proxy.tunnelled().sort(), [emulator.grpcTarget, httpTarget(emulator)].sort());
    });
  });

  it('reads process.env by default (GRPC_PROXY here), and false ignores it', async () => {
    await using emulator = await startEmulator(ANY_TABLE);
    const unset = Object.fromEntries([...PROXY_VARIABLES, ...NO_PROXY_VARIABLES].map((name) => [name, undefined]));
    const saved = { ...process.env };
    const endpoints = named(emulator);
    await withProxy({ hosts: NAMES }, async (proxy) => {
      await withProcessEnv({ ...unset, GRPC_PROXY: proxy.url }, async () => {
        await roundTrip(emulator, undefined, endpoints);
        assert.deepEqual(proxy.tunnelled().sort(), [endpoints.grpcTarget, endpoints.httpTarget].sort());
        const before = proxy.connects.length;
        await roundTrip(emulator, false, {}, 'main.proxy.direct');
        assert.equal(proxy.connects.length, before, 'proxy: false connects directly');
      });
      assert.deepEqual({ ...process.env }, saved, 'process.env is as it was');
    });
  });

  it('over TLS, reaches a name only the proxy resolves and checks the certificate against that name', async () => {
    const name = 'workspace-1234.zerobus.test'; // .test never resolves: only through the tunnel
    const tls = await generateSelfSignedCertificate([name]);
    await using emulator = await startEmulator({ ...ANY_TABLE, tls });
    const server = `https://${name}:${emulator.port}`;
    const catalog = `https://${name}:${new URL(emulator.unityCatalogEndpoint).port}`;
    await withProxy({ hosts: { [name]: '127.0.0.1' } }, async (proxy) => {
      await roundTrip(emulator, proxy.url, { server, catalog, tlsRootCerts: tls.cert });
      assert.deepEqual(proxy.tunnelled().sort(), [new URL(server).host, new URL(catalog).host].sort());
    });
    // A certificate without that name is refused through the tunnel too.
    const other = await generateSelfSignedCertificate();
    await using wrongName = await startEmulator({ ...ANY_TABLE, tls: other });
    await withProxy({ hosts: { [name]: '127.0.0.1' } }, async (proxy) => {
      const sdk = new ZerobusSdk(`https://${name}:${wrongName.port}`, wrongName.unityCatalogEndpoint, {
        tlsRootCerts: other.cert,
        proxy: proxy.url,
      });
      await assert.rejects(
        sdk.createStream({
          table: TABLE,
          headersProvider: STATIC_HEADERS,
          options: { recordType: 'json', recovery: false },
        }),
        (e: unknown) =>
          e instanceof ZerobusError && e.code === 'UNAVAILABLE' && /altnames|certificate|name/i.test(e.message),
      );
    });
  });

  it('bypasses the proxy for no_proxy entries, down to the port', async () => {
    await using emulator = await startEmulator(ANY_TABLE);
    const endpoints = named(emulator);
    // The name listed with another port: everything still goes through the proxy.
    await withProxy({ hosts: NAMES }, async (proxy) => {
      await roundTrip(
        emulator,
        { env: { HTTPS_PROXY: proxy.url, NO_PROXY: '.example.com,zerobus.test:1' } },
        endpoints,
      );
      assert.deepEqual(proxy.tunnelled().sort(), [endpoints.grpcTarget, endpoints.httpTarget].sort());
    });
    // The gRPC target listed with its port: the token request goes through the proxy, the channel
    // connects directly — to a name only the proxy could resolve, so that attempt fails.
    await withProxy({ hosts: NAMES }, async (proxy) => {
      const sdk = new ZerobusSdk(endpoints.server, endpoints.catalog, {
        proxy: { env: { https_proxy: proxy.url, no_proxy: `example.com, ${endpoints.grpcTarget}` } },
      });
      await assert.rejects(openOnce(sdk), (e: unknown) => e instanceof ZerobusError && e.code !== 'PROXY');
      assert.deepEqual(proxy.tunnelled(), [endpoints.httpTarget]);
    });
  });

  it('sends the credentials of the proxy URL to a proxy that requires them', async () => {
    await using emulator = await startEmulator(ANY_TABLE);
    await withProxy({ credentials: 'zerobus user:p@ss:w/rd', hosts: NAMES }, async (proxy) => {
      await roundTrip(emulator, { env: { grpc_proxy: proxy.urlWith('zerobus user', 'p@ss:w/rd') } }, named(emulator));
      assert.equal(proxy.tunnelled().length, 2);
      assert.ok(proxy.connects.every((c) => c.credentials === 'zerobus user:p@ss:w/rd' && c.status === 200));
    });
  });

  it('a wrong proxy password fails createStream at once with a PROXY error that shows no credentials', async () => {
    await using emulator = await startEmulator(ANY_TABLE);
    const password = 'Hunter2-Secret';
    await withProxy({ credentials: 'svc:right' }, async (proxy) => {
      const logs: Harness['logs'] = [];
      const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, {
        logger: capturingLogger(logs),
        proxy: proxy.urlWith('svc', password),
      });
      const attempt = (params: Partial<Parameters<ZerobusSdk['createStream']>[0]>) =>
        sdk.createStream({
          table: TABLE,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          options: { recordType: 'json', ...FAST_RECOVERY },
          ...params,
        });
      const check = (what: RegExp) => (e: unknown) => {
        assert.ok(e instanceof ZerobusError);
        assert.equal(e.code, 'PROXY');
        assert.equal(e.retriable, false);
        assert.match(e.message, what);
        assert.match(e.message, new RegExp(`proxy http://127\\.0\\.0\\.1:${proxy.port} \\(from the proxy option\\)`));
        assert.match(e.message, /HTTP 407 Proxy Authentication Required/);
        assert.match(e.message, /did not accept the credentials/);
        for (const text of [e.message, String(e), JSON.stringify(e), JSON.stringify(logs)]) {
          assert.ok(!text.includes(password) && !text.includes('svc:'), text);
          assert.ok(!text.includes(Buffer.from(`svc:${password}`).toString('base64')), text);
        }
        return true;
      };
      // The token request meets the proxy first...
      await assert.rejects(attempt({}), check(/^token endpoint http:\/\/127\.0\.0\.1:\d+ could not be reached/));
      assert.equal(proxy.connects.length, 1, 'non-retriable: no second token request');
      // ...and with a headers provider, the gRPC channel: the same error, not grpc-js's UNAVAILABLE.
      await assert.rejects(
        attempt({ headersProvider: STATIC_HEADERS }),
        check(/^Zerobus endpoint 127\.0\.0\.1:\d+ could not be reached/),
      );
      assert.equal(emulator.tokenRequests.length, 0);
      assert.deepEqual(
        logs.filter((l) => l.message === 'stream creation failed'),
        [],
        'non-retriable: no further attempts',
      );
    });
  });

  it('a proxy refusing the gRPC tunnel: 403 is final, 502 is retried, both named with the status', async () => {
    await using emulator = await startEmulator(ANY_TABLE);
    for (const [status, retriable] of [
      [403, false],
      [502, true],
    ] as const) {
      await withProxy({ refuse: (target) => (target === emulator.grpcTarget ? status : undefined) }, async (proxy) => {
        const logs: Harness['logs'] = [];
        const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, {
          proxy: proxy.url,
          logger: capturingLogger(logs),
        });
        const error = await sdk
          .createStream({
            table: TABLE,
            headersProvider: STATIC_HEADERS,
            options: { recordType: 'json', ...FAST_RECOVERY, recoveryRetries: 1 },
          })
          .then(
            () => assert.fail('createStream succeeded'),
            (e: unknown) => e as ZerobusError,
          );
        assert.equal(error.code, 'PROXY');
        assert.equal(error.retriable, retriable);
        assert.match(error.message, new RegExp(`CONNECT ${emulator.grpcTarget} with HTTP ${status} `));
        // A retriable refusal is tried again (both attempts are logged), a final one is not.
        const failedAttempts = logs.filter((l) => l.message === 'stream creation failed');
        assert.equal(failedAttempts.length, retriable ? 2 : 0);
      });
    }
  });

  it('an unreachable proxy is a retriable PROXY error naming it', async () => {
    await using emulator = await startEmulator(ANY_TABLE);
    const port = await closedPort();
    const endpoints = named(emulator);
    const sdk = new ZerobusSdk(endpoints.server, endpoints.catalog, {
      proxy: { env: { http_proxy: `user:secret-pw@127.0.0.1:${port}` } }, // no scheme: http
    });
    await assert.rejects(
      openOnce(sdk),
      (e: unknown) =>
        e instanceof ZerobusError &&
        e.code === 'PROXY' &&
        e.retriable &&
        e.message.includes(`proxy http://127.0.0.1:${port} (from http_proxy)`) &&
        /ECONNREFUSED/.test(e.message) &&
        !e.message.includes('secret-pw'),
    );
  });

  it('an unusable proxy setting is INVALID_OPTIONS, without repeating its value', async () => {
    assert.throws(() => new ZerobusSdk('http://127.0.0.1:9', 'http://127.0.0.1:9', { proxy: 'socks5://p:1080' }), {
      code: 'INVALID_OPTIONS',
    });
    const sdk = new ZerobusSdk('http://zerobus.test:9', 'http://uc.test:9', {
      proxy: { env: { https_proxy: 'https://user:top-secret@proxy.corp:3128' } },
    });
    await assert.rejects(
      sdk.createStream({ table: TABLE, headersProvider: STATIC_HEADERS, options: { recordType: 'json' } }),
      (e: unknown) =>
        e instanceof ZerobusError &&
        e.code === 'INVALID_OPTIONS' &&
        e.message.startsWith('https_proxy uses https://') &&
        !e.message.includes('top-secret'),
    );
  });

  it('reads Unity Catalog table metadata through the proxy', async () => {
    await using emulator = await startEmulator(ANY_TABLE);
    await emulator.createDeltaTable('main.proxy.meta', [{ name: 'id', type_text: 'bigint' }]);
    const endpoints = named(emulator);
    await withProxy({ hosts: NAMES }, async (proxy) => {
      const schema = await fetchTableSchema('main.proxy.meta', {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        unityCatalogEndpoint: endpoints.catalog,
        proxy: { env: { https_proxy: proxy.url } },
      });
      assert.deepEqual(
        schema.fields.map((f) => f.name),
        ['id'],
      );
      // The token request and the metadata request, each through its own tunnel.
      assert.deepEqual(
        proxy.connects.map((c) => c.target),
        [endpoints.httpTarget, endpoints.httpTarget],
      );
    });
  });

  it("grpc-js's own tunnel (the fallback without connector support) carries the channel too", async () => {
    const name = 'workspace-5678.zerobus.test';
    const tls = await generateSelfSignedCertificate([name]);
    await using emulator = await startEmulator({ ...ANY_TABLE, tls, auth: false });
    const target = `${name}:${emulator.port}`;
    await withProxy({ credentials: 'u:p', hosts: { [name]: '127.0.0.1' } }, async (proxy) => {
      const channel = new Channel(parseEndpoint(`https://${target}`), {
        tlsRootCerts: tls.cert,
        proxy: proxy.urlWith('u', 'p'),
        tunnel: 'grpc-js',
      });
      try {
        // An empty first message is no create_stream: the server answers with a status, which
        // proves the call crossed the tunnel and the TLS handshake inside it.
        const status = await new Promise<ZerobusError | undefined>((resolve) => {
          const call = channel.openCall(
            { 'x-databricks-zerobus-table-name': TABLE },
            { onResponse: () => {}, onEnd: resolve },
          );
          call.write(new Uint8Array(0));
        });
        assert.ok(status instanceof ZerobusError);
        assert.notEqual(status.grpcStatus, grpc.status.UNAVAILABLE, status.message);
      } finally {
        channel.close();
      }
      assert.deepEqual(proxy.connects, [{ target, credentials: 'u:p', status: 200 }]);
    });
  });
});
