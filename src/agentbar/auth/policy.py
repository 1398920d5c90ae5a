"""Login policies as CRM pages name them: 'AUTH_TYPE_PASSWORD', 'Auth.Type.Crm.Http',
'auth-type-token', ..."""

from __future__ import annotations

import re
from enum import StrEnum


class AuthPolicy(StrEnum):
    PASSWORD = "password"
    CRM_HTTP = "crm_http"
    TOKEN = "token"


_SEPARATORS = re.compile(r"[\s_.\-]+")
_NAMES = {
    "authtypepassword": AuthPolicy.PASSWORD,
    "authtypecrmhttp": AuthPolicy.CRM_HTTP,
    "authtypetoken": AuthPolicy.TOKEN,
}


def parse_policy(raw: object) -> AuthPolicy | None:
    """The policy named by `raw` in any case with `_`, `.`, `-` or spaces; None if unknown."""
    if not isinstance(raw, str):
        return None
    return _NAMES.get(_SEPARATORS.sub("", raw).casefold())
