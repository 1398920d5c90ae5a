"""Phone numbers as the CRM stores and looks them up: E.164, whatever format was typed.

Contacts are entered as people write numbers — `(408) 555-0101`, `408.555.0101`,
`+1 408 555 0101` — while the toolbar pops calls in E.164. Matching needs one canonical form.
"""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "US"
"""Region assumed for numbers written without a country code."""


class InvalidPhone(ValueError):
    """The text is not a phone number of any region."""


def normalise(raw: str, region: str = DEFAULT_REGION) -> str:
    """`raw` in E.164 (`+14085550101`), or InvalidPhone saying why."""
    text = raw.strip()
    if not text:
        raise InvalidPhone("a phone number is required")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(f"'{text}' is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"'{text}' is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str, region: str = DEFAULT_REGION) -> str:
    """How the CRM shows a stored number: national format at home, international abroad."""
    number = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
