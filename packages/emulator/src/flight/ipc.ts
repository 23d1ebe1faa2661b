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
  Field,
  Message,
  MessageHeader,
  type RecordBatch,
  RecordBatchReader,
  type Schema,
} from 'apache-arrow';
import { type BatchHeader, BatchLayoutError, checkBatchLayout } from './batch-layout.js';

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

interface DictionaryMessage {
  readonly id: number;
  readonly ipc: IpcMessage;
  /** Its values, once its layout was checked (at the first batch after it). */
  length?: number;
}

/**
 * Decodes the record batches of one call, keeping the dictionaries they refer to. Every batch
 * and dictionary batch has its layout checked first (batch-layout.ts): apache-arrow would read
 * a batch whose buffers contradict themselves as wrong values.
 */
export class IpcDecoder {
  /** Dictionary batches in arrival order; a replacement drops the earlier batches of its id. */
  private dictionaries: DictionaryMessage[] = [];
  private readonly schemaFields: Schema;

  constructor(private readonly schema: IpcMessage) {
    this.schemaFields = Message.decode(schema.header).header() as Schema;
  }

  addDictionary(id: number, isDelta: boolean, ipc: IpcMessage): void {
    if (!isDelta) this.dictionaries = this.dictionaries.filter((d) => d.id !== id);
    this.dictionaries.push({ id, ipc });
  }

  /** Checks the dictionary batches not checked yet; returns the values per dictionary id. */
  private dictionaryLengths(): Map<number, number> {
    const lengths = new Map<number, number>();
    for (const dictionary of this.dictionaries) {
      const { id } = dictionary;
      if (dictionary.length === undefined) {
        const type = this.schemaFields.dictionaries.get(id);
        if (!type) throw new Error(`dictionary batch with id ${id}: the schema has no dictionary of that id`);
        const message = Message.decode(dictionary.ipc.header);
        const header = (message.header() as unknown as { data: BatchHeader }).data;
        try {
          checkBatchLayout([new Field(`dictionary ${id}`, type, true)], header, dictionary.ipc.body, (nested) =>
            lengths.get(nested),
          );
        } catch (error) {
          if (error instanceof BatchLayoutError) throw new Error(`dictionary batch with id ${id}: ${error.message}`);
          throw error;
        }
        dictionary.length = header.length;
      }
      lengths.set(id, (lengths.get(id) ?? 0) + dictionary.length);
    }
    return lengths;
  }

  /**
   * The batch; throws an Error naming the column when its layout is not valid (see
   * batch-layout.ts), or with apache-arrow's reason when the bytes are not a valid batch.
   */
  decode(batch: IpcMessage): RecordBatch {
    const lengths = this.dictionaryLengths();
    const header = Message.decode(batch.header).header() as unknown as BatchHeader;
    checkBatchLayout(this.schemaFields.fields, header, batch.body, (id) => lengths.get(id));
    const bytes = joinIpcStream([this.schema, ...this.dictionaries.map((d) => d.ipc), batch]);
    const reader = RecordBatchReader.from(bytes);
    const result = reader.next();
    if (result.done || !result.value) throw new Error('the IPC message holds no record batch');
    return result.value;
  }
}
