"""Where a new leg of a call goes: an agent's registered extension, or a number through the
trunk. IVRs have no SIP address: they are played in a conference room (parties.py)."""

from __future__ import annotations

from agentbar.domain.model.legs import LegKind
from agentbar.drivers.telephony.sip.endpoint import Address
from agentbar.drivers.telephony.sip.registrar import Registrar


class Routes:
    def __init__(self, registrar: Registrar, trunk: Address | None) -> None:
        self._registrar = registrar
        self._trunk_named = trunk
        self.trunk: Address | None = None
        """The trunk's resolved address (set once the driver has resolved its name)."""

    def trunk_uri(self, number: str) -> str:
        assert self._trunk_named is not None
        host, port = self._trunk_named
        return f"sip:{number}@{host}:{port}"

    def of(self, kind: LegKind, address: str) -> tuple[str, Address] | None:
        """The URI and address to INVITE for a leg of `kind` to `address`; None: nowhere."""
        binding = self._registrar.lookup(address)
        # A number that is an agent's extension is called there, not through the trunk.
        if kind is LegKind.USER or (kind is LegKind.PHONE and binding is not None):
            return (binding.contact, binding.address) if binding is not None else None
        if kind is LegKind.PHONE and self.trunk is not None:
            return self.trunk_uri(address), self.trunk
        return None
