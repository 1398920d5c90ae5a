"""Hostile JSON for fuzzing what agentbar reads: text that is not text, numbers JSON or Python
cannot hold, nesting past any parser, huge strings, and `Raw` JSON text `json.dumps` will not
write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class Raw:
    """JSON text put into a frame as it is: what `json.dumps` will not write (1e309, NaN,
    30000 nested brackets)."""

    text: str


def encode(value: Any) -> str:
    """A frame's text; strings are written ASCII-escaped, so a lone surrogate goes on the wire
    as `\\ud800` (valid UTF-8, not valid text once decoded)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(item) for item in value) + "]"
    return json.dumps(value)


ODD_TEXT = [
    "\x00",
    "\ud800",
    "\udfff",
    "a\udc00b",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\uffff",
    "\U0010ffff",
    "e\u0301",
    "\n\r\t",
    "\x1b[31m",
    "%s%n{0}",
    "'; DROP TABLE agents; --",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "😀",
    "",
    " ",
]
odd_text = st.lists(st.sampled_from(ODD_TEXT) | st.text(max_size=8), max_size=4).map("".join)
huge_text = st.sampled_from(["x", "é", "€", "😀"]).flatmap(
    lambda char: st.integers(4097, 58000 // len(char.encode())).map(lambda n: char * n)
)
odd_numbers = (
    st.sampled_from(
        [
            Raw("1e309"),
            Raw("-1e309"),
            Raw("NaN"),
            Raw("Infinity"),
            Raw("-Infinity"),
            Raw("9" * 5000),
            Raw("-0"),
            Raw("-0.0"),
            Raw("1E400"),
            Raw("0e-99999"),
            2**63 - 1,
            2**63,
            -(2**63),
            -(2**63) - 1,
            10**30,
            1.5,
            5e-324,
        ]
    )
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
)
deep = st.integers(17, 300).map(lambda depth: Raw("[" * depth + "]" * depth)) | st.sampled_from(
    [Raw("[" * 30000 + "]" * 30000), Raw('{"a":' * 10000 + "1" + "}" * 10000)]
)
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
hostile_values = st.one_of(odd_text, huge_text, odd_numbers, deep, junk)
hostile_ids = st.one_of(
    st.just(Raw("null")),
    st.booleans(),
    odd_numbers,
    odd_text,
    deep,
    st.lists(st.integers(), max_size=2),
)
