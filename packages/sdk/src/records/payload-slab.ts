/**
 * Where encoded records live until they are acknowledged: copies carved out of 1 MiB slabs,
 * which go back to a small free list once every record carved from them is released.
 *
 * `Buffer.allocUnsafe` pools only copies under 4 KiB; every larger record got an ArrayBuffer of
 * its own, and with 10 KB JSON records that allocation was 14% of the client's CPU, with much of
 * the GC time on top. Sharing 1 MiB slabs took most of that; a fresh slab every ~100 records
 * still cost first-touch page faults and the external-memory GCs it triggers, so slabs are
 * reused: each counts the records carved from it that are still live, and at zero it is free.
 *
 * The safety contract (see releasePayload): a payload is released exactly once, by the stream
 * that encoded it, when nothing can read it any more — its request acknowledged and dropped
 * from the queue. A payload that is never released (a failed stream's, one moved to another
 * stream by recreateStream, one encoded and then not queued) keeps its slab out of reuse for
 * good: the slab is left to the GC, as every slab was before. And no view of a slab is ever
 * handed to user code (detachPayload), so none can come back in as a record of its own.
 */

const SLAB_BYTES = 1 << 20;
/** Larger records get an exact buffer of their own rather than wasting the end of a slab. */
const OWN_BUFFER_BYTES = SLAB_BYTES >> 3;
/**
 * Free slabs kept for reuse while records are being ingested; more are left to the GC. A burst of
 * acknowledgements can free a whole in-flight window (64 MiB by default) at once, and every slab
 * not kept is a fresh 1 MiB the next records page-fault into: with 16 kept, JSON 750 B and 10 KB
 * fire-and-forget moved 1.2× less (bench/README.md, "Pooled payload slabs").
 */
export const MAX_FREE_SLABS = 64;
/** Free slabs kept once ingestion pauses: the others go to the GC after IDLE_TRIM_MS without a slab taken. */
export const IDLE_FREE_SLABS = 4;
export const IDLE_TRIM_MS = 2_000;

interface Slab {
  readonly bytes: Buffer;
  /** Records carved from the slab and not yet released. */
  live: number;
}

/** The slab of each slab's ArrayBuffer; weak, so that a slab no one holds is collected. */
const slabs = new WeakMap<ArrayBufferLike, Slab>();
const free: Slab[] = [];
let allocated = 0;
/** Whether a free slab was taken since the idle trim last looked. */
let takenSinceTrim = false;
let trimTimer: ReturnType<typeof setTimeout> | undefined;
let reused = 0;
let current = newSlab();
/** Bytes of `current` carved out so far (8-byte aligned). */
let used = 0;
/** The last slab a release found: releases come in runs from one slab (acks go in order). */
let lastBuffer: ArrayBufferLike | undefined;
let lastSlab: Slab | undefined;

function newSlab(): Slab {
  allocated++;
  const slab: Slab = { bytes: Buffer.allocUnsafeSlow(SLAB_BYTES), live: 0 };
  slabs.set(slab.bytes.buffer, slab);
  return slab;
}

function slabOf(payload: Uint8Array): Slab | undefined {
  const buffer = payload.buffer;
  if (buffer === lastBuffer) return lastSlab;
  const slab = slabs.get(buffer);
  if (slab !== undefined) {
    lastBuffer = buffer;
    lastSlab = slab;
  }
  return slab;
}

/**
 * Where an encoder leaves one record's bytes without a view object of their own: a record held
 * for acknowledgement (engine/request-queue.ts's PendingRequest is a slot) keeps its slab and
 * its range instead, and a view is made only when the bytes are read (`slotPayload`). With a
 * window of 50,000 records waiting, every object a record holds outlives V8's young generation.
 */
export interface PayloadSlot {
  /** The record's bytes themselves when `start` is -1; else the slab holding them at [start, start + bytes). */
  payload: Uint8Array | readonly Uint8Array[];
  start: number;
  bytes: number;
}

/** The bytes a slot holds (a view of its slab: read it, do not keep it past the release). */
export function slotPayload(slot: PayloadSlot): Uint8Array {
  const payload = slot.payload as Uint8Array;
  return slot.start < 0 ? payload : new Uint8Array(payload.buffer, payload.byteOffset + slot.start, slot.bytes);
}

