"""The SIP driver's pieces without a network: parsing, digest authentication, SDP relaying."""

from __future__ import annotations

import hashlib

import pytest

from agentbar.drivers.telephony.sip.message import (
    SipParseError,
    hostport_of,
    param,
    parse,
    response_to,
    uri_of,
    user_of,
)
from agentbar.drivers.telephony.sip.registrar import Password, Registrar, parse_digest
from agentbar.drivers.telephony.sip.sdp import Origin, answer_on_hold, mirrored_direction, relay

INVITE = (
    b"INVITE sip:+18005550100@127.0.0.1:5060 SIP/2.0\r\n"
    b"v: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc;rport\r\n"
    b"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKdef, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKx\r\n"
    b'f: "Ann" <sip:+14085551212@127.0.0.1:5070>;tag=1234\r\n'
    b"t: <sip:+18005550100@127.0.0.1>\r\n"
    b"i: call-1@127.0.0.1\r\n"
    b"CSeq: 7 INVITE\r\n"
    b"m: <sip:ann@127.0.0.1:5070;transport=udp>\r\n"
    b"c: application/sdp\r\n"
    b"l: 8\r\n"
    b"\r\n"
    b"v=0\r\nxyzEXTRA"
)

SDP = (
    b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n"
)


def test_a_request_is_parsed_with_compact_and_multi_valued_headers() -> None:
    message = parse(INVITE)
    assert (message.method, message.uri) == ("INVITE", "sip:+18005550100@127.0.0.1:5060")
    assert message.call_id == "call-1@127.0.0.1"
    assert message.cseq == (7, "INVITE")
    assert message.branch == "z9hG4bKabc"
    assert len(message.get_all("Via")) == 3
    assert message.body == b"v=0\r\nxyz"  # Content-Length bounds the body
    assert message.sdp == b"v=0\r\nxyz"
    assert user_of(uri_of(message.require("From"))) == "+14085551212"
    assert param(message.require("From"), "tag") == "1234"
    assert hostport_of(uri_of(message.require("Contact"))) == ("127.0.0.1", 5070)


def test_a_response_copies_the_transaction_headers_and_adds_our_tag() -> None:
    response = response_to(parse(INVITE), 180, to_tag="ours")
    encoded = response.encode()
    again = parse(encoded)
    assert again.status == 180
    assert again.cseq == (7, "INVITE")
    assert param(again.require("To"), "tag") == "ours"
    assert len(again.get_all("Via")) == 3
    assert again.get("Content-Length") == "0"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"HELLO\r\n\r\n",
        b"INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n",  # no From, To, Call-ID, CSeq
        b"SIP/2.0 abc OK\r\n\r\n",
        INVITE.replace(b"CSeq: 7 INVITE", b"CSeq: seven INVITE"),
        INVITE.replace(b"l: 8", b"l: nine"),
    ],
)
def test_malformed_messages_are_refused(data: bytes) -> None:
    with pytest.raises(SipParseError):
        parse(data)


