/**
 * Which HTTP CONNECT proxy, if any, one connection goes through (PROTOCOL.md §5). Pure: the
 * environment is a parameter, so the rules are tested without touching `process.env`.
 *
 * The proxy is the first variable set (non-empty) of `grpc_proxy`, `GRPC_PROXY`, `https_proxy`,
 * `HTTPS_PROXY`, `http_proxy`, `HTTP_PROXY`: one rule for the gRPC channel and the HTTPS calls
 * (token endpoint, Unity Catalog). `HTTP_PROXY` in upper case is skipped when `REQUEST_METHOD` is
 * set: in a CGI process it may come from a request's `Proxy:` header ("httpoxy").
 *
 * The bypass list is the first set of `no_grpc_proxy`, `NO_GRPC_PROXY`, `no_proxy`, `NO_PROXY`
 * (a set `no_grpc_proxy` replaces `no_proxy`, as in gRPC): comma-separated entries, each
 * - `*`: every host;
 * - a name, `example.com`, `.example.com` or `*.example.com`: that host and every host under it
 *   (`api.example.com`), never `badexample.com`; case-insensitive, a trailing dot ignored;
 * - an IP address (`10.1.2.3`, `::1`, `[::1]`) or a CIDR block (`10.0.0.0/8`, `fd00::/8`): targets
 *   given as such an address (no DNS lookups: a name never matches an address entry);
 * - any of those with `:port` (`example.com:8443`, `[::1]:50051`): only that port.
 * Empty entries and surrounding spaces are ignored.
 *
 * Loopback targets (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`) never take a proxy from the
 * environment, listed or not, as in Go's net/http and grpc-go: a proxy elsewhere cannot reach
 * this machine's loopback, and a company-wide `https_proxy` must not break a local server. An
 * explicit proxy URL (the `proxy` option) still applies to them.
 *
 * A proxy URL is `http://[user[:password]@]host[:port]` (default port 80; no scheme means http);
 * credentials become `Proxy-Authorization: Basic …` and never appear in messages: the proxy is
 * shown as `http://host:port`.
 */
import { BlockList, isIP } from 'node:net';
import { NonRetriableError } from '../errors.js';

/**
 * Environment variables, as `process.env`.
 *
 * @example
 * ```ts
 * import { type ProxyEnv, ZerobusSdk } from '@zerobus/sdk';
 *
 * // This service's own proxy rules, from its configuration rather than the process environment.
 * const proxyEnv: ProxyEnv = {
 *   https_proxy: 'http://proxy.corp.example:3128',
 *   no_proxy: '.internal.example,10.0.0.0/8', // direct to these
 * };
 * const sdk = new ZerobusSdk(serverEndpoint, unityCatalogEndpoint, { proxy: { env: proxyEnv } });
 * ```
 */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/**
 * The SDK's `proxy` option: `undefined` reads the environment (`process.env`), a URL is that
 * proxy for every connection (the environment is not read), `false` connects directly, and
 * `{ env }` applies the environment rules to the given variables instead of `process.env`.
 *
 * @example
 * ```ts
 * import { fetchTableSchema, type ProxyOption, ZerobusSdk } from '@zerobus/sdk';
 *
 * // This service's egress proxy if configured, else direct: https_proxy & co. are ignored either way.
 * const proxy: ProxyOption = process.env.EGRESS_PROXY_URL || false;
 * const sdk = new ZerobusSdk(serverEndpoint, unityCatalogEndpoint, { proxy }); // streams and tokens
 * const schema = await fetchTableSchema('main.iot.readings', { unityCatalogEndpoint, clientId, clientSecret, proxy });
 * ```
 */
export type ProxyOption =
  | string
  | false
  | {
      /** The variables to read the proxy settings from, in place of `process.env`. */
      readonly env: ProxyEnv;
    }
  | undefined;

/** Proxy variables in the order they are looked at. */
export const PROXY_VARIABLES = ['grpc_proxy', 'GRPC_PROXY', 'https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'];
/** Bypass-list variables in the order they are looked at. */
export const NO_PROXY_VARIABLES = ['no_grpc_proxy', 'NO_GRPC_PROXY', 'no_proxy', 'NO_PROXY'];

/** One proxy, parsed; its credentials are kept out of every string and JSON form. */
export class ProxyConfig {
  /** Host name or address (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** Where the proxy came from, for messages: `https_proxy`, `the proxy option`. */
  readonly source: string;
  /** The proxy URL without credentials: `http://proxy.example:3128`. */
  readonly display: string;
  readonly #authorization: string | undefined;

  constructor(host: string, port: number, source: string, authorization: string | undefined) {
    this.host = host;
    this.port = port;
    this.source = source;
    this.display = `http://${hostPort(host, port)}`;
    this.#authorization = authorization;
  }

  /** The `Proxy-Authorization` header value, when the URL carried credentials. */
  authorization(): string | undefined {
    return this.#authorization;
  }

  get hasCredentials(): boolean {
    return this.#authorization !== undefined;
  }

  toString(): string {
    return this.display;
  }

  toJSON(): object {
    return { proxy: this.display, source: this.source };
  }
}

