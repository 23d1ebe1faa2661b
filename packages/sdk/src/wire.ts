/**
 * The Zerobus wire codec, shared with the local server (`@zerobus/emulator`) so that both sides
 * speak one implementation of PROTOCOL.md §1. Not part of the SDK's user-facing API.
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
