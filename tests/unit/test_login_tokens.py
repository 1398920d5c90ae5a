"""Login tokens (AUTH_TYPE_TOKEN) in virtual time: each refusal has its own reason."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from agentbar.auth import login_tokens as lt
from agentbar.auth.login_tokens import LoginTokens, TokenRefused
from tests.support.jwts import SECRET, mint, rsa_key_pair


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Time:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Time:
    return Time()


@pytest.fixture
def tokens(clock: Time) -> LoginTokens:
    return LoginTokens(clock, secret=SECRET)


def refusal(tokens: LoginTokens, token: str, user: str = "agent1") -> str:
    with pytest.raises(TokenRefused) as refused:
        tokens.consume(tokens.verify(token, user))
    return refused.value.code


def test_a_valid_token_logs_in_once(tokens: LoginTokens, clock: Time) -> None:
    token = mint("agent1", clock.now)
    claims = tokens.verify(token, "agent1")
    assert tokens.verify(token, "agent1") == claims  # verifying does not use it up
    tokens.consume(claims)
    assert refusal(tokens, token) == lt.REPLAYED.code


def test_a_used_token_is_forgotten_only_once_it_has_expired(
    tokens: LoginTokens, clock: Time
) -> None:
    token = mint("agent1", clock.now, lifetime=60)
    tokens.consume(tokens.verify(token, "agent1"))
    clock.now += 60 + lt.LEEWAY
    tokens.consume(tokens.verify(mint("agent1", clock.now), "agent1"))  # prunes the first
    assert refusal(tokens, token) == lt.EXPIRED.code


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda now: mint("agent1", now - 120, lifetime=60), "token_expired"),
        (lambda now: mint("agent1", now + 60), "token_not_yet_valid"),
        (
            lambda now: mint("agent1", now, key="another-secret-of-at-least-32-bytes"),
            "token_bad_signature",
        ),
        (lambda now: mint("agent2", now), "token_wrong_user"),
        (lambda now: mint("agent1", now, lifetime=301), "token_lifetime_too_long"),
        (lambda now: mint("agent1", now, jti=None), "token_missing_claim"),
        (lambda now: mint(None, now), "token_missing_claim"),
        (lambda now: "not.a.jwt", "token_malformed"),
        (lambda now: "", "token_malformed"),
        (lambda now: mint("agent1", now, key=rsa_key_pair()[0]), "token_bad_signature"),
    ],
)
def test_each_bad_token_has_its_own_reason(
    tokens: LoginTokens, clock: Time, make: object, code: str
) -> None:
    assert callable(make)
    assert refusal(tokens, make(clock.now)) == code


def test_the_reasons_read_differently() -> None:
    reasons = [lt.EXPIRED, lt.REPLAYED, lt.BAD_SIGNATURE, lt.WRONG_USER, lt.TOO_LONG, lt.MALFORMED]
    assert len({r.message for r in reasons}) == len(reasons)


def test_a_missing_claim_is_named(tokens: LoginTokens, clock: Time) -> None:
    with pytest.raises(TokenRefused, match="lacks claim 'jti'"):
        tokens.verify(mint("agent1", clock.now, jti=None), "agent1")


def test_rs256_with_the_configured_public_key(clock: Time) -> None:
    private, public_pem = rsa_key_pair()
    tokens = LoginTokens(clock, public_key_pem=public_pem)
    tokens.consume(tokens.verify(mint("agent1", clock.now, key=private), "agent1"))
    # an HS256 token is refused: no secret configured, so no way to check it
    assert refusal(tokens, mint("agent1", clock.now)) == "token_bad_signature"
    other, _ = rsa_key_pair()
    assert refusal(tokens, mint("agent1", clock.now, key=other)) == "token_bad_signature"


def test_an_hs256_token_signed_with_the_public_key_is_refused(clock: Time) -> None:
    """The classic algorithm confusion: the public key used as an HMAC secret."""
    _, public_pem = rsa_key_pair()
    tokens = LoginTokens(clock, secret=SECRET, public_key_pem=public_pem)
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = {"sub": "agent1", "iat": clock.now, "exp": clock.now + 60, "jti": "j"}
    signed = f"{header}.{_b64(json.dumps(payload).encode())}"
    mac = hmac.new(public_pem.encode(), signed.encode(), hashlib.sha256).digest()
    forged = f"{signed}.{_b64(mac)}"
    assert refusal(tokens, forged) == "token_bad_signature"


def test_nothing_configured_refuses_every_token(clock: Time) -> None:
    assert refusal(LoginTokens(clock), mint("agent1", clock.now)) == "token_not_configured"


def test_a_public_key_that_is_not_rsa_is_a_configuration_error(clock: Time) -> None:
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(ValueError, match="must be an RSA public key"):
        LoginTokens(clock, public_key_pem=ec_pem)
    with pytest.raises(ValueError, match="Unable to load PEM"):  # not a key at all
        LoginTokens(clock, public_key_pem="-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----")
