/**
 * The SDK's own transport for one channel (transport/channel.ts): calls framed by h2-call.ts on
 * an `H2Connection` — the SDK's shared one, or the channel's own.
 */
import { ZerobusError } from '../errors.js';
import type { BidiHandlers, ChannelSettings, ChannelTransport, Endpoint, StreamCall } from './channel.js';
import { dialTarget } from './dial-target.js';
import { openH2Call } from './h2-call.js';
import { H2Connection } from './h2-connection.js';

/** Options of an `H2Connection` to `endpoint` under `settings` (roots, proxy). */
export function h2ConnectionTo(
  endpoint: Endpoint,
  settings: Pick<ChannelSettings, 'tlsRootCerts' | 'proxy'>,
): H2Connection {
  return new H2Connection({ ...dialTarget(endpoint, settings), secure: endpoint.secure });
}

export class Http2Channel implements ChannelTransport {
  readonly #connection: H2Connection;
  #closed = false;

  constructor(endpoint: Endpoint, settings: ChannelSettings) {
    this.#connection = settings.connection ?? h2ConnectionTo(endpoint, settings);
    this.#connection.retain();
  }

  openBidiCall<T>(
    path: string,
    headers: Record<string, string>,
    decode: (bytes: Uint8Array) => T,
    handlers: BidiHandlers<T>,
  ): StreamCall {
    if (this.#closed) throw new ZerobusError('CONNECTION', 'the channel has been closed');
    return openH2Call(this.#connection, path, headers, decode, handlers);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection.release();
  }
}
