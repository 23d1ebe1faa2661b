/**
 * The SDK's version. Every stream call carries it in the `x-zerobus-sdk` header, as
 * `zerobus-sdk-ts/<version>` (PROTOCOL.md §3), unless a headers provider sets that header itself.
 * Kept in step with package.json by a test.
 *
 * @example
 * ```ts
 * import { SDK_VERSION } from '@zerobus/sdk';
 *
 * console.info(`ingest-service starting with @zerobus/sdk ${SDK_VERSION} on Node ${process.versions.node}`);
 * ```
 */
export const SDK_VERSION = '0.1.0';
export const SDK_USER_AGENT = `zerobus-sdk-ts/${SDK_VERSION}`;
