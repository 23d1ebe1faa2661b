/**
 * Class identity that survives duplicate copies of the SDK in one process: the ESM and CommonJS
 * builds (a CommonJS module made by `zerobus generate-proto --lang ts` next to an ESM app, or the
 * other way round), `@zerobus/sdk` and `@zerobus/sdk/schema` in the CommonJS build (separate
 * bundles), two installed versions. Each branded class carries a `Symbol.for` key on its
 * prototype (shared by every copy through the global symbol registry), and its
 * `static [Symbol.hasInstance]` accepts either a real instance (the fast prototype check) or a
 * branded object from another copy (undici's errors, connect-es `ConnectError`).
 *
 * Code that accepts another copy's object must read it through its public fields only: private
 * (`#`) members and module-local WeakMaps belong to the copy that made it.
 */

/** Any class constructor, whatever its parameters. */
type AnyClass = Function;

const brands = new WeakMap<AnyClass, symbol>();
const nativeHasInstance = Function.prototype[Symbol.hasInstance];

/**
 * Marks `cls` (call it from the class's `static {}` block) as `@zerobus/sdk.<name>`: a
 * non-enumerable `true` under `Symbol.for('@zerobus/sdk.<name>')` on its prototype, so that
 * instances of subclasses carry the brands of their ancestors too.
 */
export function brandClass(cls: AnyClass, name: string): void {
  const key = Symbol.for(`@zerobus/sdk.${name}`);
  brands.set(cls, key);
  Object.defineProperty(cls.prototype, key, { value: true, enumerable: false, writable: false });
}

/**
 * `value instanceof cls`, across copies: the prototype chain first, then the brand of `cls`. A
 * user's own subclass of a branded class has no brand: its instances come from its constructor,
 * which the prototype check answers, and another copy's objects are never instances of it.
 */
export function isBrandedInstance(cls: AnyClass, value: unknown): boolean {
  if (nativeHasInstance.call(cls, value)) return true;
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const key = brands.get(cls);
  return key !== undefined && (value as Record<symbol, unknown>)[key] === true;
}
