/**
 * What a channel dials, whichever transport carries it: the endpoint's host (IPv6 without
 * brackets) and port, the trusted roots, the proxy the SDK's decision picks (net/proxy-config.ts),
 * and the `ConnectionAttempt` its connection errors describe.
 */
import { type ProxyConfig, type ProxyOption, resolveProxy } from '../net/proxy-config.js';
import type { Endpoint } from './channel.js';
import type { ConnectionAttempt } from './connection-error.js';

export interface DialTarget {
  readonly host: string;
  readonly port: number;
  /** Trusted CA certificates in place of the system roots, when given. */
  readonly rootCerts: Buffer | undefined;
  readonly proxy: ProxyConfig | undefined;
  readonly attempt: ConnectionAttempt;
}

export function dialTarget(
  endpoint: Endpoint,
  settings: { readonly tlsRootCerts?: Buffer | string | undefined; readonly proxy?: ProxyOption },
): DialTarget {
  const host = endpoint.host.replace(/^\[(.*)\]$/, '$1');
  const { port, secure } = endpoint;
  const rootCerts = settings.tlsRootCerts === undefined ? undefined : Buffer.from(settings.tlsRootCerts);
  const proxy = resolveProxy({ host, port }, settings.proxy);
  return {
    host,
    port,
    rootCerts,
    proxy,
    attempt: { target: endpoint.target, host, secure, proxy: proxy?.display, customRoots: rootCerts !== undefined },
  };
}
