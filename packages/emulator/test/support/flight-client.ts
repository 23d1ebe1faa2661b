/**
 * A raw Arrow Flight `DoPut` client for the emulator tests: grpc-js with identity serializers,
 * the shared Flight codec of `@zerobus/sdk/wire`, and apache-arrow to make IPC messages. No SDK,
 * so the tests pin down the server's wire behaviour on their own.
 */

import { Client, type ClientDuplexStream, credentials, type Metadata, type StatusObject } from '@grpc/grpc-js';
import type { Emulator } from '@zerobus/emulator';
import {
  decodeAckMetadata,
  decodePutResult,
  encodeBatchMetadata,
  encodeFlightData,
  FLIGHT_DO_PUT_PATH,
  type FlightAck,
  type FlightData,
  type IpcMessage,
  splitIpcStream,
} from '@zerobus/sdk/wire';
import { Message, type Table, tableToIPC } from 'apache-arrow';
import { asBuffer, callMetadata, type OpenOptions } from './raw-client.js';

/** The IPC messages of a table: its schema, its dictionary batches, its record batches. */
export interface TableMessages {
  readonly schema: IpcMessage;
  readonly dictionaries: IpcMessage[];
  readonly batches: IpcMessage[];
}

/** Cuts `tableToIPC(table, 'stream')` into its messages, by kind. */
export function tableMessages(table: Table): TableMessages {
  const [schema, ...rest] = splitIpcStream(tableToIPC(table, 'stream'));
  if (!schema) throw new Error('no schema message');
  const dictionaries: IpcMessage[] = [];
  const batches: IpcMessage[] = [];
  for (const message of rest) {
    if (Message.decode(message.header).isDictionaryBatch()) dictionaries.push(message);
    else batches.push(message);
  }
  return { schema, dictionaries, batches };
}

/** Headers of a DoPut call: the same choices as an EphemeralStream test call. */
export type FlightOpenOptions = OpenOptions;

/** One DoPut call with every PutResult recorded as it arrives. */
export class FlightPut {
  /** The decoded app_metadata of every PutResult, the ready signal included. */
  readonly acks: FlightAck[] = [];
  readonly headers: Promise<Metadata>;
  /** Resolves with the final status (OK or not); never rejects. */
  readonly status: Promise<StatusObject>;
  private waiters: Array<() => void> = [];

  constructor(readonly call: ClientDuplexStream<Uint8Array, Uint8Array>) {
    this.headers = new Promise((resolve) => call.once('metadata', resolve));
    this.status = new Promise((resolve) => call.once('status', resolve));
    call.on('error', () => {}); // the status promise reports it
    call.on('data', (bytes: Uint8Array) => {
      this.acks.push(decodeAckMetadata(decodePutResult(bytes)));
      this.wake();
    });
    void this.status.then(() => this.wake());
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Sends a FlightData (or raw bytes, which need not be one). */
  send(data: FlightData | Uint8Array): void {
    this.call.write(data instanceof Uint8Array ? data : encodeFlightData(data));
  }

  /** Sends an IPC message as a FlightData. */
  message(ipc: IpcMessage, extra: { appMetadata?: Uint8Array; descriptorPath?: string[] } = {}): void {
    this.send({ dataHeader: ipc.header, dataBody: ipc.body, ...extra });
  }

  /** Sends the table's schema message (optionally with a FlightDescriptor PATH). */
  schema(source: Table | IpcMessage, descriptorPath?: string[]): void {
    const ipc = 'header' in source ? source : tableMessages(source).schema;
    this.message(ipc, descriptorPath ? { descriptorPath } : {});
  }

  /**
   * Sends the table's dictionary batches, then its record batches with offset_id `offset`,
   * `offset + 1`, ...; returns the next offset.
   */
  batches(table: Table, offset: number): number {
    const messages = tableMessages(table);
    for (const d of messages.dictionaries) this.message(d);
    for (const b of messages.batches) this.message(b, { appMetadata: encodeBatchMetadata(offset++) });
    return offset;
  }

  /** Schema, then every batch from offset 0, then half-close; resolves with the final status. */
  async putAll(...tables: Table[]): Promise<StatusObject> {
    const [first] = tables;
    if (!first) throw new Error('no table');
    this.schema(first);
    let offset = 0;
    for (const table of tables) offset = this.batches(table, offset);
    this.end();
    return this.status;
  }

  end(): void {
    this.call.end();
  }

  /** Resolves once an ack matching `predicate` arrived; rejects if the call ends first. */
  async waitFor(predicate: (ack: FlightAck) => boolean): Promise<FlightAck> {
    for (;;) {
      const found = this.acks.find(predicate);
      if (found) return found;
      const ended = await Promise.race([
        this.status,
        new Promise<undefined>((resolve) => this.waiters.push(() => resolve(undefined))),
      ]);
      if (ended) {
        const late = this.acks.find(predicate);
        if (late) return late;
        throw new Error(`call ended (${ended.code}: ${ended.details}) before the expected PutResult`);
      }
    }
  }

  /** The "stream ready" PutResult. */
  ready(): Promise<FlightAck> {
    return this.waitFor((a) => a.ackUpToOffset === -1);
  }

  ackedUpTo(offset: number): Promise<FlightAck> {
    return this.waitFor((a) => a.ackUpToOffset >= offset);
  }

  /** The acks after the ready signal, as [offset, records] pairs. */
  ackPairs(): [number, number][] {
    return this.acks.slice(1).map((a) => [a.ackUpToOffset, a.ackUpToRecords]);
  }
}

export class FlightClient {
  readonly client: Client;

  constructor(readonly emulator: Emulator) {
    this.client = new Client(emulator.grpcTarget, credentials.createInsecure());
  }

  open(table: string, options: FlightOpenOptions = {}): FlightPut {
    const metadata = callMetadata(this.emulator, table, options);
    const call = this.client.makeBidiStreamRequest<Uint8Array, Uint8Array>(
      FLIGHT_DO_PUT_PATH,
      (bytes) => asBuffer(bytes),
      (bytes: Buffer) => new Uint8Array(bytes),
      metadata,
    );
    return new FlightPut(call);
  }

  close(): void {
    this.client.close();
  }
}
