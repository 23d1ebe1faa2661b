/** Sent as `x-zerobus-sdk` on every call (PROTOCOL.md §3). Kept in step with package.json by a test. */
export const SDK_VERSION = '0.1.0';
export const SDK_USER_AGENT = `zerobus-sdk-ts/${SDK_VERSION}`;
