/** How clients address the emulator's servers: an IPv6 host needs brackets in URLs and gRPC targets alike. */

/** `host:port`, with an IPv6 host in brackets: a gRPC target, or a URL's authority. */
export function hostAndPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The server's base URL: `https` when it serves TLS. */
export function serverUrl(host: string, port: number, secure: boolean): string {
  return `${secure ? 'https' : 'http'}://${hostAndPort(host, port)}`;
}
