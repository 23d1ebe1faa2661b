/**
 * The escape scan of json-escape.ts in WebAssembly SIMD: 32 bytes per step (two 16-byte
 * compares against quote, backslash and < 0x20), where the JavaScript word scan does 4.
 *
 * Two ways in:
 * - `scanMemory()`: a writer (proto-writer.ts) whose buffer *is* the module's memory, so a string
 *   the JSON serializer just wrote is scanned in place, with no copy. The shared JSON writer
 *   lives there: on the bench's 731-character strings the scan fell from ~0.31 µs (JavaScript
 *   words) to ~0.03 µs (`npx tsx bench/json-cost.ts`).
 * - `simdHasJsonEscapeByte()`: bytes anywhere else are copied into a scratch instance's memory,
 *   64 KiB at a time; below ~1 KB the call and the copy cost more than they save, so
 *   json-escape.ts keeps its word scan there.
 *
 * The module (331 bytes) was assembled from this text with wabt's wat2wasm (`--enable-simd`);
 * json-escape.test.ts checks it against a byte-by-byte scan.
 *
 * (module
 *   (memory (export "memory") 1)
 *   (func (export "scan") (param $start i32) (param $end i32) (result i32)
 *     (local $i i32) (local $v v128) (local $end32 i32) (local $b i32)
 *     (local.set $i (local.get $start))
 *     (local.set $end32
 *       (i32.add (local.get $start)
 *         (i32.and (i32.sub (local.get $end) (local.get $start)) (i32.const -32))))
 *     (block $done
 *       (loop $loop
 *         (br_if $done (i32.ge_u (local.get $i) (local.get $end32)))
 *         (local.set $v (v128.load (local.get $i)))
 *         (local.set $v
 *           (v128.or
 *             (v128.or
 *               (i8x16.eq (local.get $v) (v128.const i8x16 0x22 … (16 times)))
 *               (i8x16.eq (local.get $v) (v128.const i8x16 0x5c … (16 times))))
 *             (v128.or
 *               (i8x16.lt_u (local.get $v) (v128.const i8x16 0x20 … (16 times)))
 *               (i8x16.eq (v128.load offset=16 (local.get $i)) (v128.const i8x16 0x22 … (16 times))))))
 *         (local.set $v
 *           (v128.or (local.get $v)
 *             (v128.or
 *               (i8x16.eq (v128.load offset=16 (local.get $i)) (v128.const i8x16 0x5c … (16 times)))
 *               (i8x16.lt_u (v128.load offset=16 (local.get $i)) (v128.const i8x16 0x20 … (16 times))))))
 *         (if (v128.any_true (local.get $v)) (then (return (i32.const 1))))
 *         (local.set $i (i32.add (local.get $i) (i32.const 32)))
 *         (br $loop)))
 *     (block $done2
 *       (loop $tail
 *         (br_if $done2 (i32.ge_u (local.get $i) (local.get $end)))
 *         (local.set $b (i32.load8_u (local.get $i)))
 *         (if (i32.or (i32.lt_u (local.get $b) (i32.const 0x20))
 *                     (i32.or (i32.eq (local.get $b) (i32.const 0x22)) (i32.eq (local.get $b) (i32.const 0x5c))))
 *           (then (return (i32.const 1))))
 *         (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *         (br $tail)))
 *     (i32.const 0)))
 */

import type { WriterMemory } from './proto-writer.js';

const MODULE_BASE64 =
  'AGFzbQEAAAABBwFgAn9/AX8DAgEABQMBAAEHEQIGbWVtb3J5AgAEc2NhbgAACpsCAZgCAwF/AXsCfyAAIQIgACABIABrQWBx' +
  'aiEEAkADQCACIARPDQEgAv0ABAAhAyAD/QwiIiIiIiIiIiIiIiIiIiIi/SMgA/0MXFxcXFxcXFxcXFxcXFxcXP0j/VAgA/0M' +
  'ICAgICAgICAgICAgICAgIP0mIAL9AAQQ/QwiIiIiIiIiIiIiIiIiIiIi/SP9UP1QIQMgAyAC/QAEEP0MXFxcXFxcXFxcXFxc' +
  'XFxcXP0jIAL9AAQQ/QwgICAgICAgICAgICAgICAg/Sb9UP1QIQMgA/1TBEBBAQ8LIAJBIGohAgwACwsCQANAIAIgAU8NASAC' +
  'LQAAIQUgBUEgSSAFQSJGIAVB3ABGcnIEQEEBDwsgAkEBaiECDAALC0EACw==';

const PAGE = 65536;

/** The part of the WebAssembly API used here (the SDK's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

interface ScanInstance {
  readonly memory: WasmMemory;
  /** 1 when bytes [start, end) of the memory hold a byte JSON must escape, else 0. */
  readonly scan: (start: number, end: number) => number;
}

let compiled: object | null | undefined;

/** A fresh instance (its own memory), or null where WebAssembly or its SIMD is unavailable (e.g. `--jitless`). */
function instantiate(): ScanInstance | null {
  try {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    if (compiled === undefined) compiled = new wasm.Module(Buffer.from(MODULE_BASE64, 'base64'));
    if (compiled === null) return null;
    const exports = new wasm.Instance(compiled, {}).exports as unknown as ScanInstance;
    return { memory: exports.memory, scan: exports.scan };
  } catch {
    compiled = null;
    return null;
  }
}

/**
 * Memory for a writer that the scan reads in place (see proto-writer.ts's WriterMemory), or
 * undefined where WebAssembly SIMD is unavailable. WebAssembly memory only grows: drop the
 * writer (and so this memory) after an unusually large record.
 */
export function scanMemory(): WriterMemory | undefined {
  const instance = instantiate();
  if (instance === null) return undefined;
  const { memory, scan } = instance;
  let view = Buffer.from(memory.buffer);
  return {
    reserve(bytes: number): Buffer {
      if (bytes > view.length) {
        memory.grow(Math.ceil((bytes - view.length) / PAGE));
        view = Buffer.from(memory.buffer); // growing detached the previous ArrayBuffer
      }
      return view;
    },
    hasEscapeByte: (start, end) => scan(start, end) !== 0,
  };
}

let scratch: ScanInstance | null | undefined;

/**
 * True when `bytes[start, end)` holds a byte JSON must escape; undefined when the SIMD module
 * cannot run here (the caller then scans in JavaScript).
 */
export function simdHasJsonEscapeByte(bytes: Uint8Array, start: number, end: number): boolean | undefined {
  if (scratch === undefined) scratch = instantiate();
  if (scratch === null) return undefined;
  const { memory, scan } = scratch;
  const area = new Uint8Array(memory.buffer, 0, PAGE);
  for (let from = start; from < end; from += PAGE) {
    const to = Math.min(end, from + PAGE);
    area.set(bytes.subarray(from, to));
    if (scan(0, to - from) !== 0) return true;
  }
  return false;
}
