/**
 * Opens one `EphemeralStream` call and performs the `create_stream` handshake: headers from the
 * provider (asked anew every time), then the create request, then the server's stream id — all
 * within one time limit.
 */
import { type Headers, type HeadersProvider, SDK_HEADER } from '../auth/headers-provider.js';
import { NonRetriableError, ZerobusError } from '../errors.js';
import type { Channel, StreamCall } from '../transport/channel.js';
import type { StreamResponse } from '../transport/codec.js';
import { SDK_USER_AGENT } from '../version.js';

export interface LiveCallHandlers {
  onAck(wireOffset: number): void;
  onCloseSignal(durationMs: number | undefined): void;
  onEnd(error: ZerobusError | undefined): void;
}

export interface LiveCall {
  readonly streamId: string;
  readonly call: StreamCall;
}

export interface ConnectParams {
  readonly channel: Channel;
  readonly headersProvider: HeadersProvider;
  /** The encoded `create_stream` request. */
  readonly createRequest: Uint8Array;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** The provider's headers for one call, lower-cased, with the SDK header added; its failures typed. */
export async function headersFor(provider: HeadersProvider, signal: AbortSignal): Promise<Headers> {
  let headers: Headers;
  try {
    headers = await provider.getHeaders(signal);
  } catch (error) {
    if (error instanceof ZerobusError) throw error;
    // A user provider's failure: retrying with a fresh call may help, as with a token endpoint hiccup.
    throw new ZerobusError('AUTH_UNAVAILABLE', `the headers provider failed: ${(error as Error)?.message ?? error}`, {
      cause: error,
    });
  }
  if (typeof headers !== 'object' || headers === null) {
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      'the headers provider must return an object of header names to values',
    );
  }
  const lower = Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), String(value)]));
  if (lower[SDK_HEADER] === undefined) lower[SDK_HEADER] = SDK_USER_AGENT;
  return lower;
}

export function connect(params: ConnectParams, handlers: LiveCallHandlers): Promise<LiveCall> {
  // An 'abort' listener never fires for a signal that is aborted already.
  if (params.signal?.aborted) {
    return Promise.reject(new ZerobusError('ABORTED', 'stream creation was aborted', { cause: params.signal.reason }));
  }
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(params.signal?.reason);
  params.signal?.addEventListener('abort', onOuterAbort, { once: true });
  return new Promise<LiveCall>((resolve, reject) => {
    let call: StreamCall | undefined;
    let settled = false;
    const settle = (error: ZerobusError | undefined, live?: LiveCall) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      params.signal?.removeEventListener('abort', onOuterAbort);
      if (error) {
        call?.cancel();
        reject(error);
      } else {
        resolve(live as LiveCall);
      }
    };
    const timer = setTimeout(() => {
      controller.abort();
      settle(new ZerobusError('TIMEOUT', `creating the stream took longer than ${params.timeoutMs} ms`));
    }, params.timeoutMs);
    controller.signal.addEventListener('abort', () => {
      if (params.signal?.aborted)
        settle(new ZerobusError('ABORTED', 'stream creation was aborted', { cause: params.signal.reason }));
    });

    const opening = headersFor(params.headersProvider, controller.signal).then((headers) => {
      if (settled) return;
      let streamId: string | undefined;
      const current = params.channel.openCall(headers, {
        onResponse(response: StreamResponse) {
          if (streamId === undefined) {
            if (response.kind !== 'createStreamResponse') {
              settle(new ZerobusError('INTERNAL', `the server answered create_stream with ${response.kind}`));
              return;
            }
            streamId = response.streamId;
            settle(undefined, { streamId, call: current });
          } else if (response.kind === 'ack') {
            handlers.onAck(response.ackUpToOffset);
          } else if (response.kind === 'closeStreamSignal') {
            handlers.onCloseSignal(response.durationMs);
          }
        },
        onEnd(error) {
          if (!settled)
            settle(error ?? new ZerobusError('CONNECTION', 'the server ended the call during stream creation'));
          else handlers.onEnd(error);
        },
      });
      call = current;
      current.write(params.createRequest);
    }, settle);
    // openCall throws once the channel is shut down (the stream closed or failed meanwhile).
    opening.catch((error: unknown) =>
      settle(new ZerobusError('CONNECTION', `could not open the call: ${(error as Error)?.message}`, { cause: error })),
    );
  });
}
