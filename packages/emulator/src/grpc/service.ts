/**
 * The `databricks.zerobus.Zerobus` service definition, built by hand around the shared wire
 * codec (no .proto loading), and its `EphemeralStream` handler.
 *
 * grpc-js ends a call with INTERNAL when a deserializer throws; the protocol wants
 * INVALID_ARGUMENT for bytes that are not a request. So the deserializer never throws: it hands
 * a `decodeFailure` to the session, which ends the call with the right status.
 */

import type { ServiceDefinition } from '@grpc/grpc-js';
import {
  decodeRequest,
  decodeResponse,
  EPHEMERAL_STREAM_PATH,
  encodeRequest,
  encodeResponse,
  type StreamRequest,
  type StreamResponse,
} from '@zerobus/sdk/wire';
import type { EmulatorState } from '../state.js';
import { type DecodedRequest, type EphemeralCall, StreamSession } from './stream-session.js';

/** grpc-js copies serialized messages with Buffer methods, so hand it a Buffer view. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function deserializeRequest(bytes: Buffer): DecodedRequest {
  try {
    // The size travels with the request so the session can refuse oversized ones by offset.
    return Object.assign(decodeRequest(bytes), { messageBytes: bytes.length });
  } catch (error) {
    return { kind: 'decodeFailure', error: (error as Error)?.message ?? String(error) };
  }
}

/**
 * The grpc-js service definition of `databricks.zerobus.Zerobus`, as the local server serves it: for
 * `server.addService`, or `makeGenericClientConstructor` to build a raw client in protocol tests.
 *
 * @example
 * ```ts
 * import { Client, credentials, Metadata } from '@grpc/grpc-js';
 * import { TABLE_HEADER, zerobusServiceDefinition } from '@zerobus/emulator';
 * import type { StreamResponse } from '@zerobus/sdk/wire';
 *
 * // a raw EphemeralStream call, to test the server's wire behaviour without the SDK
 * const { EphemeralStream } = zerobusServiceDefinition;
 * const metadata = new Metadata();
 * metadata.set('authorization', `Bearer ${emulator.issueToken('main.iot.readings')}`);
 * metadata.set(TABLE_HEADER, 'main.iot.readings');
 * const client = new Client(emulator.grpcTarget, credentials.createInsecure());
 * const { path, requestSerialize, responseDeserialize } = EphemeralStream;
 * const call = client.makeBidiStreamRequest(path, requestSerialize, responseDeserialize, metadata);
 * call.on('data', (response: StreamResponse) => console.log(response)); // { kind: 'createStreamResponse', streamId }, ...
 * call.write({ kind: 'createStream', tableName: 'main.iot.readings', recordType: 2 }); // 2: JSON
 * ```
 */
export const zerobusServiceDefinition = {
  /** The bidirectional-streaming `EphemeralStream` method. */
  EphemeralStream: {
    /** The full gRPC method path. */
    path: EPHEMERAL_STREAM_PATH,
    /** Client streaming. */
    requestStream: true,
    /** Server streaming. */
    responseStream: true,
    // The request side is only used by clients built from this definition.
    /** Encodes a request (never a decode failure). */
    requestSerialize: (request: DecodedRequest) => {
      if (request.kind === 'decodeFailure') throw new TypeError('cannot serialize a decode failure');
      return asBuffer(encodeRequest(request as StreamRequest));
    },
    /** Decodes a request; never throws: bytes that do not decode become a `decodeFailure`. */
    requestDeserialize: deserializeRequest,
    /** Encodes a response. */
    responseSerialize: (response: StreamResponse) => asBuffer(encodeResponse(response)),
    /** Decodes a response. */
    responseDeserialize: (bytes: Buffer) => decodeResponse(bytes),
  },
} satisfies ServiceDefinition;

/** The handler grpc-js calls once per incoming `EphemeralStream` call. */
export function ephemeralStreamHandler(state: EmulatorState): (call: EphemeralCall) => void {
  return (call) => {
    new StreamSession(call, state).start();
  };
}
