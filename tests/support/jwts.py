"""Login tokens as a CRM's backend mints them (HS256 with a shared secret, or RS256)."""

from __future__ import annotations

import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SECRET = "a-shared-secret-of-at-least-32-bytes!"


def mint(
    sub: str | None, now: float, lifetime: float = 60, key: Any = SECRET, **claims: Any
) -> str:
    payload: dict[str, Any] = {
        "sub": sub,
        "iat": int(now),
        "exp": int(now + lifetime),
        "jti": uuid.uuid4().hex,
        **claims,
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    algorithm = "HS256" if isinstance(key, str) else "RS256"
    return jwt.encode(payload, key, algorithm=algorithm)


def rsa_key_pair() -> tuple[rsa.RSAPrivateKey, str]:
    """A private key and its public half in PEM, as AGENTBAR_TOKEN_PUBLIC_KEY takes it."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public_pem.decode()
