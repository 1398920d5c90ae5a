"""SIP messages (RFC 3261 §7): parsing a datagram, building requests and responses, writing
them back out. Headers keep their order; bodies (SDP) pass through as bytes, untouched."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

COMPACT = {
    "v": "Via",
    "f": "From",
    "t": "To",
    "i": "Call-ID",
    "m": "Contact",
    "l": "Content-Length",
    "c": "Content-Type",
    "k": "Supported",
    "s": "Subject",
}
CANONICAL = {
    name.lower(): name
    for name in (
        *COMPACT.values(),
        "CSeq",
        "Max-Forwards",
        "Expires",
        "WWW-Authenticate",
        "Authorization",
        "User-Agent",
        "Allow",
        "Route",
        "Record-Route",
    )
}
REASONS = {
    100: "Trying",
    180: "Ringing",
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    491: "Request Pending",
    500: "Server Internal Error",
    503: "Service Unavailable",
}


class SipParseError(ValueError):
    pass


def _canonical(name: str) -> str:
    lowered = name.strip().lower()
    if lowered in COMPACT:
        return COMPACT[lowered]
    return CANONICAL.get(lowered, name.strip())


@dataclass
class SipMessage:
    """A request (`method` set) or a response (`status` set)."""

    method: str = ""
    uri: str = ""
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def is_request(self) -> bool:
        return bool(self.method)

    def get(self, name: str) -> str | None:
        wanted = _canonical(name).lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        wanted = _canonical(name).lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise SipParseError(f"missing {name} header")
        return value

    def set(self, name: str, value: str) -> None:
        """Replace every `name` header by one, in the first one's place (or at the end)."""
        wanted = _canonical(name).lower()
        kept: list[tuple[str, str]] = []
        placed = False
        for key, old in self.headers:
            if key.lower() == wanted:
                if not placed:
                    kept.append((_canonical(name), value))
                    placed = True
            else:
                kept.append((key, old))
        if not placed:
            kept.append((_canonical(name), value))
        self.headers = kept

    def remove(self, name: str) -> None:
        wanted = _canonical(name).lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != wanted]

    @property
    def call_id(self) -> str:
        return self.require("Call-ID")

    @property
    def cseq(self) -> tuple[int, str]:
        number, _, method = self.require("CSeq").strip().partition(" ")
        try:
            return int(number), method.strip().upper()
        except ValueError:
            raise SipParseError(f"bad CSeq '{self.get('CSeq')}'") from None

    @property
    def branch(self) -> str:
        return param(self.require("Via"), "branch") or ""

    @property
    def content_type(self) -> str:
        return (self.get("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def sdp(self) -> bytes | None:
        if self.body and self.content_type == "application/sdp":
            return self.body
        return None

    def encode(self) -> bytes:
        start = (
            f"{self.method} {self.uri} SIP/2.0"
            if self.is_request
            else f"SIP/2.0 {self.status} {self.reason or REASONS.get(self.status, 'Unknown')}"
        )
        lines = [start]
        lines += [f"{k}: {v}" for k, v in self.headers if k.lower() != "content-length"]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


def parse(data: bytes) -> SipMessage:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise SipParseError("header section is not UTF-8") from None
    raw_lines = text.replace("\r\n", "\n").split("\n")
    if not raw_lines or not raw_lines[0].strip():
        raise SipParseError("empty message")
    lines: list[str] = []
    for line in raw_lines[1:]:
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += " " + line.strip()  # header folding
        elif line:
            lines.append(line)
    message = _start_line(raw_lines[0].strip())
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon:
            raise SipParseError(f"malformed header line '{line[:60]}'")
        canonical = _canonical(name)
        if canonical in ("Via", "Contact", "Route", "Record-Route"):
            message.headers += [(canonical, part) for part in split_commas(value.strip())]
        else:
            message.headers.append((canonical, value.strip()))
    length = message.get("Content-Length")
    if length is not None:
        try:
            body = body[: int(length)]
        except ValueError:
            raise SipParseError(f"bad Content-Length '{length}'") from None
    message.body = body
    for required in ("Via", "From", "To", "Call-ID", "CSeq"):
        message.require(required)
    message.cseq  # noqa: B018 - validated here so handlers can rely on it
    return message


def _start_line(line: str) -> SipMessage:
    if line.startswith("SIP/2.0 "):
        _, code, reason = [*line.split(" ", 2), ""][:3]
        if not code.isdigit():
            raise SipParseError(f"bad status line '{line[:60]}'")
        return SipMessage(status=int(code), reason=reason)
    parts = line.split(" ")
    if len(parts) != 3 or parts[2] != "SIP/2.0":
        raise SipParseError(f"bad request line '{line[:60]}'")
    return SipMessage(method=parts[0].upper(), uri=parts[1])


def split_commas(value: str) -> list[str]:
    """Split a multi-valued header at commas outside quotes and <...>."""
    parts: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, char in enumerate(value):
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "<":
            depth += 1
        elif not quoted and char == ">":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            parts.append(value[start:i].strip())
            start = i + 1
    parts.append(value[start:].strip())
    return [part for part in parts if part]


def param(header: str, name: str) -> str | None:
    """A ;name=value parameter of a header, outside its <URI>."""
    outside = header.rsplit(">", 1)[-1] if "<" in header else header
    for part in outside.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"')
    return None


_URI = re.compile(r"<([^>]*)>")


def uri_of(header: str) -> str:
    """The URI of a From/To/Contact value: inside <...>, or up to the first ';'."""
    match = _URI.search(header)
    if match:
        return match.group(1).strip()
    return header.split(";", 1)[0].strip()


def user_of(uri: str) -> str:
    """The user part of a sip: URI ('' when it has none)."""
    rest = uri.split(":", 1)[1] if ":" in uri else uri
    rest = rest.split(";", 1)[0]
    return rest.split("@", 1)[0] if "@" in rest else ""


def hostport_of(uri: str, default_port: int = 5060) -> tuple[str, int]:
    rest = uri.split(":", 1)[1] if ":" in uri else uri
    rest = rest.split(";", 1)[0].split("?", 1)[0]
    hostport = rest.rsplit("@", 1)[-1]
    host, colon, port = hostport.rpartition(":")
    if colon and port.isdigit():
        return host.strip("[]"), int(port)
    return hostport.strip("[]"), default_port


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)


def response_to(request: SipMessage, status: int, to_tag: str | None = None) -> SipMessage:
    """A response copying Via, From, To (with our tag), Call-ID and CSeq (RFC 3261 §8.2.6)."""
    response = SipMessage(status=status, reason=REASONS.get(status, "Unknown"))
    for name, value in request.headers:
        if name in ("Via", "From", "Call-ID", "CSeq"):
            response.headers.append((name, value))
        elif name == "To":
            if to_tag and param(value, "tag") is None:
                value = f"{value};tag={to_tag}"
            response.headers.append((name, value))
    return response