/** Puts `payload` (bytes of its own) in `slot`. */
export function fillSlot(slot: PayloadSlot, payload: Uint8Array): void {
  slot.payload = payload;
  slot.start = -1;
  slot.bytes = payload.length;
}

/**
 * The bytes `slot` holds, handed out once: the slot lets go of them (a slot an encoder reuses
 * for every record must not keep the last one, perhaps the user's own bytes, alive).
 */
export function takeSlotPayload(slot: PayloadSlot): Uint8Array {
  const payload = slotPayload(slot);
  slot.payload = NO_BYTES;
  slot.start = -1;
  slot.bytes = 0;
  return payload;
}

/** The payload of a slot not filled yet. */
export const NO_BYTES = new Uint8Array(0);

/** A reusable slot (see takeSlotPayload). */
export function emptySlot(): PayloadSlot {
  return { payload: NO_BYTES, start: -1, bytes: 0 };
}

const copySlot = emptySlot();

/** A copy of `source[0, length)` that stays valid until it is released (releasePayload). */
export function copyToSlab(source: Uint8Array, length: number): Uint8Array {
  copyIntoSlot(source, length, copySlot);
  return takeSlotPayload(copySlot);
}

/** copyToSlab, with the copy left in `slot` as its slab and range rather than a view. */
export function copyIntoSlot(source: Uint8Array, length: number, slot: PayloadSlot): void {
  if (length > OWN_BUFFER_BYTES) {
    fillSlot(slot, ownCopy(source, length));
    return;
  }
  const start = carve(length);
  const bytes = current.bytes;
  bytes.set(new Uint8Array(source.buffer, source.byteOffset, length), start);
  slot.payload = bytes;
  slot.start = start;
  slot.bytes = length;
}

function ownCopy(source: Uint8Array, length: number): Buffer {
  const own = Buffer.allocUnsafeSlow(length);
  own.set(source.subarray(0, length));
  return own;
}

/** Takes `length` bytes of the current slab (another one when it is full): returns their offset in it. */
function carve(length: number): number {
  if (used + length > SLAB_BYTES) {
    // `current` keeps live records (it would have been rewound at zero): it is freed later.
    const next = free.pop();
    takenSinceTrim = true;
    if (next === undefined) current = newSlab();
    else {
      reused++;
      current = next;
    }
    used = 0;
  }
  const start = used;
  current.live++;
  // 8-byte alignment, as Node's own pool keeps, so the copies and later reads stay word-aligned.
  used = (start + length + 7) & ~7;
  return start;
}

/**
 * Gives back a payload that nothing reads any more; its bytes may be overwritten from now on.
 * Call it once per payload that copyToSlab returned, and never for one that may still be read
 * (by a replay, a user, another stream). Anything else is ignored: payloads of their own
 * buffer, the user's own bytes.
 */
export function releasePayload(payload: Uint8Array): void {
  const slab = slabOf(payload);
  if (slab === undefined) return;
  if (--slab.live > 0) return;
  if (slab === current)
    used = 0; // the slab being filled is empty again: fill it from the start
  else if (free.length < MAX_FREE_SLABS) {
    free.push(slab);
    scheduleTrim();
  }
}

/** Trims the free list to IDLE_FREE_SLABS once no slab was taken for IDLE_TRIM_MS (never keeps a process alive). */
function scheduleTrim(): void {
  if (trimTimer !== undefined || free.length <= IDLE_FREE_SLABS) return;
  takenSinceTrim = false;
  trimTimer = setTimeout(trimIdle, IDLE_TRIM_MS);
  trimTimer.unref?.();
}

function trimIdle(): void {
  trimTimer = undefined;
  if (takenSinceTrim) {
    scheduleTrim();
    return;
  }
  free.length = Math.min(free.length, IDLE_FREE_SLABS);
}

/**
 * `payload` as user code may keep it: a copy when it is a view of a slab (which is reused once
 * its records are released), the payload itself otherwise (e.g. the user's own bytes).
 */
export function detachPayload(payload: Uint8Array): Uint8Array {
  return slabOf(payload) === undefined ? payload : Buffer.from(payload);
}

/** Counters for tests and benchmarks: slabs allocated, taken again from the free list, free now. */
export function slabCounters(): { allocated: number; reused: number; free: number } {
  return { allocated, reused, free: free.length };
}
