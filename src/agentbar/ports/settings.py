"""Server settings an administrator changes while the server runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class SettingsStore(Protocol):
    def allowed_origins(self) -> list[str]:
        """The stored CRM origin allow-list, in the order given."""
        ...

    def replace_allowed_origins(self, origins: Sequence[str]) -> None: ...

    def setting(self, name: str) -> Any:
        """A stored setting's JSON value, or None when it is not stored."""
        ...

    def put_setting(self, name: str, value: Any) -> None:
        """Store a setting (any JSON value); None removes it."""
        ...
