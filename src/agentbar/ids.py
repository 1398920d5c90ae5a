"""Identifiers: random, URL-safe, prefixed by what they name so logs read well."""

from __future__ import annotations

import secrets


def new_id(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(8)}"
