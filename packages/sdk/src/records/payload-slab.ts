/**
 * Where encoded records live until they are acknowledged: copies carved out of 1 MiB slabs.
 *
 * `Buffer.allocUnsafe` pools only copies under 4 KiB; every larger record got an ArrayBuffer of
 * its own, and with 10 KB JSON records that allocation was 14% of the client's CPU, with much of
 * the GC time on top. A slab is shared by the records copied into it and freed by the GC once the
 * last of them is gone; records are acknowledged (and dropped) in order, so slabs go in order
 * too, and at most one partly used slab is pinned beyond the records that are still queued.
 */

const SLAB_BYTES = 1 << 20;
/** Larger records get an exact buffer of their own rather than wasting the end of a slab. */
const OWN_BUFFER_BYTES = SLAB_BYTES >> 3;

let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let used = 0;

/** A copy of `source[0, length)` that stays valid until it is dropped. */
export function copyToSlab(source: Uint8Array, length: number): Buffer {
  if (length > OWN_BUFFER_BYTES) {
    const own = Buffer.allocUnsafeSlow(length);
    own.set(source.subarray(0, length));
    return own;
  }
  if (used + length > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    used = 0;
  }
  const start = used;
  slab.set(source.subarray(0, length), start);
  // 8-byte alignment, as Node's own pool keeps, so the copies and later reads stay word-aligned.
  used = (start + length + 7) & ~7;
  return slab.subarray(start, start + length);
}
