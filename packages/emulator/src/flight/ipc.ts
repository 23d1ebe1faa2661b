/**
 * The Arrow IPC side of a DoPut call: what each FlightData carries (its `data_header` is an IPC
 * `Message` flatbuffer: a schema, a dictionary batch or a record batch), and record batches
 * decoded with apache-arrow. A batch is read by rebuilding a small IPC stream — the call's
 * schema, the dictionary batches it still needs, the batch — so every batch is decoded
 * independently and synchronously, in arrival order.
 */

import type { IpcMessage } from '@zerobus/sdk/wire';
import { joinIpcStream } from '@zerobus/sdk/wire';
import {
  CompressionType,
  compressionRegistry,
  Message,
  MessageHeader,
  type RecordBatch,
  RecordBatchReader,
  type Schema,
} from 'apache-arrow';

export type FlightMessage =
  | { readonly kind: 'schema'; readonly schema: Schema; readonly ipc: IpcMessage }
  | { readonly kind: 'dictionary'; readonly id: number; readonly isDelta: boolean; readonly ipc: IpcMessage }
  | {
      readonly kind: 'batch';
      readonly rows: number;
      /** The body compression codec's name when the batch is compressed and no codec is registered. */
      readonly unsupportedCompression: string | undefined;
      readonly ipc: IpcMessage;
    };

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a FlightData's IPC message is; throws an Error with the reason when it is none of the three. */
export function classifyFlightData(header: Uint8Array, body: Uint8Array): FlightMessage {
  if (header.length === 0) throw new Error('FlightData has no data_header (an Arrow IPC message)');
  let message: Message;
  try {
    message = Message.decode(header);
  } catch (error) {
    throw new Error(`data_header is not an Arrow IPC message (${reason(error)})`);
  }
  const bodyLength = message.bodyLength;
  if (!(bodyLength >= 0 && bodyLength <= body.length)) {
    throw new Error(`the IPC message announces a ${bodyLength}-byte body but data_body has ${body.length} bytes`);
  }
  const ipc: IpcMessage = { header, body: body.subarray(0, bodyLength) };
  try {
    if (message.isSchema()) return { kind: 'schema', schema: message.header(), ipc };
    if (message.isDictionaryBatch()) {
      const dictionary = message.header();
      return { kind: 'dictionary', id: Number(dictionary.id), isDelta: dictionary.isDelta, ipc };
    }
    if (message.isRecordBatch()) {
      const batch = message.header();
      const compression = batch.compression;
      const unsupported =
        compression && !compressionRegistry.get(compression.type)?.decode
          ? (CompressionType[compression.type] ?? String(compression.type))
          : undefined;
      return { kind: 'batch', rows: Number(batch.length), unsupportedCompression: unsupported, ipc };
    }
  } catch (error) {
    throw new Error(`data_header is not a valid Arrow IPC message (${reason(error)})`);
  }
  const name = MessageHeader[message.headerType] ?? String(message.headerType);
  throw new Error(`data_header is an IPC message of type ${name}, not a schema, dictionary batch or record batch`);
}

/** Decodes the record batches of one call, keeping the dictionaries they refer to. */
export class IpcDecoder {
  /** Dictionary batches in arrival order; a replacement drops the earlier batches of its id. */
  private dictionaries: { readonly id: number; readonly ipc: IpcMessage }[] = [];

  constructor(private readonly schema: IpcMessage) {}

  addDictionary(id: number, isDelta: boolean, ipc: IpcMessage): void {
    if (!isDelta) this.dictionaries = this.dictionaries.filter((d) => d.id !== id);
    this.dictionaries.push({ id, ipc });
  }

  /** The batch; throws an Error with apache-arrow's reason when the bytes are not a valid batch. */
  decode(batch: IpcMessage): RecordBatch {
    const bytes = joinIpcStream([this.schema, ...this.dictionaries.map((d) => d.ipc), batch]);
    const reader = RecordBatchReader.from(bytes);
    const result = reader.next();
    if (result.done || !result.value) throw new Error('the IPC message holds no record batch');
    return result.value;
  }
}
