"""What the SIP driver is told at start: where it listens, the trunk, the digest realm and
passwords, how long a phone may ring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agentbar.domain.model.ivr import DigitCollection
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

    ivr_collection: Callable[[str], DigitCollection | None] = lambda ivr: None
    """The digits the IVR named asks callers for, if any (keys.py hears them)."""
    ivr_prompts: Path | None = None
    """Where each IVR's prompt is, `<name>.opus` (on Janus's machine); None: IVRs are refused."""

    def prompt_of(self, ivr: str) -> str | None:
        """The prompt file of the IVR named `ivr` ("Main Menu": main-menu.opus), if there is one."""
        if self.ivr_prompts is None:
            return None
        slug = "-".join("".join(c if c.isalnum() else " " for c in ivr.lower()).split())
        path = self.ivr_prompts / f"{slug}.opus"
        return str(path) if slug and path.is_file() else None

    def passwords(self, extension: str) -> tuple[Password, ...]:
        """Every password the extension may register with."""
        own, browser = self.password_of(extension), self.browser_password_of(extension)
        found = (Password(own) if own else None, Password(browser, True) if browser else None)
        return tuple(p for p in found if p is not None)
