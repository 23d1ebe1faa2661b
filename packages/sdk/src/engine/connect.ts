/**
 * Opens one `EphemeralStream` call and performs the `create_stream` handshake: headers from the
 * provider (asked anew every time), then the create request, then the server's stream id — all
 * within one time limit.
 */
import type { CallHeaders } from '../auth/call-headers.js';
import { ZerobusError } from '../errors.js';
import type { CallResponse, Channel, StreamCall } from '../transport/channel.js';
import type { CallEvents } from './stream-protocol.js';

export interface LiveCall {
  readonly streamId: string;
  readonly call: StreamCall;
}

export interface ConnectParams {
  readonly channel: Channel;
  readonly headers: CallHeaders;
  /** The encoded `create_stream` request. */
  readonly createRequest: Uint8Array;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Resolves with the call once the server answered `create_stream` with a stream id; afterwards
 * `handlers` get its acks and close signals, and its end — or, for a message other than those
 * (an INTERNAL "unexpected response", retriable), that error as its end.
 */
export function connect(params: ConnectParams, handlers: CallEvents<number>): Promise<LiveCall> {
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

    const opening = params.headers.get(controller.signal).then((headers) => {
      if (settled) return;
      let created = false;
      let over = false;
      const current = params.channel.openCall(headers, {
        onResponse(response: CallResponse) {
          if (over) return;
          if (!created) {
            const unexpected = unexpectedCreateResponse(response);
            if (unexpected) {
              settle(unexpected);
              return;
            }
            created = true;
            settle(undefined, { streamId: (response as { streamId: string }).streamId, call: current });
          } else if (response.kind === 'ack') {
            handlers.onAck(response.ackUpToOffset);
          } else if (response.kind === 'closeStreamSignal') {
            handlers.onCloseSignal(response.durationMs);
          } else {
            // Anything else after the create would otherwise be ignored, and the requests in flight
            // would wait out the lack-of-ack timeout: end the call so that recovery starts now.
            over = true;
            current.cancel();
            handlers.onEnd(unexpectedResponse(response, 'after the stream was created'));
          }
        },
        onEnd(error) {
          if (over) return;
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

/** The error of a server message out of place: INTERNAL, retriable (PROTOCOL.md §12). */
function unexpectedResponse(response: CallResponse, when: string): ZerobusError {
  const what =
    response.kind === 'undecodable'
      ? `a message it could not decode (${response.reason})`
      : response.kind === 'createStreamResponse'
        ? 'a second create_stream_response'
        : response.kind;
  return new ZerobusError('INTERNAL', `unexpected response from the server ${when}: ${what}`);
}

/** Why the first response is not a usable answer to create_stream, if it is not. */
function unexpectedCreateResponse(response: CallResponse): ZerobusError | undefined {
  if (response.kind !== 'createStreamResponse') return unexpectedResponse(response, 'to create_stream');
  if (response.streamId === '') {
    return new ZerobusError(
      'INTERNAL',
      'unexpected response from the server to create_stream: a create_stream_response without a stream_id',
    );
  }
  return undefined;
}
