"""Abuse of the service itself: failed-auth rate limits, body bounds, key scopes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from service.api.limits import webhook_body_limit
from service.db.api_keys import create_key
from service.db.models import Scope

WRITE_ROUTES = [
    ("post", "/v1/clients"),
    ("patch", "/v1/clients/1"),
    ("post", "/v1/clients/1/addresses"),
    ("delete", "/v1/clients/1/addresses/x.example"),
    ("post", "/v1/messages/1/feedback"),
]
ADMIN_ROUTES = [
    ("delete", "/v1/clients/1"),
    ("post", "/v1/admin/reload-model"),
    ("post", "/v1/admin/reclassify"),
    ("get", "/v1/admin/queue"),
]
READ_ROUTES = [
    ("get", "/v1/clients"),
    ("get", "/v1/clients/1"),
    ("get", "/v1/clients/1/addresses"),
    ("get", "/v1/clients/1/flags"),
    ("get", "/v1/messages/1"),
    ("get", "/v1/messages/1/feedback"),
]


def key_with(api: Any, *scopes: Scope) -> dict[str, str]:
    with api.app.state.db.session() as session:
        return {"X-API-Key": create_key(session, "scoped", scopes).key}


def test_failed_authentication_is_rate_limited_per_address(
    make_api: Callable[..., Any], settings: Any, build_mime: Callable[..., bytes]
) -> None:
    api = make_api(app_settings=settings.model_copy(update={"auth_failure_limit": 3}))
    for _ in range(2):
        assert api.client.get("/v1/clients", headers={"X-API-Key": "trk_guess"}).status_code == 401
    wrong_token = {"Authorization": "Bearer guess", "Content-Type": "message/rfc822"}
    assert api.client.post("/v1/inbound/raw", content=b"x", headers=wrong_token).status_code == 401
    blocked = api.get("/v1/clients")  # a valid key, but from an address over its budget
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
    assert "retry in" in blocked.json()["detail"]
    assert api.post_mime(build_mime("hello")).status_code == 429  # webhooks too
    assert api.client.get("/healthz").status_code == 200  # unauthenticated routes are not


def test_successes_are_never_counted(make_api: Callable[..., Any], settings: Any) -> None:
    api = make_api(app_settings=settings.model_copy(update={"auth_failure_limit": 2}))
    for _ in range(5):
        assert api.get("/v1/clients").status_code == 200


@pytest.fixture
def small_bodies(make_api: Callable[..., Any], settings: Any) -> Iterator[Any]:
    yield make_api(
        app_settings=settings.model_copy(
            update={"max_request_bytes": 1000, "max_message_bytes": 3000}
        )
    )


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "streamed"])
def test_every_route_bounds_its_body(small_bodies: Any, streamed: bool) -> None:
    api = small_bodies
    schema = api.client.get("/openapi.json").json()
    limit = webhook_body_limit(api.app.state.settings)
    for path, operations in schema["paths"].items():
        url = path.replace("{client_id}", "1").replace("{message_id}", "1")
        url = url.replace("{value}", "x.example")
        bound = limit if path.startswith("/v1/inbound/") else 1000
        body = b"{" + b" " * bound + b"}"
        for method, operation in operations.items():
            if streamed and "requestBody" not in operation:
                continue  # a route that reads no body never buffers one
            content: Any = iter([body[: bound // 2], body[bound // 2 :]]) if streamed else body
            response = api.client.request(
                method, url, content=content, headers=api.admin | {"Content-Type": "text/plain"}
            )
            assert response.status_code == 413, (method, path, response.text)
            assert "larger than" in response.json()["detail"]


def test_scopes_limit_what_a_key_can_do(api: Any, build_mime: Callable[..., bytes]) -> None:
    assert api.post_mime(build_mime("hello")).status_code == 202
    read, write = key_with(api, Scope.READ), key_with(api, Scope.WRITE)
    inbound = key_with(api, Scope.INBOUND)
    for method, url in READ_ROUTES:
        assert api.client.request(method, url, headers=read).status_code in (200, 404), url
        assert api.client.request(method, url, headers=inbound).status_code == 403, url
    for method, url in WRITE_ROUTES + ADMIN_ROUTES:
        response = api.client.request(method, url, headers=read, json={})
        assert response.status_code == 403 and "scope" in response.json()["detail"], url
    for method, url in ADMIN_ROUTES:
        assert api.client.request(method, url, headers=write, json={}).status_code == 403, url
    created = api.client.post("/v1/clients", json={"name": "Acme"}, headers=write)
    assert created.status_code == 201
    # an inbound key posts mail (instead of the shared token) and can do nothing else
    bearer = {"Authorization": f"Bearer {inbound['X-API-Key']}"}
    raw = {"Content-Type": "message/rfc822"} | bearer
    assert api.client.post("/v1/inbound/raw", content=build_mime("hi"), headers=raw).status_code
    assert (
        api.client.post("/v1/inbound/raw", content=build_mime("again"), headers=raw).status_code
        == 202
    )
    reader_bearer = {
        "Content-Type": "message/rfc822",
        "Authorization": f"Bearer {read['X-API-Key']}",
    }
    refused = api.client.post("/v1/inbound/raw", content=build_mime("x"), headers=reader_bearer)
    assert refused.status_code == 401
