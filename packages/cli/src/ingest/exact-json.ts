/**
 * JSON input that keeps numbers exact. `JSON.parse` turns every number into a double, which
 * silently changes a BIGINT beyond 2^53 or a DECIMAL with more than ~15 digits: the very values
 * the table types exist to keep. Lines with no long number (the usual case) take plain
 * `JSON.parse`; the others are parsed again with their long numbers marked, so that integers
 * become bigints and long fractions stay text ({@link RawNumber}) until the column type says
 * what they should be (coerce.ts).
 */

/** A number literal too long for a double to hold exactly, kept as its text. */
export class RawNumber {
  constructor(readonly text: string) {}
}

/** 16 or more digits (and points) in a row: only then can a number literal lose digits. */
const LONG_NUMBER = /\d[\d.]{15}/;
/** Strings (skipped as they are) and number literals. */
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
/** The key of the object a long number is replaced with: a NUL character cannot clash with real keys in practice. */
const MARK = '\u0000#';
const INTEGER = /^-?\d+$/;

export interface ParsedJson {
  readonly value: unknown;
  /** True when some number was long: the value may hold bigints and {@link RawNumber}s. */
  readonly exact: boolean;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const text = (value as Record<string, unknown>)[MARK];
  if (typeof text !== 'string') return value;
  if (INTEGER.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return new RawNumber(text);
}

/**
 * Whether the double a literal parses to says the same: a safe integer, or a fraction written as
 * JavaScript (and most JSON writers) print doubles. Those need no marking.
 */
function roundTrips(token: string): boolean {
  const n = Number(token);
  return INTEGER.test(token) ? Number.isSafeInteger(n) : String(n) === token;
}

/** Parses JSON text, keeping long numbers exact; throws `SyntaxError` as `JSON.parse` does. */
export function parseExactJson(text: string): ParsedJson {
  const value: unknown = JSON.parse(text);
  if (!LONG_NUMBER.test(text)) return { value, exact: false };
  let marked = false;
  const rewritten = text.replace(TOKENS, (token) => {
    if (token.charCodeAt(0) === 34 /* " */ || token.length < 16 || roundTrips(token)) return token;
    marked = true;
    return `{"\\u0000#":"${token}"}`;
  });
  return marked ? { value: JSON.parse(rewritten, reviver), exact: true } : { value, exact: false };
}
