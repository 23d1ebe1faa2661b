/**
 * Strict base64 for BINARY values in JSON records. Node's decoder skips characters it does not
 * know, so `"hello world!"` would quietly become bytes; the text is checked first. Both the
 * standard and the URL-safe alphabet are accepted (the protobuf JSON mapping accepts both),
 * padding is optional, but a length that no encoder produces (4n+1 characters) is not.
 */

const BASE64_TEXT = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

/** The bytes of base64 `text` (a fresh Uint8Array, not a pooled Buffer), or undefined when it is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64_TEXT.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}
