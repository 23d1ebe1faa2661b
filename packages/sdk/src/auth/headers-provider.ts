/**
 * Where a call's metadata comes from. A provider is asked again on every connect and every
 * recovery attempt, so a token never goes stale across reconnects (the official TypeScript SDK
 * asks once: PROTOCOL.md §10).
 */
/** A call's request metadata: header name (lower case) → value. */
export type Headers = Record<string, string>;

/**
 * Supplies the headers of every gRPC call in place of the SDK's OAuth flow (`headersProvider` of
 * `createStream`): asked again on every connect and every recovery attempt, so it can hand out
 * a fresh token each time.
 *
 * @example
 * ```ts
 * const headersProvider: HeadersProvider = {
 *   async getHeaders() {
 *     return {
 *       authorization: `Bearer ${await myTokenSource()}`,
 *       'x-databricks-zerobus-table-name': 'main.iot.readings',
 *     };
 *   },
 * };
 * const stream = await sdk.createStream({
 *   table: 'main.iot.readings',
 *   headersProvider,
 *   options: { recordType: 'json' },
 * });
 * ```
 */
export interface HeadersProvider {
  /** Returns the headers for a new call: at least `authorization` and `x-databricks-zerobus-table-name`. */
  getHeaders(signal?: AbortSignal): Headers | Promise<Headers>;
}

export const AUTHORIZATION_HEADER = 'authorization';
export const TABLE_NAME_HEADER = 'x-databricks-zerobus-table-name';
export const SDK_HEADER = 'x-zerobus-sdk';
