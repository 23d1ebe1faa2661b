/**
 * Where a call's metadata comes from. A provider is asked again on every connect and every
 * recovery attempt, so a token never goes stale across reconnects (the official TypeScript SDK
 * asks once: PROTOCOL.md §10).
 */
/**
 * A call's request metadata: header name → value. The SDK lower-cases the names a provider
 * returns.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import type { Headers } from '@zerobus/sdk';
 *
 * // A token that another process keeps fresh in a file, read again on every connect.
 * async function getHeaders(): Promise<Headers> {
 *   const token = (await readFile('/var/run/secrets/databricks/token', 'utf8')).trim();
 *   return { authorization: `Bearer ${token}`, 'x-databricks-zerobus-table-name': 'main.iot.readings' };
 * }
 * const stream = await sdk.createStream({
 *   table: 'main.iot.readings',
 *   headersProvider: { getHeaders },
 *   options: { recordType: 'json' },
 * });
 * ```
 */
export type Headers = Record<string, string>;

/**
 * Supplies the headers of every gRPC call in place of the SDK's OAuth flow (`headersProvider` of
 * `createStream` and `createArrowStream`): asked again on every connect and every recovery
 * attempt, so it can hand out a fresh token each time.
 *
 * @example
 * ```ts
 * import type { HeadersProvider } from '@zerobus/sdk';
 *
 * // Tokens from the company's token service; `signal` ends the request when the connection
 * // attempt is abandoned (past recoveryTimeoutMs, or createStream's own signal fired).
 * const headersProvider: HeadersProvider = {
 *   async getHeaders(signal) {
 *     const response = await fetch('https://tokens.internal.example/databricks/zerobus', { signal });
 *     if (!response.ok) throw new Error(`token service answered ${response.status}`); // retried as in recovery
 *     const { access_token } = (await response.json()) as { access_token: string };
 *     return { authorization: `Bearer ${access_token}`, 'x-databricks-zerobus-table-name': 'main.iot.readings' };
 *   },
 * };
 * const stream = await sdk.createStream({ table: 'main.iot.readings', headersProvider, options: { recordType: 'json' } });
 * ```
 */
export interface HeadersProvider {
  /**
   * Returns the headers for a new call: at least `authorization` (without it, creating or
   * recovering the stream fails with an `INVALID_OPTIONS` error naming it, before any call). The
   * SDK sets `x-databricks-zerobus-table-name` to the stream's own table (warning once if the
   * provider named another) and `x-zerobus-sdk` to its own identity, whatever is returned.
   */
  getHeaders(signal?: AbortSignal): Headers | Promise<Headers>;
}

export const AUTHORIZATION_HEADER = 'authorization';
export const TABLE_NAME_HEADER = 'x-databricks-zerobus-table-name';
export const SDK_HEADER = 'x-zerobus-sdk';
