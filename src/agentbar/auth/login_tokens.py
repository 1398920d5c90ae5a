"""Login tokens (AUTH_TYPE_TOKEN): short-lived JWTs a CRM's backend mints for one agent.

Rules kept here:
- Each key is bound to its algorithm (a shared secret to HS256, a public key to RS256), so a
  token cannot choose how it is checked ("alg confusion").
- `sub`, `iat`, `exp` and `jti` are required; `sub` must be the user logging in; a token lives
  at most `MAX_LIFETIME` seconds.
- A token is single use: `consume` remembers its `jti` until it expires. `verify` does not
  consume, so a login refused with "force login required" can be retried with the same token.
- Every refusal has its own reason, which the CRM page receives through `loginHandler`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

MAX_LIFETIME = 300.0
LEEWAY = 10.0
"""Seconds of clock difference tolerated between the CRM's backend and this server."""


class TokenRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


NOT_CONFIGURED = TokenRefused(
    "token_not_configured", "token login is not configured on this server"
)
MALFORMED = TokenRefused("token_malformed", "login token malformed")
BAD_SIGNATURE = TokenRefused("token_bad_signature", "login token signature invalid")
EXPIRED = TokenRefused("token_expired", "login token expired")
NOT_YET_VALID = TokenRefused("token_not_yet_valid", "login token issued in the future")
REPLAYED = TokenRefused("token_replayed", "login token already used")
WRONG_USER = TokenRefused("token_wrong_user", "login token is for another user")
TOO_LONG = TokenRefused("token_lifetime_too_long", "login token lives longer than 5 minutes")


@dataclass(frozen=True)
class TokenClaims:
    sub: str
    jti: str
    exp: float


class LoginTokens:
    def __init__(
        self,
        now: Callable[[], float],
        secret: str | None = None,
        public_key_pem: str | None = None,
    ) -> None:
        self._now = now
        self._keys: dict[str, str | RSAPublicKey] = {}
        if secret:
            self._keys["HS256"] = secret
        if public_key_pem:
            # Loaded now, so a bad key stops the server at start rather than at a login.
            key = load_pem_public_key(public_key_pem.encode())
            if not isinstance(key, RSAPublicKey):
                raise ValueError("the token public key must be an RSA public key (RS256)")
            self._keys["RS256"] = key
        self._used: dict[str, float] = {}
        self._expiries: list[tuple[float, str]] = []  # a heap, to forget used tokens in order

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def verify(self, token: str, user_id: str) -> TokenClaims:
        if not self._keys:
            raise NOT_CONFIGURED
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.DecodeError:
            raise MALFORMED from None
        if not isinstance(algorithm, str) or algorithm not in self._keys:
            raise BAD_SIGNATURE
        key = self._keys[algorithm]
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                leeway=LEEWAY,
                # PyJWT would check exp and iat against time.time(); they are checked below
                # against the injected clock instead.
                options={
                    "require": ["sub", "iat", "exp", "jti"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": False,
                },
            )
        except jwt.MissingRequiredClaimError as error:
            raise TokenRefused(
                "token_missing_claim", f"login token lacks claim '{error.claim}'"
            ) from None
        except jwt.InvalidSignatureError:
            raise BAD_SIGNATURE from None
        except jwt.InvalidTokenError:
            raise MALFORMED from None
        sub, jti, iat, exp = claims["sub"], claims["jti"], claims["iat"], claims["exp"]
        if not (isinstance(sub, str) and isinstance(jti, str) and jti):
            raise MALFORMED
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (iat, exp)):
            raise MALFORMED
        now = self._now()
        if exp + LEEWAY <= now:
            raise EXPIRED
        if iat - LEEWAY > now:
            raise NOT_YET_VALID
        if exp - iat > MAX_LIFETIME:
            raise TOO_LONG
        if sub != user_id:
            raise WRONG_USER
        if jti in self._used:
            raise REPLAYED
        return TokenClaims(sub, jti, float(exp))

    def consume(self, claims: TokenClaims) -> None:
        """Mark the token used; raise REPLAYED if it was meanwhile."""
        now = self._now()
        # Forget tokens that have expired: they are refused as expired anyway.
        while self._expiries and self._expiries[0][0] + LEEWAY <= now:
            _, jti = heapq.heappop(self._expiries)
            self._used.pop(jti, None)
        if claims.jti in self._used:
            raise REPLAYED
        self._used[claims.jti] = claims.exp
        heapq.heappush(self._expiries, (claims.exp, claims.jti))
