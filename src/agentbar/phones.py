"""Phone numbers as they enter agentbar: parsed and normalised to E.164 at the edge."""

from __future__ import annotations

import phonenumbers

from agentbar.domain.model.errors import DomainError


class InvalidPhone(DomainError):
    code = "invalid_phone"


def normalize_phone(raw: str, default_region: str = "US") -> str:
    """E.164 form of a dialable number, or InvalidPhone saying why."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"'{raw}' is not a phone number: {error}") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(f"'{raw}' is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
