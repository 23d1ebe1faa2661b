/**
 * Where a call's metadata comes from. A provider is asked again on every connect and every
 * recovery attempt, so a token never goes stale across reconnects (the official TypeScript SDK
 * asks once: PROTOCOL.md §10).
 */
export type Headers = Record<string, string>;

export interface HeadersProvider {
  /** Returns the headers for a new call: at least `authorization` and `x-databricks-zerobus-table-name`. */
  getHeaders(signal?: AbortSignal): Headers | Promise<Headers>;
}

export const AUTHORIZATION_HEADER = 'authorization';
export const TABLE_NAME_HEADER = 'x-databricks-zerobus-table-name';
export const SDK_HEADER = 'x-zerobus-sdk';
