"""SIP telephony: a registrar and back-to-back user agent for real phones and a SIP trunk."""

from agentbar.drivers.telephony.sip.driver import SipSettings, SipTelephony

__all__ = ["SipSettings", "SipTelephony"]
