/**
 * Opens one Arrow Flight `DoPut` call and performs its handshake (PROTOCOL.md §11), as
 * engine/connect.ts does `create_stream` for the gRPC stream: headers from the provider (asked
 * anew every time, the table header always winning), the Arrow schema as the first FlightData,
 * then the server's first PutResult, `ack_up_to_offset: -1`, meaning "ready" — all within one time
 * limit. Until then the call belongs to the handshake: a failure, a timeout or an abort cancels
 * it and rejects; afterwards the stream's handlers get its acknowledgements and its end.
 */
import type { Schema } from 'apache-arrow';
import type { CallHeaders } from '../auth/call-headers.js';
import type { CallEvents } from '../engine/stream-protocol.js';
import { toZerobusError, ZerobusError } from '../errors.js';
import type { Channel, StreamCall } from '../transport/channel.js';
import {
  decodeAckMetadata,
  decodePutResult,
  encodeFlightData,
  FLIGHT_DO_PUT_PATH,
  type FlightAck,
} from '../transport/flight-codec.js';
import { schemaMessage } from './arrow-batches.js';
import type { Arrow } from './arrow-module.js';

/** What the handshake hands the call's later events to: Arrow Flight has no close signal. */
export type FlightCallHandlers = Pick<CallEvents<FlightAck>, 'onAck' | 'onEnd'>;

export interface FlightConnectParams {
  readonly arrow: Arrow;
  readonly channel: Channel;
  /** The stream's call headers (the table header always its own table). */
  readonly headers: CallHeaders;
  readonly tableName: string;
  readonly schema: Schema;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

function aborted(signal: AbortSignal): ZerobusError {
  return new ZerobusError('ABORTED', 'opening the Arrow stream was aborted', { cause: signal.reason });
}

/** Resolves with the call once the server said "ready". */
export function connectFlight(params: FlightConnectParams, handlers: FlightCallHandlers): Promise<StreamCall> {
  const { signal, timeoutMs } = params;
  // An 'abort' listener never fires for a signal that is aborted already.
  if (signal?.aborted) return Promise.reject(aborted(signal));
  // Cancels the headers provider's work when the handshake ends early.
  const controller = new AbortController();
  return new Promise<StreamCall>((resolve, reject) => {
    let call: StreamCall | undefined;
    let settled = false;
    const onAbort = () => settle(aborted(signal as AbortSignal));
    const settle = (error: ZerobusError | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        controller.abort();
        call?.cancel();
        reject(error);
      } else {
        resolve(call as StreamCall);
      }
    };
    const timer = setTimeout(
      () => settle(new ZerobusError('TIMEOUT', `opening the Arrow stream took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });

    const onPutResult = (metadata: Uint8Array) => {
      let ack: FlightAck;
      try {
        ack = decodeAckMetadata(metadata);
      } catch (error) {
        const malformed = new ZerobusError('INTERNAL', `malformed PutResult: ${(error as Error).message}`);
        if (settled) handlers.onEnd(malformed);
        else settle(malformed);
        return;
      }
      if (settled) handlers.onAck(ack);
      else if (ack.ackUpToOffset === -1) settle(undefined);
      else
        settle(new ZerobusError('INTERNAL', `the server acknowledged offset ${ack.ackUpToOffset} before it was ready`));
    };
    const opening = params.headers.get(controller.signal).then(
      (headers) => {
        if (settled) return;
        const current = params.channel.openBidiCall(FLIGHT_DO_PUT_PATH, headers, decodePutResult, {
          onMessage: onPutResult,
          onEnd: (error) => {
            const ended = error ?? new ZerobusError('CONNECTION', 'the server ended the call');
            if (settled) handlers.onEnd(ended);
            else settle(ended);
          },
        });
        call = current;
        const schema = schemaMessage(params.arrow, params.schema);
        current.write(
          encodeFlightData({ descriptorPath: [params.tableName], dataHeader: schema.header, dataBody: schema.body }),
        );
      },
      (error: unknown) => settle(toZerobusError(error)),
    );
    // openBidiCall throws once the channel is shut down (the stream closed or failed meanwhile).
    opening.catch((error: unknown) =>
      settle(new ZerobusError('CONNECTION', `could not open the call: ${(error as Error)?.message}`, { cause: error })),
    );
  });
}