def _register(
    authorization: str | None = None, contact: str = "<sip:1001@127.0.0.1:6000>"
) -> bytes:
    lines = [
        "REGISTER sip:127.0.0.1 SIP/2.0",
        "Via: SIP/2.0/UDP 127.0.0.1:6000;branch=z9hG4bKreg",
        "From: <sip:1001@127.0.0.1>;tag=a",
        "To: <sip:1001@127.0.0.1>",
        "Call-ID: reg-1",
        "CSeq: 1 REGISTER",
        f"Contact: {contact}",
    ]
    if authorization:
        lines.append(f"Authorization: {authorization}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _answer(challenge: str, password: str) -> str:
    fields = parse_digest(challenge)

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1 = md5(f"1001:{fields['realm']}:{password}")
    ha2 = md5("REGISTER:sip:127.0.0.1")
    response = md5(f"{ha1}:{fields['nonce']}:00000001:cn:auth:{ha2}")
    return (
        f'Digest username="1001", realm="{fields["realm"]}", nonce="{fields["nonce"]}", '
        f'uri="sip:127.0.0.1", response="{response}", qop=auth, nc=00000001, cnonce="cn"'
    )


def test_an_extension_registers_after_answering_the_digest_challenge() -> None:
    registrar = Registrar("agentbar", lambda ext: (Password("secret"),) if ext == "1001" else ())
    challenged = registrar.handle(parse(_register()), ("127.0.0.1", 6000))
    assert challenged.status == 401
    assert registrar.lookup("1001") is None
    challenge = challenged.require("WWW-Authenticate")
    accepted = registrar.handle(parse(_register(_answer(challenge, "secret"))), ("127.0.0.1", 6000))
    assert accepted.status == 200
    binding = registrar.lookup("1001")
    assert binding is not None
    assert (binding.contact, binding.address) == ("sip:1001@127.0.0.1:6000", ("127.0.0.1", 6000))

    gone = registrar.handle(
        parse(_register(_answer(challenge, "secret"), "<sip:1001@127.0.0.1:6000>;expires=0")),
        ("127.0.0.1", 6000),
    )
    assert gone.status == 200
    assert registrar.lookup("1001") is None


def test_a_wrong_password_or_unknown_extension_is_refused_and_binds_nothing() -> None:
    registrar = Registrar("agentbar", lambda ext: (Password("secret"),) if ext == "1001" else ())
    challenge = registrar.handle(parse(_register()), ("127.0.0.1", 6000)).require(
        "WWW-Authenticate"
    )
    wrong = registrar.handle(parse(_register(_answer(challenge, "guess"))), ("127.0.0.1", 6000))
    assert wrong.status == 403
    assert registrar.lookup("1001") is None
    stranger = parse(
        _register().replace(b"sip:1001@127.0.0.1>\r\nCall", b"sip:1009@127.0.0.1>\r\nCall")
    )
    assert registrar.handle(stranger, ("127.0.0.1", 6000)).status == 404


def test_either_of_an_extensions_passwords_registers_it() -> None:
    # A desk phone's own password and the browser phone's derived one both register 1001.
    registrar = Registrar(
        "agentbar",
        lambda ext: (Password("desk"), Password("browser", True)) if ext == "1001" else (),
    )
    for password, browser in (("desk", False), ("browser", True)):
        challenge = registrar.handle(parse(_register()), ("127.0.0.1", 6000)).require(
            "WWW-Authenticate"
        )
        answer = parse(_register(_answer(challenge, password)))
        assert registrar.handle(answer, ("127.0.0.1", 6000)).status == 200
        binding = registrar.lookup("1001")
        assert binding is not None
        assert binding.browser is browser
    challenge = registrar.handle(parse(_register()), ("127.0.0.1", 6000)).require(
        "WWW-Authenticate"
    )
    guess = parse(_register(_answer(challenge, "deskbrowser")))
    assert registrar.handle(guess, ("127.0.0.1", 6000)).status == 403


def test_a_stale_nonce_is_challenged_again() -> None:
    clock = [100.0]
    registrar = Registrar("agentbar", lambda ext: (Password("secret"),), now=lambda: clock[0])
    challenge = registrar.handle(parse(_register()), ("127.0.0.1", 6000)).require(
        "WWW-Authenticate"
    )
    clock[0] += 3600
    again = registrar.handle(parse(_register(_answer(challenge, "secret"))), ("127.0.0.1", 6000))
    assert again.status == 401
    assert "stale=true" in again.require("WWW-Authenticate")


def test_relayed_sdp_carries_the_legs_origin_with_a_rising_version_and_one_direction() -> None:
    origin = Origin(session=42, host="127.0.0.1")
    first = relay(SDP, origin).decode()
    held = relay(SDP, origin, "inactive").decode()
    assert "o=agentbar 42 1 IN IP4 127.0.0.1" in first
    assert "o=agentbar 42 2 IN IP4 127.0.0.1" in held
    assert "m=audio 4000 RTP/AVP 0 8 101" in held  # the media itself passes through
    assert held.count("a=inactive") == 1
    assert "a=sendrecv" not in held
    assert held.index("a=inactive") < held.index("m=audio")


def test_an_answer_on_hold_keeps_the_first_codec_only_and_is_inactive() -> None:
    answer = answer_on_hold(SDP, Origin(session=7)).decode()
    assert "m=audio 4000 RTP/AVP 0\r\n" in answer
    assert "a=rtpmap:0 PCMU/8000" in answer
    assert "PCMA" not in answer
    assert "telephone-event" not in answer
    assert "a=inactive" in answer


@pytest.mark.parametrize(
    ("offered", "answered"),
    [
        ("sendonly", "recvonly"),
        ("recvonly", "sendonly"),
        ("inactive", "inactive"),
        ("sendrecv", "sendrecv"),
    ],
)
def test_an_answer_mirrors_the_direction_of_the_offer(offered: str, answered: str) -> None:
    assert mirrored_direction(SDP.replace(b"a=sendrecv", f"a={offered}".encode())) == answered
    assert mirrored_direction(SDP.replace(b"a=sendrecv\r\n", b"")) == "sendrecv"
