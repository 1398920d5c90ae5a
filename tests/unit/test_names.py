"""The one rule for readable names refuses every control and format character of the Basic
Multilingual Plane (as Unicode's table here classes them), in both regex engines that apply
it — pydantic's, which checks the API's input, and Python's, as a client reading the published
schema might — and keeps everything else a name may hold."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import Field, TypeAdapter, ValidationError

from agentbar.services.configuration import READABLE

HIDDEN = [chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) in ("Cc", "Cf")]
NAMES = TypeAdapter(Annotated[str, Field(pattern=READABLE)])


def accepted(name: str) -> bool:
    try:
        NAMES.validate_python(name)
    except ValidationError:
        return False
    return True


def test_every_control_and_format_character_is_refused_by_both_engines() -> None:
    assert len(HIDDEN) > 100
    assert [hex(ord(c)) for c in HIDDEN if accepted(f"a{c}b")] == []
    assert [hex(ord(c)) for c in HIDDEN if re.match(READABLE, f"a{c}b")] == []


def test_names_people_write_are_kept() -> None:
    written = ("Support", "Café Lunch", "Ventes \u2013 Île-de-France", "営業", "دعم", "Q&A #2")
    for name in written:
        assert accepted(name), name
        assert re.match(READABLE, name), name
