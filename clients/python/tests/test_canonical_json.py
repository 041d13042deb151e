"""RFC 8785 in Python: the RFC's own examples, and agreement with the server's TypeScript
canonicalizer on values with awkward numbers, strings and keys."""
from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from synthbus.canonical_json import canonicalize

from conftest import SERVER_DIR

# RFC 8785 appendix B: IEEE 754 doubles (given by their bits) and their canonical text.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize("bits,text", NUMBERS)
def test_numbers_follow_ecmascript(bits: str, text: str) -> None:
    import struct

    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert canonicalize(value) == text


def test_rfc_sorting_example() -> None:
    # RFC 8785 section 3.2.3: keys sorted by UTF-16 code units, not by code points.
    value = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
             "1": "One", "\U0001f600": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"}
    keys = list(json.loads(canonicalize(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_rfc_structure_example() -> None:
    value = json.loads('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
                       ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}')
    assert canonicalize(value) == (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )


def test_values_json_cannot_carry_are_refused() -> None:
    with pytest.raises(ValueError, match=r"\$\.a\[1\]"):
        canonicalize({"a": [1, float("nan")]})
    with pytest.raises(ValueError, match="lone surrogate"):
        canonicalize({"k": "\ud800"})


AWKWARD: Any = {
    "b": [0.1, 1e-7, 123456789012345680000, -0.0, 5e-324, 1.5, 100, 2**53, 0.30000000000000004],
    "a": {"\u00e9": "caf\u00e9 \u2028 \x7f \x1f \t", "z": None, "A": True, "": False},
    "\U0001f600": "\U0001f600",
    "\ufb33": [[], {}],
}


def test_agrees_with_the_servers_canonicalizer() -> None:
    # Found by name: the server's modules move between folders as it is refactored.
    [module] = (SERVER_DIR / "dist" / "src").glob("*/canonical-json.js")
    script = (
        "const { canonicalize } = require(process.argv[1]);"
        "let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => process.stdout.write(canonicalize(JSON.parse(s))));"
    )
    node = subprocess.run(
        ["node", "-e", script, str(module)],
        input=json.dumps(AWKWARD), capture_output=True, text=True, encoding="utf-8", timeout=60, check=True,
    )
    assert canonicalize(AWKWARD) == node.stdout
