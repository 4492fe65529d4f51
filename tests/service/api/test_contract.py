"""Contract fuzzing: schemathesis over every operation of ``/openapi.json``, all checks on.

The app runs in-process (ASGI) on each backend, with every webhook provider configured and the
database seeded (clients with mappings, classified messages with flags, feedback), so generated
requests reach stored data and not only 404s: path ids are folded into the seeded range. Each
webhook is called with its own auth: bearer/basic credentials, or a signature the test computes
over the generated payload exactly as the provider would (Mailgun, SES/SNS, Mandrill, Postal).
Negative cases (data that breaks the schema) are sent unsigned and must be refused.

Examples per operation: ``TRIAGE_CONTRACT_EXAMPLES`` (default 20; the long run in README uses
300).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pydantic import SecretStr
from schemathesis.config import SchemathesisConfig

from service.api.schemas import MAX_ID
from service.config import Settings
from service.inbound.mandrill import mandrill_signature
from service.inbound.ses import canonical_string
from service.main import create_app

EXAMPLES = int(os.environ.get("TRIAGE_CONTRACT_EXAMPLES", "20"))
SEEDED_CLIENTS = 6
MAILGUN_KEY = "contract-mailgun-key"
MANDRILL_KEY = "contract-mandrill-key"
MANDRILL_URL = "https://triage.example/v1/inbound/mandrill"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:triage-inbound"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"
BASIC = ("provider", "contract-basic-password")

CONFIG = SchemathesisConfig.from_str(
    f"""
[checks]
enabled = true

[generation]
max-examples = {EXAMPLES}

