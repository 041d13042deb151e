// RFC 8785 JSON Canonicalization Scheme (JCS).
// Numbers use ECMAScript's Number-to-String (which RFC 8785 adopts), strings JSON.stringify's
// escaping (also adopted), and object members are sorted by their UTF-16 code units.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function compareUtf16(a: string, b: string): number {
  // JS string comparison is by UTF-16 code units, exactly what RFC 8785 section 3.2.3 asks for.
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkString(s: string, where: string): void {
  // I-JSON (RFC 7493) forbids lone surrogates; RFC 8785 requires I-JSON input.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) {
    throw new TypeError(`${where}: string contains a lone surrogate`);
  }
}

function serialize(value: unknown, where: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${where}: ${value} is not a finite number`);
      return JSON.stringify(value);
    case 'string':
      checkString(value, where);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => serialize(v, `${where}[${i}]`)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareUtf16);
      return `{${keys.map((k) => {
        checkString(k, where);
        return `${JSON.stringify(k)}:${serialize(obj[k], `${where}.${k}`)}`;
      }).join(',')}}`;
    }
    default:
      throw new TypeError(`${where}: ${typeof value} cannot be represented in JSON`);
  }
}

/** The canonical JSON text of `value`; throws naming the path of a value JSON cannot carry. */
export function canonicalize(value: unknown): string {
  return serialize(value, '$');
}
