/**
 * A struct value as the rest of the server holds it: a plain object keyed by field name, every
 * field present, in schema order. A field named `__proto__` is defined, not assigned, so it
 * becomes an own property instead of replacing the object's prototype.
 */

export function structObject(names: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (name === '__proto__') {
      Object.defineProperty(out, name, { value: values[i], enumerable: true, writable: true, configurable: true });
    } else {
      out[name] = values[i];
    }
  }
  return out;
}