# A webhook payload can match its schema and still not be an e-mail (no sender address, a
# body that is not MIME): that is the documented 422, which no schema can rule out.
[[operations]]
include-tag = "inbound"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
"""
)


@pytest.fixture
def provider_settings(
    build_settings: Callable[..., Settings],
    rsa_key: rsa.RSAPrivateKey,
    sns_certificate: Path,
    pem: Callable[..., str],
) -> Settings:
    """Every provider switched on, with keys the test can sign with (one RSA key for SNS's
    certificate and Postal's signing key)."""
    return build_settings(
        mailgun_signing_key=SecretStr(MAILGUN_KEY),
        sendgrid_basic_user=BASIC[0],
        sendgrid_basic_password=SecretStr(BASIC[1]),
        postmark_basic_user=BASIC[0],
        postmark_basic_password=SecretStr(BASIC[1]),
        ses_sns_certificate_path=sns_certificate,
        ses_topic_arns=[TOPIC_ARN],
        mandrill_webhook_key=SecretStr(MANDRILL_KEY),
        mandrill_webhook_url=MANDRILL_URL,
        postal_public_key=pem(rsa_key),
        auth_failure_limit=10**9,  # the fuzzer fails authentication on purpose, all the time
    )


def seed(api: Any, build_mime: Callable[..., bytes]) -> None:
    """Clients with mappings, classified mail with flags (and a cursor's worth), feedback."""
    texts = ["You are incompetent idiots.", "This will never work.", "I need it by tomorrow."]
    for i in range(SEEDED_CLIENTS):
        for j, text in enumerate(texts):
            raw = build_mime(f"{text} ({i}/{j})", sender=f"Client {i} <client{i}@acme{i}.example>")
            assert api.post_mime(raw).status_code == 202
    api.drain()
    api.client.post(
        "/v1/clients",
        json={"name": "Prepared Ltd", "mappings": [{"kind": "domain", "value": "prepared.test"}]},
        headers=api.admin,
    ).raise_for_status()
    api.client.post(
        "/v1/messages/1/feedback", json={"labels": ["pessimism"]}, headers=api.admin
    ).raise_for_status()


@dataclass
class Contract:
    """The seeded app and how to authenticate each operation like its legitimate caller."""

    app: Any
    admin_key: str
    signing_key: rsa.RSAPrivateKey

    def call_kwargs(self, case: Any) -> dict[str, Any]:
        provider = case.path.rpartition("/")[2] if case.path.startswith("/v1/inbound/") else None
        if provider is None:
            return {"headers": {"X-API-Key": self.admin_key}}
        if case.meta is not None and case.meta.generation.mode.is_negative:
            return self._credentials(provider)  # schema-breaking data must fail on its own
        signer = getattr(self, f"_sign_{provider}", None)
        return signer(case) if signer else self._credentials(provider)

    def _credentials(self, provider: str) -> dict[str, Any]:
        if provider in ("raw", "json"):
            return {"headers": {"Authorization": "Bearer test-inbound-token"}}
        if provider in ("postmark", "sendgrid"):
            token = base64.b64encode(":".join(BASIC).encode()).decode()
            return {"headers": {"Authorization": f"Basic {token}"}}
        return {}

    def _sign_mailgun(self, case: Any) -> dict[str, Any]:
        if isinstance(case.body, dict):
            timestamp, token = str(int(time.time())), uuid.uuid4().hex
            signature = hmac.new(
                MAILGUN_KEY.encode(), (timestamp + token).encode(), hashlib.sha256
            ).hexdigest()
            case.body.update(timestamp=timestamp, token=token, signature=signature)
        return {}

    def _sign_mandrill(self, case: Any) -> dict[str, Any]:
        if isinstance(case.body, dict):
            fields = [(str(k), str(v)) for k, v in case.body.items()]
            case.headers = dict(case.headers or {}) | {
                "X-Mandrill-Signature": mandrill_signature(MANDRILL_URL, fields, MANDRILL_KEY)
            }
        return {}

    def _sign_ses(self, case: Any) -> dict[str, Any]:
        envelope = case.body
        if isinstance(envelope, dict) and envelope.get("Type"):
            envelope.update(TopicArn=TOPIC_ARN, SigningCertURL=CERT_URL, SignatureVersion="2")
            for name in ("Token", "SubscribeURL"):
                if envelope["Type"] != "Notification":
                    envelope.setdefault(name, "https://sns.example/confirm")
            signature = self.signing_key.sign(
                canonical_string(envelope), padding.PKCS1v15(), hashes.SHA256()
            )
            envelope["Signature"] = base64.b64encode(signature).decode()
        return {}

    def _sign_postal(self, case: Any) -> dict[str, Any]:
        body = json.dumps(case.body).encode()
        signature = self.signing_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        case.headers = dict(case.headers or {}) | {
            "X-Postal-Signature-256": base64.b64encode(signature).decode()
        }
        return {"data": body, "headers": {"Content-Type": "application/json"}}


@pytest.fixture
def contract(
    make_api: Callable[..., Any],
    provider_settings: Settings,
    build_mime: Callable[..., bytes],
    rsa_key: rsa.RSAPrivateKey,
) -> Contract:
    api = make_api(app_settings=provider_settings, raise_server_exceptions=False)
    seed(api, build_mime)
    APP.target = api.app
    return Contract(api.app, api.admin["X-API-Key"], rsa_key)


@schemathesis.serializer("message/rfc822")
def rfc822(_context: Any, value: Any) -> bytes:
    """The raw webhook's body is the message's bytes, sent as generated."""
    if isinstance(value, bytes):
        return value
    data = getattr(value, "data", value)  # schemathesis wraps generated binary
    return data if isinstance(data, bytes) else str(data).encode()


class AppUnderTest:
    """The ASGI app schemathesis calls: forwards to the current test's app, already started
    (its lifespan is the test's; schemathesis' own client must not start it again). Needed
    because the schema is loaded at import, and the lazy fixture loader fails on pytest 9.2."""

    def __init__(self) -> None:
        self.target: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await self.target(scope, receive, send)


APP = AppUnderTest()


def _load_schema() -> Any:
    """The served schema (the settings change nothing in it here)."""
    app = create_app(Settings(_env_file=None), classifier_loader=lambda _v: None, run_worker=False)
    loaded = schemathesis.openapi.from_dict(app.openapi(), config=CONFIG)
    loaded.app = APP

    @loaded.hook
    def map_path_parameters(_context: Any, path_parameters: dict[str, Any] | None) -> Any:
        """Fold generated ids into the seeded range (plus one past it, for the 404s)."""
        if not path_parameters:
            return path_parameters
        return {
            name: 1 + value % (3 * SEEDED_CLIENTS + 2)
            if name.endswith("_id") and isinstance(value, int) and 1 <= value <= MAX_ID
            else value
            for name, value in path_parameters.items()
        }

    return loaded


schema = _load_schema()


@schema.parametrize()
@hypothesis_settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,  # one seeded database per operation, on purpose
    ],
)
def test_operation_honours_its_contract(case: Any, contract: Contract) -> None:
    case.call_and_validate(**contract.call_kwargs(case))


def test_the_probe_findings_stay_fixed(api: Any) -> None:
    """What the outside probe found: each is now a documented 4xx, or no longer refused."""
    assert api.get("/v1/clients", params={"offset": 10**19}).status_code == 422  # was a 500
    reclassify = api.client.post(
        "/v1/admin/reclassify", json={"client_id": False}, headers=api.admin
    )
    assert reclassify.status_code == 422  # false is not a client id
    broken = api.client.post(
        "/v1/clients",
        content=b'{"name": ',
        headers=api.reader | {"Content-Type": "application/json"},
    )
    assert broken.status_code == 422 and broken.json()["detail"][0]["type"] == "json_invalid"
    assert api.get("/v1/clients/1/flags", params={"cursor": "123-4"}).status_code in (200, 404)
    not_allowed = api.client.put("/v1/clients/1", headers=api.reader)
    assert not_allowed.status_code == 405
    assert not_allowed.headers["allow"] == "DELETE, GET, HEAD, PATCH"
