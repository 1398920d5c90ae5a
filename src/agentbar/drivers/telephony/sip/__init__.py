"""SIP telephony: a registrar and back-to-back user agent for real phones and a SIP trunk."""

from agentbar.drivers.telephony.sip.driver import SipTelephony
from agentbar.drivers.telephony.sip.settings import SipSettings

__all__ = ["SipSettings", "SipTelephony"]
