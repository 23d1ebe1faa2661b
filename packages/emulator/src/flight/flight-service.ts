/**
 * The `arrow.flight.protocol.FlightService` definition, with only `DoPut` (PROTOCOL.md §11),
 * built around the shared Flight codec of `@zerobus/sdk/wire`, and its handler. It is served on
 * the same grpc-js server (and port) as `EphemeralStream`.
 *
 * As for EphemeralStream, the deserializer never throws (grpc-js would end the call with
 * INTERNAL): bytes that are not a FlightData become a `decodeFailure` the session refuses with
 * INVALID_ARGUMENT. Responses are PutResult messages the session encodes itself.
 */

import type { ServiceDefinition } from '@grpc/grpc-js';
import { decodeFlightData, encodeFlightData, FLIGHT_DO_PUT_PATH } from '@zerobus/sdk/wire';
import type { EmulatorState } from '../state.js';
import { type DecodedFlightData, type FlightCall, FlightSession } from './flight-session.js';

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function deserializeFlightData(bytes: Buffer): DecodedFlightData {
  try {
    return { kind: 'flightData', data: decodeFlightData(bytes), messageBytes: bytes.length };
  } catch (error) {
    return { kind: 'decodeFailure', error: (error as Error)?.message ?? String(error) };
  }
}

/**
 * The grpc-js service definition of `arrow.flight.protocol.FlightService` (only `DoPut`), as the
 * local server serves it: for `server.addService`, or `makeGenericClientConstructor` to build a
 * raw client in protocol tests.
 *
 * @example
 * ```ts
 * import { Client, credentials, Metadata } from '@grpc/grpc-js';
 * import { flightServiceDefinition, TABLE_HEADER } from '@zerobus/emulator';
 * import { decodeAckMetadata, decodePutResult, splitIpcStream } from '@zerobus/sdk/wire';
 * import { tableFromArrays, tableToIPC } from 'apache-arrow';
 *
 * // a raw DoPut call: its first FlightData is the Arrow schema
 * const { path, requestSerialize, responseDeserialize } = flightServiceDefinition.DoPut;
 * const metadata = new Metadata();
 * metadata.set('authorization', `Bearer ${emulator.issueToken('main.iot.readings')}`);
 * metadata.set(TABLE_HEADER, 'main.iot.readings');
 * const client = new Client(emulator.grpcTarget, credentials.createInsecure());
 * const call = client.makeBidiStreamRequest(path, requestSerialize, responseDeserialize, metadata);
 * call.on('data', (putResult: Uint8Array) => console.log(decodeAckMetadata(decodePutResult(putResult))));
 * const [schema] = splitIpcStream(tableToIPC(tableFromArrays({ device: ['a1'] }), 'stream'));
 * if (schema) {
 *   // messageBytes is filled by the server's decoder; a client's value is not sent
 *   call.write({ kind: 'flightData', data: { dataHeader: schema.header, dataBody: schema.body }, messageBytes: 0 });
 * }
 * // logs { ackUpToOffset: -1, ackUpToRecords: 0 }: the schema was accepted
 * ```
 */
export const flightServiceDefinition = {
  /** The bidirectional-streaming `DoPut` method. */
  DoPut: {
    /** The full gRPC method path. */
    path: FLIGHT_DO_PUT_PATH,
    /** Client streaming. */
    requestStream: true,
    /** Server streaming. */
    responseStream: true,
    // The request side is only used by clients built from this definition.
    /** Encodes a request (never a decode failure). */
    requestSerialize: (request: DecodedFlightData) => {
      if (request.kind === 'decodeFailure') throw new TypeError('cannot serialize a decode failure');
      return asBuffer(encodeFlightData(request.data));
    },
    /** Decodes a request; never throws: bytes that do not decode become a `decodeFailure`. */
    requestDeserialize: deserializeFlightData,
    // Responses are encoded PutResults both ways (decodePutResult reads their app_metadata).
    /** Encodes a response. */
    responseSerialize: (putResult: Uint8Array) => asBuffer(putResult),
    /** Decodes a response. */
    responseDeserialize: (bytes: Buffer) => new Uint8Array(bytes),
  },
} satisfies ServiceDefinition;

/** The handler grpc-js calls once per incoming `DoPut` call. */
export function doPutHandler(state: EmulatorState): (call: FlightCall) => void {
  return (call) => {
    new FlightSession(call, state).start();
  };
}
