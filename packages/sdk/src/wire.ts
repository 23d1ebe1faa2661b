/**
 * `@zerobus/sdk/wire`: the Zerobus wire codec — the `EphemeralStream` requests and responses, the
 * Arrow Flight messages and their metadata, the gRPC status numbers — shared with the local server
 * (`@zerobus/emulator`) so that both sides speak one implementation of PROTOCOL.md §1.
 *
 * Internal, not part of the SDK's API: it is exported only because `@zerobus/emulator` is a
 * separate package that imports it at run time and names its types in its own declarations
 * (`zerobusServiceDefinition`, `GrpcStatus`). It is left out of the API reference and has no
 * compatibility promise of its own: it changes with the protocol and the emulator, in lockstep
 * with `@zerobus/emulator` of the same version. Applications import `@zerobus/sdk`; a raw-protocol
 * test against the local server may import this, pinned to the emulator's version
 * (docs/node-idioms.md, "Entry points").
 *
 * Not tagged `@internal` on purpose: on this first statement the tag would make a `stripInternal`
 * build drop the re-exports below from wire.d.ts, which the emulator's declarations import.
 */

export { GrpcStatus, grpcStatusName, isRetriableGrpcStatus } from './errors.js';
export type { CreateStreamRequest, IngestRequest, StreamRequest, StreamResponse } from './transport/codec.js';
export {
  decodeRequest,
  decodeResponse,
  EPHEMERAL_STREAM_PATH,
  encodeRequest,
  encodeResponse,
  WireDecodeError,
  WireReader,
  WireRecordType,
  ZEROBUS_SERVICE,
} from './transport/codec.js';
export {
  decodeAckMetadata,
  decodeBatchMetadata,
  decodeFlightData,
  decodePutResult,
  encodeAckMetadata,
  encodeBatchMetadata,
  encodeFlightData,
  encodePutResult,
  FLIGHT_DO_PUT_PATH,
  FLIGHT_SERVICE,
  type FlightAck,
  type FlightData,
  type IpcMessage,
  ipcBodyLength,
  joinIpcStream,
  splitIpcStream,
} from './transport/flight-codec.js';
