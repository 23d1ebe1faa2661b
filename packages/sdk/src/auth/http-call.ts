/**
 * One HTTP(S) request to the workspace (token endpoint, Unity Catalog REST), with a bound on its
 * time, an AbortSignal, and extra trusted CAs. `node:http(s)` rather than `fetch`: Node's fetch
 * cannot take extra CA certificates without undici's own Agent (another dependency).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type SdkErrorCode, ZerobusError } from '../errors.js';

export interface HttpCall {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: string | undefined;
  /** Extra trusted CA certificates (PEM). */
  readonly ca?: string | Buffer | undefined;
  /** Bound on the whole request. Default 30,000 ms. */
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** What is being called, for error messages: `token endpoint`, `Unity Catalog`. */
  readonly what: string;
  /** The (retriable) error code when the server cannot be reached. */
  readonly unreachableCode: SdkErrorCode;
}

export function httpCall(call: HttpCall): Promise<{ status: number; text: string }> {
  const { url, signal, body } = call;
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  const timeoutMs = call.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const fail = (cause: unknown) =>
      reject(
        signal?.aborted
          ? new ZerobusError('ABORTED', `${call.what} request aborted`, { cause: signal.reason })
          : new ZerobusError(
              call.unreachableCode,
              `${call.what} ${url.origin} could not be reached: ${message(cause)}`,
              {
                cause,
              },
            ),
      );
    const req = request(
      url,
      {
        method: call.method,
        headers: {
          ...call.headers,
          ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }),
          accept: 'application/json',
        },
        ...(call.ca ? { ca: call.ca } : {}),
        signal,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end(body);
  });
}

function message(cause: unknown): string {
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return String(cause);
}
