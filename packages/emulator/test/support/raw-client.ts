/**
 * A raw grpc-js client for the emulator tests: no SDK, just the shared codec, so the tests pin
 * down the server's wire behaviour independently of the SDK being written next door.
 */

import {
  Client,
  type ClientDuplexStream,
  credentials,
  Metadata,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import {
  decodeResponse,
  EPHEMERAL_STREAM_PATH,
  encodeRequest,
  type StreamRequest,
  type StreamResponse,
  WireRecordType,
} from '@zerobus/sdk/wire';

const enc = new TextEncoder();

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface OpenOptions {
  /** Bearer token; `null` sends no authorization header. Default: a token issued for `table`. */
  token?: string | null;
  /** Table-name header; `null` omits it. Default: `table`. */
  tableHeader?: string | null;
  extraHeaders?: Record<string, string>;
}

/** The headers of a test call (EphemeralStream or Flight DoPut) as `options` asks for them. */
export function callMetadata(emulator: Emulator, table: string, options: OpenOptions): Metadata {
  const metadata = new Metadata();
  const token = options.token === undefined ? emulator.issueToken(table) : options.token;
  if (token !== null) metadata.set('authorization', `Bearer ${token}`);
  const header = options.tableHeader === undefined ? table : options.tableHeader;
  if (header !== null) metadata.set('x-databricks-zerobus-table-name', header);
  metadata.set('x-zerobus-sdk', 'emulator-tests/0');
  for (const [k, v] of Object.entries(options.extraHeaders ?? {})) metadata.set(k, v);
  return metadata;
}

/** One EphemeralStream call with everything the server sent recorded as it arrives. */
export class RawStream {
  readonly responses: StreamResponse[] = [];
  readonly headers: Promise<Metadata>;
  /** Resolves with the final status (OK or not); never rejects. */
  readonly status: Promise<StatusObject>;
  private waiters: Array<() => void> = [];

  constructor(readonly call: ClientDuplexStream<Uint8Array | StreamRequest, StreamResponse>) {
    this.headers = new Promise((resolve) => call.once('metadata', resolve));
    this.status = new Promise((resolve) => call.once('status', resolve));
    call.on('error', (_error: ServiceError) => {}); // the status promise reports it
    call.on('data', (response: StreamResponse) => {
      this.responses.push(response);
      this.wake();
    });
    void this.status.then(() => this.wake());
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  send(request: StreamRequest | Uint8Array): void {
    this.call.write(request);
  }

  create(table: string, recordType: number = WireRecordType.JSON, descriptorProto?: Uint8Array): void {
    this.send({ kind: 'createStream', tableName: table, recordType, descriptorProto });
  }

  json(offsetId: number, ...records: string[]): void {
    this.send({
      kind: records.length === 1 ? 'ingestRecord' : 'ingestBatch',
      offsetId,
      recordType: WireRecordType.JSON,
      records: records.map((r) => enc.encode(r)),
    });
  }

  jsonBatch(offsetId: number, ...records: string[]): void {
    this.send({
      kind: 'ingestBatch',
      offsetId,
      recordType: WireRecordType.JSON,
      records: records.map((r) => enc.encode(r)),
    });
  }

  proto(offsetId: number, ...records: Uint8Array[]): void {
    this.send({
      kind: records.length === 1 ? 'ingestRecord' : 'ingestBatch',
      offsetId,
      recordType: WireRecordType.PROTO,
      records,
    });
  }

  /** Resolves once a response matching `predicate` arrived; rejects if the call ends first. */
  async waitFor(predicate: (response: StreamResponse) => boolean): Promise<StreamResponse> {
    for (;;) {
      const found = this.responses.find(predicate);
      if (found) return found;
      const ended = await Promise.race([
        this.status.then((s) => s),
        new Promise<undefined>((resolve) => this.waiters.push(() => resolve(undefined))),
      ]);
      if (ended) {
        const late = this.responses.find(predicate);
        if (late) return late;
        throw new Error(`call ended (${ended.code}: ${ended.details}) before the expected response`);
      }
    }
  }

  async created(): Promise<string> {
    const response = await this.waitFor((r) => r.kind === 'createStreamResponse');
    return (response as { streamId: string }).streamId;
  }

  async ackedUpTo(offset: number): Promise<void> {
    await this.waitFor((r) => r.kind === 'ack' && r.ackUpToOffset >= offset);
  }

  acks(): number[] {
    return this.responses.flatMap((r) => (r.kind === 'ack' ? [r.ackUpToOffset] : []));
  }
}

/** A grpc-js client to the emulator; close it in the test's cleanup. */
export class RawClient {
  readonly client: Client;

  constructor(readonly emulator: Emulator) {
    this.client = new Client(emulator.grpcTarget, credentials.createInsecure());
  }

  open(table: string, options: OpenOptions = {}): RawStream {
    const metadata = callMetadata(this.emulator, table, options);
    const call = this.client.makeBidiStreamRequest<Uint8Array | StreamRequest, StreamResponse>(
      EPHEMERAL_STREAM_PATH,
      // Uint8Array requests go out as-is: lets tests send bytes that are not a valid request.
      (request) => asBuffer(request instanceof Uint8Array ? request : encodeRequest(request)),
      (bytes: Buffer) => decodeResponse(bytes),
      metadata,
    );
    return new RawStream(call);
  }

  close(): void {
    this.client.close();
  }
}

/** Fetches a token from the emulator's OAuth endpoint the way PROTOCOL.md §4 describes. */
export async function fetchToken(
  emulator: Emulator,
  table: string,
  options: { clientId?: string; clientSecret?: string; grantType?: string; authorizationDetails?: string } = {},
): Promise<Response> {
  const [catalog, schema] = table.split('.');
  const details =
    options.authorizationDetails ??
    JSON.stringify([
      {
        type: 'unity_catalog_privileges',
        privileges: ['USE CATALOG'],
        object_type: 'CATALOG',
        object_full_path: catalog,
      },
      {
        type: 'unity_catalog_privileges',
        privileges: ['USE SCHEMA'],
        object_type: 'SCHEMA',
        object_full_path: `${catalog}.${schema}`,
      },
      {
        type: 'unity_catalog_privileges',
        privileges: ['SELECT', 'MODIFY'],
        object_type: 'TABLE',
        object_full_path: table,
      },
    ]);
  const id = options.clientId ?? 'emulator-client';
  const secret = options.clientSecret ?? 'emulator-secret';
  return fetch(`${emulator.unityCatalogEndpoint}/oidc/v1/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({
      grant_type: options.grantType ?? 'client_credentials',
      scope: 'all-apis',
      resource: 'api://databricks/workspaces/1234567890123456/zerobusDirectWriteApi',
      authorization_details: details,
    }),
  });
}

/**
 * Starts an emulator and a raw client, both closed when the test ends. Protocol tests write to
 * any table name, so schemaless tables are auto-created unless `options` says otherwise.
 */
export async function setup(
  t: { after(fn: () => unknown): void },
  options?: Parameters<typeof startEmulator>[0],
): Promise<{ emulator: Emulator; client: RawClient }> {
  const emulator = await startEmulator({ autoCreateTables: true, ...options });
  const client = new RawClient(emulator);
  t.after(async () => {
    client.close();
    await emulator.close();
  });
  return { emulator, client };
}

/** A minimal serialized DescriptorProto: `message Row {}`. */
export const ROW_DESCRIPTOR = new Uint8Array([0x0a, 0x03, 0x52, 0x6f, 0x77]);
