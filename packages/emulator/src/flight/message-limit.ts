/**
 * The message limit of DoPut (options.maxMessageBytes). grpc-js accepts messages of any size
 * (see emulator.ts), so the session can refuse a FlightData over the limit with
 * INVALID_ARGUMENT naming its offset, which a client does not retry.
 */

import { decodeBatchMetadata } from '@zerobus/sdk/wire';
import type { DecodedFlightData } from './flight-session.js';

/**
 * Why a FlightData is refused for its size (PROTOCOL.md §13: INVALID_ARGUMENT naming the offset,
 * never a retriable code), or undefined when it is within `limit`. The offset is the batch's
 * own `offset_id` when its app_metadata says one, else the offset the call expects next.
 */
export function oversizedFlightData(
  message: Extract<DecodedFlightData, { kind: 'flightData' }>,
  limit: number,
  expected: { readonly opening: boolean; readonly nextOffset: number },
): string | undefined {
  if (message.messageBytes <= limit) return undefined;
  const over = `is ${message.messageBytes} bytes, over the server's message limit of ${limit} bytes`;
  if (expected.opening) return `the FlightData opening the call (the Arrow schema) ${over}`;
  let offset: number | undefined;
  try {
    offset = decodeBatchMetadata(message.data.appMetadata);
  } catch {
    offset = undefined;
  }
  return offset === undefined
    ? `the FlightData at offset_id ${expected.nextOffset} (the next expected) ${over}`
    : `record batch at offset_id ${offset} ${over}`;
}
