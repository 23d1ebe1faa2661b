/**
 * Finds the bytes a JSON string literal must escape — `"` (0x22), `\` (0x5c) and controls
 * (< 0x20) — in UTF-8 already written to a buffer. Multi-byte UTF-8 sequences only hold bytes
 * >= 0x80, so none of them can match.
 *
 * Why not a RegExp on the string: at 10 KB a `/["\\\u0000-\u001f]/` test took ~14 µs per string
 * (26% of the client's CPU when ingesting 10 KB JSON records); this word-at-a-time scan takes
 * ~4 µs, and the UTF-8 write it works on is needed anyway.
 */

import { simdHasJsonEscapeByte } from './json-escape-simd.js';

/** From this length on, the WebAssembly SIMD scan (json-escape-simd.ts) is the faster one. */
const SIMD_MIN_BYTES = 1024;

const ONES = 0x01010101;
const HIGHS = 0x80808080;
const QUOTES = 0x22222222;
const BACKSLASHES = 0x5c5c5c5c;
const SPACES = 0x20202020;

function isEscapeByte(c: number): boolean {
  return c < 0x20 || c === 0x22 || c === 0x5c;
}

/**
 * True when `bytes[start, end)` holds a byte JSON must escape. `words` views the same memory as
 * `bytes` from the same offset (word `k` is bytes `4k … 4k+3`).
 */
export function hasJsonEscapeByte(bytes: Uint8Array, words: Uint32Array, start: number, end: number): boolean {
  if (end - start >= SIMD_MIN_BYTES) {
    const found = simdHasJsonEscapeByte(bytes, start, end);
    if (found !== undefined) return found;
  }
  return wordScan(bytes, words, start, end);
}

/** The JavaScript scan, four bytes at a time. */
export function wordScan(bytes: Uint8Array, words: Uint32Array, start: number, end: number): boolean {
  let i = start;
  for (; i < end && (i & 3) !== 0; i++) if (isEscapeByte(bytes[i]!)) return true;
  const wordEnd = end >> 2;
  for (let k = i >> 2; k < wordEnd; k++) {
    const x = words[k]!;
    const q = x ^ QUOTES;
    const b = x ^ BACKSLASHES;
    // Per byte, the high bit of (v - 0x01) & ~v can only be set in a word that has a zero byte,
    // and is set in any such word (the classic exact "has a zero byte" test); (x - 0x20) & ~x
    // likewise for a byte below 0x20. Borrows may flag the wrong byte of a matching word, so on
    // a hit its bytes are checked one by one.
    if ((((q - ONES) & ~q) | ((b - ONES) & ~b) | ((x - SPACES) & ~x)) & HIGHS) {
      const base = k << 2;
      for (let j = base; j < base + 4; j++) if (isEscapeByte(bytes[j]!)) return true;
    }
  }
  for (i = Math.max(i, wordEnd << 2); i < end; i++) if (isEscapeByte(bytes[i]!)) return true;
  return false;
}
