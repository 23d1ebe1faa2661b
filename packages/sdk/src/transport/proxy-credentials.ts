/**
 * The gRPC channel through an HTTP CONNECT proxy. The SDK decides (net/proxy-config.ts) and
 * grpc-js's own environment handling is switched off (`grpc.enable_http_proxy: 0`): grpc-js reads
 * lower-case variables only, from `process.env` only, and matches `no_proxy` as a bare string
 * suffix (an empty entry, as in `a,,b` or a trailing comma, bypasses every host; `*`, ports and
 * case are not understood), so the gRPC channel and the token request would disagree.
 *
 * The channel's target is then the proxy: grpc-js resolves and connects to it, and never looks up
 * the real host (the proxy does). The tunnel itself is opened by the SDK inside grpc-js's
 * connection set-up, through channel credentials that wrap the real ones: their connector sends
 * CONNECT on grpc-js's socket to the proxy, then hands the tunnel to the wrapped connector (TLS
 * with the SDK's roots and ALPN h2, or plaintext). That makes a refusal a `PROXY` error with the
 * proxy's status, shared with the HTTPS calls, where grpc-js's own tunnel only logs the status and
 * fails with "Last error: undefined". TLS checks the real host (`grpc.ssl_target_name_override`)
 * and calls carry its authority (`grpc.default_authority`).
 *
 * The connector interface is grpc-js's (exported as `grpc.experimental.SecureConnector` in the
 * 1.14 line the SDK depends on). Should a grpc-js release drop it, the channel falls back to grpc-js's own tunnel
 * through its `grpc.http_connect_target` / `grpc.http_connect_creds` options, with the same
 * proxy and bypass decision, only less telling errors.
 */

import type { Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { ZerobusError } from '../errors.js';
import { hostPort, type ProxyConfig } from '../net/proxy-config.js';
import { openTunnel } from '../net/proxy-tunnel.js';

type SecureConnector = grpc.experimental.SecureConnector;
type CreateConnector = grpc.ChannelCredentials['_createSecureConnector'];

/** What the channel needs to reach its target through a proxy. */
export interface ProxiedClientArgs {
  /** `host:port` of the proxy: what grpc-js resolves and connects to. */
  readonly target: string;
  readonly credentials: grpc.ChannelCredentials;
  /** Channel options for the proxied channel (the user's grpc options still go over them). */
  readonly options: grpc.ChannelOptions;
  /** The last tunnel failure (SDK tunnel only), to report instead of grpc-js's UNAVAILABLE. */
  lastFailure(): ZerobusError | undefined;
}

export type TunnelImplementation = 'sdk' | 'grpc-js';

/** Whether these grpc-js credentials have the connector interface the SDK tunnel wraps. */
export function hasSecureConnector(credentials: grpc.ChannelCredentials): boolean {
  return typeof (credentials as { _createSecureConnector?: unknown })._createSecureConnector === 'function';
}

class TunnelCredentials extends grpc.ChannelCredentials {
  readonly #inner: grpc.ChannelCredentials;
  readonly #tunnel: (socket: Socket) => Promise<Socket>;
  lastFailure: ZerobusError | undefined;

  constructor(inner: grpc.ChannelCredentials, tunnel: (socket: Socket) => Promise<Socket>) {
    super();
    this.#inner = inner;
    this.#tunnel = tunnel;
  }

  _isSecure(): boolean {
    return this.#inner._isSecure();
  }

  _equals(other: grpc.ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(...args: Parameters<CreateConnector>): SecureConnector {
    const inner = this.#inner._createSecureConnector(...args);
    return {
      connect: async (socket) => {
        let tunnel: Socket;
        try {
          tunnel = await this.#tunnel(socket);
        } catch (error) {
          this.lastFailure = error as ZerobusError;
          throw error;
        }
        this.lastFailure = undefined;
        return inner.connect(tunnel);
      },
      waitForReady: () => inner.waitForReady(),
      getCallCredentials: () => inner.getCallCredentials(),
      destroy: () => inner.destroy(),
    };
  }
}

/**
 * Target, credentials and options for a grpc-js client that reaches `endpoint` (`host` without
 * brackets, `port`) through `proxy`.
 */
export function proxiedClientArgs(
  endpoint: { readonly host: string; readonly port: number },
  credentials: grpc.ChannelCredentials,
  proxy: ProxyConfig,
  implementation: TunnelImplementation = 'sdk',
): ProxiedClientArgs {
  const authority = hostPort(endpoint.host, endpoint.port);
  const target = hostPort(proxy.host, proxy.port);
  const naming: grpc.ChannelOptions = {
    'grpc.default_authority': authority,
    'grpc.ssl_target_name_override': endpoint.host,
  };
  if (implementation === 'grpc-js' || !hasSecureConnector(credentials)) {
    // grpc-js's tunnel takes `user:password` as a channel option, which its debug traces
    // (GRPC_TRACE=subchannel) print; the SDK's tunnel keeps it in a private field.
    const authorization = proxy.authorization();
    return {
      target,
      credentials,
      options: {
        ...naming,
        'grpc.http_connect_target': `dns:${authority}`,
        ...(authorization !== undefined && {
          'grpc.http_connect_creds': Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8'),
        }),
      },
      lastFailure: () => undefined,
    };
  }
  const tunnelled = new TunnelCredentials(credentials, (socket) =>
    openTunnel({ proxy, host: endpoint.host, port: endpoint.port, what: `Zerobus endpoint ${authority}`, socket }),
  );
  return { target, credentials: tunnelled, options: naming, lastFailure: () => tunnelled.lastFailure };
}
