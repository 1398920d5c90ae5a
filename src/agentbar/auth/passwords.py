"""Password hashing with argon2id (OWASP's minimum: 19 MiB memory, 2 passes, 1 lane)."""

from __future__ import annotations

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    def __init__(self, memory_kib: int = 19 * 1024, time_cost: int = 2, parallelism: int = 1):
        self._hasher = PasswordHasher(
            memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism
        )
        # Verified against when the user is unknown, so both answers take the same time.
        self._decoy = self._hasher.hash("decoy password for unknown users")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._decoy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False


def is_argon2id_hash(text: str) -> bool:
    """Whether `text` is an encoded argon2id hash (as exported, to be imported again)."""
    try:
        return extract_parameters(text).type is Type.ID
    except (InvalidHashError, ValueError):
        return False
