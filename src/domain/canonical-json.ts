// RFC 8785 JSON Canonicalization Scheme (JCS).
// Numbers use ECMAScript's Number-to-String (which RFC 8785 adopts), strings JSON.stringify's
// escaping (also adopted), and object members are sorted by their UTF-16 code units.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function compareUtf16(a: string, b: string): number {
  // JS string comparison is by UTF-16 code units, exactly what RFC 8785 section 3.2.3 asks for.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Refused input; `path` is filled in on the way out, so that a valid value builds no paths. */
class Unrepresentable extends TypeError {
  readonly path: (string | number)[] = [];
}

function serialize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Unrepresentable(`${value} is not a finite number`);
      return JSON.stringify(value);
    case 'string':
      // I-JSON (RFC 7493) forbids lone surrogates; RFC 8785 requires I-JSON input.
      if (!value.isWellFormed()) throw new Unrepresentable('string contains a lone surrogate');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + within(i, value[i]);
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareUtf16);
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (!k.isWellFormed()) throw new Unrepresentable('string contains a lone surrogate');
        out += `${i ? ',' : ''}${JSON.stringify(k)}:${within(k, obj[k])}`;
      }
      return `${out}}`;
    }
    default:
      throw new Unrepresentable(`${typeof value} cannot be represented in JSON`);
  }
}

/** serialize(value), naming `key` in the path of what it refuses. */
function within(key: string | number, value: unknown): string {
  try {
    return serialize(value);
  } catch (e) {
    if (e instanceof Unrepresentable) e.path.unshift(key);
    throw e;
  }
}

/** The canonical JSON text of `value`; throws naming the path of a value JSON cannot carry. */
export function canonicalize(value: unknown): string {
  try {
    return serialize(value);
  } catch (e) {
    if (!(e instanceof Unrepresentable)) throw e;
    const where = e.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
    throw new TypeError(`$${where}: ${e.message}`);
  }
}
