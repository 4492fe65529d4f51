"""Authentication helpers: constant-time bearer and basic checks, public keys for signatures."""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key
from pydantic import SecretStr

from service.inbound.errors import AuthError, InboundConfigError, ProviderDisabled
from service.inbound.request import InboundRequest


def secret_value(value: SecretStr | str | None) -> str | None:
    """Unwrap a settings secret; empty strings count as "not configured"."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value or None


def constant_time_equal(given: str | bytes, expected: str | bytes) -> bool:
    """``hmac.compare_digest`` on UTF-8 bytes (it refuses non-ASCII ``str``)."""
    given_b = given.encode() if isinstance(given, str) else given
    expected_b = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(given_b, expected_b)


class HasHeaders(Protocol):
    """Anything with request headers: an :class:`InboundRequest` or a Starlette request."""

    @property
    def headers(self) -> Mapping[str, str]: ...


def _authorization(request: HasHeaders, scheme: str) -> str | None:
    """The credentials after ``scheme`` in the Authorization header (scheme case-insensitive)."""
    header = request.headers.get("authorization", "").strip()
    name, _, credentials = header.partition(" ")
    if name.lower() != scheme.lower() or not credentials.strip():
        return None
    return credentials.strip()


def bearer_matches(request: HasHeaders, token: str) -> bool:
    """True if ``Authorization: Bearer <token>`` carries exactly ``token``."""
    given = _authorization(request, "Bearer")
    return given is not None and constant_time_equal(given, token)


def basic_matches(request: InboundRequest, user: str, password: str) -> bool:
    """True if ``Authorization: Basic`` carries ``user:password`` (both compared, always)."""
    credentials = _authorization(request, "Basic")
    if credentials is None:
        return False
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given_user, sep, given_password = decoded.partition(":")
    user_ok = constant_time_equal(given_user, user)
    password_ok = constant_time_equal(given_password, password)
    return bool(sep) and user_ok and password_ok


def require_bearer(
    request: InboundRequest, token: SecretStr | str | None, *, provider: str, status: int = 401
) -> None:
    """Bearer-token gate for our own endpoints (raw MIME, JSON form)."""
    if request.trusted:
        return
    expected = secret_value(token)
    if expected is None:
        raise ProviderDisabled(f"{provider} inbound is not configured (no token set)")
    if not bearer_matches(request, expected):
        raise AuthError(
            "missing or invalid bearer token",
            status=status,
            headers={"WWW-Authenticate": 'Bearer realm="inbound"'},
        )


def require_basic(
    request: InboundRequest,
    user: str | None,
    password: SecretStr | str | None,
    *,
    provider: str,
    status: int = 401,
) -> None:
    """HTTP basic-auth gate (credentials embedded in the webhook URL by the operator)."""
    expected_password = secret_value(password)
    if not user or expected_password is None:
        raise ProviderDisabled(f"{provider} inbound is not configured (no basic-auth credentials)")
    if not basic_matches(request, user, expected_password):
        raise AuthError(
            "missing or invalid basic-auth credentials",
            status=status,
            headers={"WWW-Authenticate": 'Basic realm="inbound"'},
        )


@lru_cache(maxsize=32)
def load_public_key(text: str) -> PublicKeyTypes:
    """Load a configured public key given as PEM (key or certificate), bare base64 DER, or a
    DKIM TXT record (``v=DKIM1; k=rsa; p=...``, the form Postal prints for its signing key).

    A key that cannot be loaded is our configuration error: :class:`InboundConfigError` (503),
    so the provider keeps retrying until the operator fixes it.
    """
    stripped = text.strip()
    try:
        if "-----BEGIN CERTIFICATE-----" in stripped:
            return x509.load_pem_x509_certificate(stripped.encode()).public_key()
        if "-----BEGIN" in stripped:
            return load_pem_public_key(stripped.encode())
        match = re.search(r"(?:^|;)\s*p=([A-Za-z0-9+/=\s]+)", stripped)
        b64 = match.group(1) if match else stripped
        return load_der_public_key(base64.b64decode("".join(b64.split()), validate=True))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InboundConfigError("configured public key cannot be loaded") from exc
