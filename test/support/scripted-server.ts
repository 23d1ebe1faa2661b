/**
 * A scripted `EphemeralStream` server on loopback, for what the local server never sends (a
 * second create_stream_response, an empty message, a create response without a stream id): a
 * real grpc-js server whose every call runs the test's script, which sees each decoded request
 * and writes raw response bytes — anything at all, through the real HTTP/2 transport.
 */
import * as grpc from '@grpc/grpc-js';
import { decodeRequest, EPHEMERAL_STREAM_PATH, encodeResponse, type StreamRequest } from '@zerobus/sdk/wire';

/** One incoming call, as the script sees it. */
export interface ScriptedCall {
  /** 0 for the first call the server received, 1 for the next, ... */
  readonly index: number;
  /** The call's request metadata, one value per header. */
  readonly headers: Record<string, string>;
  /** Writes one response message as it is (an empty array is an empty message). */
  send(bytes: Uint8Array): void;
}

export type Script = (call: ScriptedCall, request: StreamRequest) => void;

export interface ScriptedServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** How many calls were opened so far. */
  readonly calls: number;
  close(): Promise<void>;
}

/** Response bytes a script sends. */
export const respond = {
  created: (streamId: string) => encodeResponse({ kind: 'createStreamResponse', streamId }),
  ack: (offset: number) => encodeResponse({ kind: 'ack', ackUpToOffset: offset }),
  empty: () => new Uint8Array(0),
};

/** Starts a server whose every call hands each request to `script`. */
export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const server = new grpc.Server();
  let calls = 0;
  const definition: grpc.ServiceDefinition = {
    EphemeralStream: {
      path: EPHEMERAL_STREAM_PATH,
      requestStream: true,
      responseStream: true,
      requestSerialize: (bytes: Uint8Array) => Buffer.from(bytes),
      requestDeserialize: (bytes: Buffer) => decodeRequest(bytes),
      responseSerialize: (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      responseDeserialize: (bytes: Buffer) => bytes,
    },
  };
  server.addService(definition, {
    EphemeralStream: (call: grpc.ServerDuplexStream<StreamRequest, Uint8Array>) => {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(call.metadata.getMap())) headers[key] = String(value);
      const scripted: ScriptedCall = {
        index: calls++,
        headers,
        send: (bytes) => call.write(bytes),
      };
      call.sendMetadata(new grpc.Metadata());
      call.on('data', (request: StreamRequest) => script(scripted, request));
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const close = () => new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get calls() {
      return calls;
    },
    close,
    [Symbol.asyncDispose]: () => {
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}