/** `host:port`, with IPv6 addresses in brackets: an HTTP authority. */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** Lower case, no brackets, no trailing dot. */
function normalizeHost(host: string): string {
  return host
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** Parses a proxy URL; `source` names where it came from in errors, which never repeat the value. */
export function parseProxyUrl(value: string, source: string): ProxyConfig {
  const text = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    // The value itself may hold a password: it is not shown.
    throw new NonRetriableError('INVALID_OPTIONS', `${source} is not a valid proxy URL`);
  }
  if (url.protocol !== 'http:') {
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      `${source} uses ${url.protocol}//; only http:// proxies (HTTP CONNECT) are supported`,
    );
  }
  const host = normalizeHost(url.hostname);
  if (host === '') throw new NonRetriableError('INVALID_OPTIONS', `${source} has no proxy host`);
  const port = url.port === '' ? 80 : Number(url.port);
  const username = decode(url.username);
  const password = decode(url.password);
  const authorization =
    username === '' && password === ''
      ? undefined
      : `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  return new ProxyConfig(host, port, source, authorization);
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

/** The first variable of `names` that is set to something other than blanks. */
function firstSet(env: ProxyEnv, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (typeof value !== 'string' || value.trim() === '') continue;
    if (name === 'HTTP_PROXY' && env.REQUEST_METHOD !== undefined) continue; // httpoxy
    return { name, value };
  }
  return undefined;
}

/** The proxy variable in force in `env`, by the precedence above, or undefined. */
export function proxyVariable(env: ProxyEnv): { name: string; value: string } | undefined {
  return firstSet(env, PROXY_VARIABLES);
}

/** The bypass list in force in `env`, or undefined. */
export function noProxyVariable(env: ProxyEnv): { name: string; value: string } | undefined {
  return firstSet(env, NO_PROXY_VARIABLES);
}

/** Splits `host`, `host:port`, `[v6]`, `[v6]:port` and bare IPv6; `port` is NaN when malformed. */
function splitEntry(entry: string): { host: string; port: number | undefined } {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1] ?? '', port: portOf(bracketed[2]) };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const at = entry.indexOf(':');
    return { host: entry.slice(0, at), port: portOf(entry.slice(at + 1)) };
  }
  return { host: entry, port: undefined }; // a name, an IPv4 address, or a bare IPv6 address
}

function portOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
}

/** Whether one bypass entry covers the target. */
function entryMatches(entry: string, host: string, port: number): boolean {
  if (entry === '*') return true;
  const split = splitEntry(entry);
  if (split.port !== undefined && split.port !== port) return false; // also skips malformed ports
  const targetFamily = isIP(host);
  const slash = split.host.indexOf('/');
  if (slash >= 0 || isIP(split.host) !== 0) {
    // An address or a CIDR block: only targets given as addresses.
    if (targetFamily === 0) return false;
    const address = slash >= 0 ? split.host.slice(0, slash) : split.host;
    const family = isIP(address);
    if (family === 0) return false;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const list = new BlockList();
    try {
      if (slash >= 0) {
        const prefix = split.host.slice(slash + 1);
        if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) return false;
        list.addSubnet(address, Number(prefix), type);
      } else {
        list.addAddress(address, type);
      }
      return family === targetFamily && list.check(host, type);
    } catch {
      return false;
    }
  }
  const name = normalizeHost(split.host).replace(/^\*/, '').replace(/^\./, '');
  if (name === '' || targetFamily !== 0) return false;
  return host === name || host.endsWith(`.${name}`);
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** `localhost`, a name under it (RFC 6761), or a loopback address (IPv4-mapped included). */
export function isLoopback(host: string): boolean {
  const target = normalizeHost(host);
  if (target === 'localhost' || target.endsWith('.localhost')) return true;
  const family = isIP(target);
  return family !== 0 && LOOPBACK.check(target, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether the bypass list `noProxy` covers `host:port`. */
export function bypassesProxy(noProxy: string, host: string, port: number): boolean {
  const target = normalizeHost(host);
  return noProxy
    .split(',')
    .map((entry) => entry.trim())
    .some((entry) => entry !== '' && entryMatches(entry, target, port));
}

/**
 * The proxy for a connection to `host:port` under `option` (see `ProxyOption`), or undefined for
 * a direct connection. Throws INVALID_OPTIONS for a proxy URL that cannot be used.
 */
export function resolveProxy(
  target: { readonly host: string; readonly port: number },
  option: ProxyOption,
  processEnv: ProxyEnv = process.env,
): ProxyConfig | undefined {
  if (option === false) return undefined;
  if (typeof option === 'string') return parseProxyUrl(option, 'the proxy option');
  if (option !== undefined) checkProxyOption(option); // a wrong shape from JavaScript callers
  const env = option === undefined ? processEnv : option.env;
  const proxy = proxyVariable(env);
  if (proxy === undefined || isLoopback(target.host)) return undefined;
  const noProxy = noProxyVariable(env);
  if (noProxy !== undefined && bypassesProxy(noProxy.value, target.host, target.port)) return undefined;
  return parseProxyUrl(proxy.value, proxy.name);
}

/** Rejects a `proxy` option of the wrong shape, and a URL that cannot be used, up front. */
export function checkProxyOption(option: unknown): void {
  if (option === undefined || option === false) return;
  if (typeof option === 'string') {
    if (option.trim() === '') {
      throw new NonRetriableError('INVALID_OPTIONS', 'the proxy option is empty; use false for direct connections');
    }
    parseProxyUrl(option, 'the proxy option');
    return;
  }
  const env = (option as { env?: unknown } | null)?.env;
  if (typeof option !== 'object' || option === null || typeof env !== 'object' || env === null) {
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      'the proxy option must be a proxy URL, false, or { env } with proxy environment variables',
    );
  }
}
