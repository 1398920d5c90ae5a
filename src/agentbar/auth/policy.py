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


class AgentLogin(StrEnum):
    """Which login policies one agent may use (set per agent by the administrator)."""

    ANY = "any"
    """Whatever the CRM page asks for, given the credentials verify (the default)."""
    PASSWORD = "password"
    """Only agentbar's own password."""
    SSO = "sso"
    """Only single sign-on through the CRM: CRM-backed login or a CRM-issued login token."""

    def allows(self, policy: AuthPolicy) -> bool:
        if self is AgentLogin.ANY:
            return True
        return (policy is AuthPolicy.PASSWORD) == (self is AgentLogin.PASSWORD)
