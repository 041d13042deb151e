"""RFC 8785 JSON Canonicalization Scheme (JCS), written from the RFC, not from the server's code.

Object members sorted by their UTF-16 code units, no whitespace, strings escaped as ECMAScript's
JSON.stringify does, numbers in ECMAScript's Number-to-String form (RFC 8785 section 3.2.2.3).
"""
from __future__ import annotations

import math
from typing import Any, List

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(s: str, where: str) -> str:
    out: List[str] = ['"']
    for ch in s:
        cp = ord(ch)
        if 0xD800 <= cp <= 0xDFFF:
            # Python strings from json.loads keep lone surrogates; I-JSON (required by RFC 8785) forbids them.
            raise ValueError(f"{where}: string contains a lone surrogate")
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif cp < 0x20:
            out.append(f"\\u{cp:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _number(x: float, where: str) -> str:
    """ECMAScript Number::toString for a double: the shortest round-tripping digits, placed by exponent."""
    if not math.isfinite(x):
        raise ValueError(f"{where}: {x} is not a finite number")
    if x == 0:
        return "0"  # also -0
    sign = "-" if x < 0 else ""
    # repr() gives the shortest digit string that round-trips, the same digits ECMAScript picks.
    mantissa, _, exp_text = repr(abs(x)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    digits = (int_part + frac_part).lstrip("0")
    # n: the decimal exponent such that value = 0.d1d2... * 10^n
    n = len(int_part) + (int(exp_text) if exp_text else 0)
    if int_part == "0":
        n -= len(frac_part) - len(frac_part.lstrip("0")) + 1
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    exp = f"e{'+' if e > 0 else '-'}{abs(e)}"
    return sign + (digits if k == 1 else digits[0] + "." + digits[1:]) + exp


def _serialize(value: Any, where: str) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        # JSON numbers are IEEE doubles in JCS: a big integer prints as its double would.
        return str(value) if abs(value) < 2**53 else _number(float(value), where)
    if isinstance(value, float):
        return _number(value, where)
    if isinstance(value, str):
        return _string(value, where)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_serialize(v, f"{where}[{i}]") for i, v in enumerate(value)) + "]"
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise ValueError(f"{where}: object key {k!r} is not a string")
        # UTF-16BE bytes compare exactly as UTF-16 code units do (RFC 8785 section 3.2.3).
        keys = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(f"{_string(k, where)}:{_serialize(value[k], f'{where}.{k}')}" for k in keys) + "}"
    raise ValueError(f"{where}: {type(value).__name__} cannot be represented in JSON")


def canonicalize(value: Any) -> str:
    """The canonical JSON text of a parsed JSON value; raises ValueError naming the path of a bad value."""
    return _serialize(value, "$")
