/**
 * The escape scan of json-escape.ts for long strings, in WebAssembly SIMD: 32 bytes per step
 * (two 16-byte compares against quote, backslash and < 0x20), where the JavaScript word scan does 4.
 * On a 10 KB string that is ~1 µs instead of ~3.5-4 µs, copy into the module's memory included
 * (`npx tsx bench/json-cost.ts`); below ~1 KB the call and the copy cost more than they save,
 * so json-escape.ts keeps its word scan there.
 *
 * The module (320 bytes) was assembled from this text with wabt's wat2wasm (`--enable-simd`);
 * json-escape.test.ts checks it against a byte-by-byte scan. Its one page of memory is a
 * scratch area: ranges are copied in, 64 KiB at a time.
 *
 * (module
 *   (memory (export "memory") 1)
 *   (func (export "scan") (param $len i32) (result i32)
 *     (local $i i32) (local $v v128) (local $end i32) (local $b i32)
 *     (local.set $end (i32.and (local.get $len) (i32.const -32)))
 *     (block $done
 *       (loop $loop
 *         (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
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
 *         (br_if $done2 (i32.ge_u (local.get $i) (local.get $len)))
 *         (local.set $b (i32.load8_u (local.get $i)))
 *         (if (i32.or (i32.lt_u (local.get $b) (i32.const 0x20))
 *                     (i32.or (i32.eq (local.get $b) (i32.const 0x22)) (i32.eq (local.get $b) (i32.const 0x5c))))
 *           (then (return (i32.const 1))))
 *         (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *         (br $tail)))
 *     (i32.const 0)))
 */

const MODULE_BASE64 =
  'AGFzbQEAAAABBgFgAX8BfwMCAQAFAwEAAQcRAgZtZW1vcnkCAARzY2FuAAAKkQIBjgIDAX8BewJ/IABBYHEhAwJAA0AgASAD' +
  'Tw0BIAH9AAQAIQIgAv0MIiIiIiIiIiIiIiIiIiIiIv0jIAL9DFxcXFxcXFxcXFxcXFxcXFz9I/1QIAL9DCAgICAgICAgICAg' +
  'ICAgICD9JiAB/QAEEP0MIiIiIiIiIiIiIiIiIiIiIv0j/VD9UCECIAIgAf0ABBD9DFxcXFxcXFxcXFxcXFxcXFz9IyAB/QAE' +
  'EP0MICAgICAgICAgICAgICAgIP0m/VD9UCECIAL9UwRAQQEPCyABQSBqIQEMAAsLAkADQCABIABPDQEgAS0AACEEIARBIEkg' +
  'BEEiRiAEQdwARnJyBEBBAQ8LIAFBAWohAQwACwtBAAs=';

const PAGE = 65536;

/** The part of the WebAssembly API used here (the SDK's TypeScript libs do not declare it). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

interface SimdScan {
  readonly memory: Uint8Array;
  readonly scan: (length: number) => number;
}

let instance: SimdScan | null | undefined;

/** The instantiated module, or null where WebAssembly (or its SIMD) is unavailable (e.g. `--jitless`). */
function load(): SimdScan | null {
  try {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const module = new wasm.Module(Buffer.from(MODULE_BASE64, 'base64'));
    const exports = new wasm.Instance(module, {}).exports as {
      memory: { buffer: ArrayBuffer };
      scan: (length: number) => number;
    };
    return { memory: new Uint8Array(exports.memory.buffer), scan: exports.scan };
  } catch {
    return null;
  }
}

/**
 * True when `bytes[start, end)` holds a byte JSON must escape; undefined when the SIMD module
 * cannot run here (the caller then scans in JavaScript).
 */
export function simdHasJsonEscapeByte(bytes: Uint8Array, start: number, end: number): boolean | undefined {
  if (instance === undefined) instance = load();
  if (instance === null) return undefined;
  const { memory, scan } = instance;
  for (let from = start; from < end; from += PAGE) {
    const to = Math.min(end, from + PAGE);
    memory.set(bytes.subarray(from, to));
    if (scan(to - from) !== 0) return true;
  }
  return false;
}
