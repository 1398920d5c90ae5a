"""What the SIP driver is told at start: where it listens, the trunk, the digest realm and
passwords, how long a phone may ring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agentbar.drivers.telephony.sip.endpoint import Address
from agentbar.drivers.telephony.sip.registrar import Password


@dataclass(frozen=True)
class SipSettings:
    host: str
    port: int
    trunk: Address | None
    realm: str
    ring_timeout: float
    """Seconds a phone may ring before agentbar gives up on it (no answer)."""
    password_of: Callable[[str], str | None]
    """The digest password of an extension; None: it may not register."""
    browser_password_of: Callable[[str], str | None] = lambda extension: None
    """The password of the extension as a browser phone (the toolbar registering it through
    Janus); None: no browser phone."""

    def passwords(self, extension: str) -> tuple[Password, ...]:
        """Every password the extension may register with."""
        own, browser = self.password_of(extension), self.browser_password_of(extension)
        found = (Password(own) if own else None, Password(browser, True) if browser else None)
        return tuple(p for p in found if p is not None)
