"""The API end to end on every backend: ingest -> worker -> client history, and every route."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from service.config import Settings
from service.db.session import Database


def test_raw_mail_appears_classified_in_client_history(api: Any, build_mime: Callable) -> None:
    response = api.post_mime(build_mime("You are incompetent idiots.", subject="Logo"))
    assert response.status_code == 202, response.text
    stored = response.json()["messages"][0]
    assert stored["duplicate"] is False and stored["direction"] == "inbound"

    assert api.drain() == 1
    message = api.get(f"/v1/messages/{stored['id']}").json()
    assert message["status"] == "done" and message["release"] == "fake-1"
    assert message["labels"] == ["abuse"] and message["scores"]["abuse"] == pytest.approx(0.9)
    assert message["evidence"]["abuse"][0]["sentence"].startswith("You are incompetent")
    assert message["language"] == "en"

    summary = api.get(f"/v1/clients/{stored['client_id']}").json()
    assert summary["risk"]["level"] == "red" and "abuse" in summary["risk"]["reasons"][0]
    assert summary["windows"]["7d"]["counts"]["abuse"] == 1
    assert summary["windows"]["all"]["rates"]["abuse"] == 1.0
    assert summary["mappings"] == [{"kind": "address", "value": "ivan@client.example"}]

    flags = api.get(f"/v1/clients/{stored['client_id']}/flags").json()
    assert [(f["label"], f["message_id"]) for f in flags["items"]] == [("abuse", stored["id"])]
    assert flags["items"][0]["subject"] == "Logo" and flags["next_cursor"] is None

    ranked = api.get("/v1/clients").json()
    assert ranked["items"][0]["id"] == stored["client_id"]
    assert ranked["items"][0]["risk_level"] == "red"


def test_background_worker_classifies_within_seconds(
    make_api: Callable, build_mime: Callable
) -> None:
    api = make_api(run_worker=True)
    stored = api.post_mime(build_mime("This will never work.")).json()["messages"][0]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message = api.get(f"/v1/messages/{stored['id']}").json()
        if message["status"] == "done":
            break
        time.sleep(0.05)
    assert message["status"] == "done" and message["labels"] == ["pessimism"]


def test_restart_with_unclassified_mail_loses_nothing(
    make_api: Callable, build_mime: Callable
) -> None:
    first = make_api()  # no worker: mail is committed but stays in the queue
    ids = [first.post_mime(build_mime(f"note {i}")).json()["messages"][0]["id"] for i in range(3)]
    first.client.__exit__(None, None, None)  # the process goes away

    second = make_api(run_worker=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        statuses = {second.get(f"/v1/messages/{i}").json()["status"] for i in ids}
        if statuses == {"done"}:
            break
        time.sleep(0.05)
    assert statuses == {"done"}


def test_redelivery_is_recognized(api: Any, build_mime: Callable) -> None:
    raw = build_mime("Please send the invoice.", message_id="<same@client.example>")
    first = api.post_mime(raw)
    again = api.post_mime(raw)
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["messages"][0]["id"] == first.json()["messages"][0]["id"]
    assert again.json()["messages"][0]["duplicate"] is True

    # Same Message-ID, different content: a different message, not a redelivery.
    other = api.post_mime(build_mime("Something else.", message_id="<same@client.example>"))
    assert other.status_code == 202
    assert other.json()["messages"][0]["id"] != first.json()["messages"][0]["id"]
    assert api.drain() == 2


def test_outbound_mail_is_stored_for_timing_not_classified(api: Any, build_mime: Callable) -> None:
    sent = datetime.now(UTC) - timedelta(days=10)
    ours = build_mime(
        "Here is the draft.",
        sender="Support <support@agency.example>",
        to="ivan@client.example",
        message_id="<ours@agency.example>",
        date=sent,
    )
    response = api.post_mime(ours, **{"X-Direction": "outbound"})
    assert response.status_code == 202
    outbound = response.json()["messages"][0]
    assert outbound["direction"] == "outbound"
    assert api.drain() == 0  # nothing to classify

    summary = api.get(f"/v1/clients/{outbound['client_id']}").json()
    assert summary["outbound_count"] == 1 and summary["awaiting_reply_days"] == 10
    assert any("has not answered" in r for r in summary["risk"]["reasons"])

    reply = api.post_mime(
        build_mime("Thanks, looks good.", in_reply_to="<ours@agency.example>")
    ).json()["messages"][0]
    assert reply["client_id"] == outbound["client_id"]
    message = api.get(f"/v1/messages/{reply['id']}").json()
    assert message["reply_gap_seconds"] == pytest.approx(10 * 86400, abs=120)
    summary = api.get(f"/v1/clients/{outbound['client_id']}").json()
    assert summary["reply_gaps"]["worst_seconds"] == message["reply_gap_seconds"]
    assert summary["reply_gaps"]["long_gaps"] == 1 and summary["awaiting_reply_since"] is None


def test_api_key_required(api: Any) -> None:
    for headers in ({}, {"X-API-Key": "trk_wrong"}, {"Authorization": "Bearer nope"}):
        response = api.client.get("/v1/clients", headers=headers)
        assert response.status_code == 401
        assert "detail" in response.json() and "Traceback" not in response.text
    assert api.client.get("/v1/clients", headers=api.reader).status_code == 200
    bearer = {"Authorization": f"Bearer {api.reader['X-API-Key']}"}
    assert api.client.get("/v1/clients", headers=bearer).status_code == 200
    # Admin endpoints refuse query keys.
    assert api.client.delete("/v1/clients/1", headers=api.reader).status_code == 403
    assert api.client.get("/v1/admin/queue", headers=api.admin).status_code == 200


def test_inbound_auth_and_size(api: Any, build_mime: Callable, settings: Any) -> None:
    raw = build_mime()
    bad = api.client.post(
        "/v1/inbound/raw",
        content=raw,
        headers={"Content-Type": "message/rfc822", "Authorization": "Bearer wrong"},
    )
    assert bad.status_code == 401 and bad.json()["detail"]
    assert api.client.post("/v1/inbound/nope", content=raw).status_code == 404
    garbage = api.post_mime(b"\x00\x01 not a mail")
    assert garbage.status_code == 422
    huge = b"x" * (settings.max_message_bytes + 2 * 1024 * 1024)
    assert api.post_mime(huge).status_code == 413


def test_inbound_json_form(api: Any) -> None:
    payload = {
        "from": "Ayşe <ayse@client.example.tr>",
        "to": ["support@agency.example"],
        "subject": "Sipariş",
        "text": "Merhaba, siparişimiz hâlâ gelmedi.",
        "message_id": "<json-1@client.example.tr>",
    }
    headers = {"Authorization": "Bearer test-inbound-token"}
    response = api.client.post("/v1/inbound/json", json=payload, headers=headers)
    assert response.status_code == 202, response.text
    assert api.client.post("/v1/inbound/json", json=payload, headers=headers).status_code == 200


def test_database_down_answers_503(make_api: Callable, build_mime: Callable) -> None:
    api = make_api(raise_server_exceptions=False)
    live = api.app.state.db
    dead = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    api.app.state.db = dead
    try:
        response = api.post_mime(build_mime())
        assert response.status_code == 503 and response.headers["Retry-After"]
        assert "database" in response.json()["detail"]
        assert api.client.get("/v1/clients", headers=api.reader).status_code == 503
        assert api.client.get("/readyz").status_code == 503
    finally:
        api.app.state.db = live
        dead.dispose()
    assert api.post_mime(build_mime()).status_code == 202


def test_mailgun_token_counts_only_once_stored(
    make_api: Callable, build_settings: Callable, build_mime: Callable
) -> None:
    key = "mailgun-key"
    api = make_api(app_settings=build_settings(mailgun_signing_key=key))
    timestamp, token = str(int(time.time())), "token-123"
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    form = {
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
        "body-mime": build_mime("Mailgun says hi.").decode(),
    }
    forged = dict(form, signature="f" * 64)
    assert api.client.post("/v1/inbound/mailgun", data=forged).status_code == 406
    live, dead = api.app.state.db, Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    api.app.state.db = dead
    try:
        assert api.client.post("/v1/inbound/mailgun", data=form).status_code == 503
    finally:
        api.app.state.db = live
        dead.dispose()
    assert api.client.post("/v1/inbound/mailgun", data=form).status_code == 202
    assert api.client.post("/v1/inbound/mailgun", data=form).status_code == 406  # a real replay
    other_process = make_api(app_settings=api.app.state.settings)
    assert other_process.client.post("/v1/inbound/mailgun", data=form).status_code == 406


def test_feedback_changes_aggregates(api: Any, build_mime: Callable) -> None:
    stored = api.post_mime(build_mime("You idiots, do it by tomorrow.")).json()["messages"][0]
    api.drain()
    client_url = f"/v1/clients/{stored['client_id']}"
    before = api.get(client_url).json()
    assert before["risk"]["level"] == "red"
    assert before["windows"]["all"]["counts"]["abuse"] == 1

    response = api.client.post(
        f"/v1/messages/{stored['id']}/feedback",
        json={"labels": ["unreasonable_demand"], "reviewer": "anna", "note": "banter"},
        headers=api.reader,
    )
    assert response.status_code == 201, response.text
    assert response.json()["model_labels"] == ["abuse", "unreasonable_demand"]

    after = api.get(client_url).json()
    assert after["windows"]["all"]["counts"]["abuse"] == 0
    assert after["windows"]["all"]["counts"]["unreasonable_demand"] == 1
    assert after["risk"]["level"] == "green"
    assert api.get("/v1/clients").json()["items"][0]["risk_level"] == "green"  # stored rank too
    message = api.get(f"/v1/messages/{stored['id']}").json()
    assert message["labels"] == ["unreasonable_demand"]
    assert message["model_labels"] == ["abuse", "unreasonable_demand"]
    flags = api.get(f"{client_url}/flags").json()["items"]
    assert {f["label"]: f["dismissed"] for f in flags} == {
        "abuse": True,
        "unreasonable_demand": False,
    }
    bad = api.client.post(
        f"/v1/messages/{stored['id']}/feedback", json={"labels": ["rude"]}, headers=api.reader
    )
    assert bad.status_code == 422


def test_flag_history_pagination_and_filters(api: Any, build_mime: Callable) -> None:
    now = datetime.now(UTC)
    for day in range(5):
        raw = build_mime(
            f"Day {day}: this is pointless and you are idiots.",
            subject=f"day {day}",
            date=now - timedelta(days=day),
        )
        assert api.post_mime(raw).status_code == 202
    api.drain()
    client_id = api.get("/v1/clients").json()["items"][0]["id"]
    url = f"/v1/clients/{client_id}/flags"

    seen: list[tuple[str, str]] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = api.get(url, params=params).json()
        seen += [(f["subject"], f["label"]) for f in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 10 and len(set(seen)) == 10
    assert [s for s, _ in seen[::2]] == [f"day {d}" for d in range(5)]  # newest first

    only = api.get(url, params={"label": "pessimism"}).json()["items"]
    assert {f["label"] for f in only} == {"pessimism"} and len(only) == 5
    recent = api.get(url, params={"since": (now - timedelta(days=1, hours=1)).isoformat()}).json()
    assert {f["subject"] for f in recent["items"]} == {"day 0", "day 1"}
    assert api.get(url, params={"language": "ko"}).json()["items"] == []
    assert api.get(url, params={"cursor": "garbage!"}).status_code == 400


def test_client_mapping_and_listing(api: Any, build_mime: Callable) -> None:
    first = api.post_mime(build_mime(sender="a@acme.example")).json()["messages"][0]
    second = api.post_mime(build_mime(sender="b@acme.example")).json()["messages"][0]
    assert first["client_id"] != second["client_id"]

    created = api.client.post(
        "/v1/clients", json={"name": "ACME", "mappings": []}, headers=api.reader
    ).json()
    conflict = api.client.post(
        f"/v1/clients/{created['id']}/addresses",
        json={"kind": "address", "value": "A@acme.example"},
        headers=api.reader,
    )
    assert conflict.status_code == 409
    moved = api.client.post(
        f"/v1/clients/{created['id']}/addresses",
        json={"kind": "domain", "value": "acme.example", "move": True},
        headers=api.reader,
    )
    assert moved.status_code == 201
    # The domain took both senders' stored mail (their address entries stay pinned otherwise).
    summary = api.get(f"/v1/clients/{created['id']}").json()
    assert summary["message_count"] == 0  # addresses are still pinned to their own clients
    for address in ("a@acme.example", "b@acme.example"):
        response = api.client.post(
            f"/v1/clients/{created['id']}/addresses",
            json={"kind": "address", "value": address, "move": True},
            headers=api.reader,
        )
        assert response.status_code == 201
    summary = api.get(f"/v1/clients/{created['id']}").json()
    assert summary["message_count"] == 2 and summary["name"] == "ACME"
    # New mail from another acme address now lands on ACME through the domain.
    third = api.post_mime(build_mime(sender="c@acme.example")).json()["messages"][0]
    assert third["client_id"] == created["id"]

    found = api.get("/v1/clients", params={"q": "acme"}).json()
    assert created["id"] in [c["id"] for c in found["items"]]
    assert api.get("/v1/clients", params={"risk": "red"}).json()["total"] == 0
    renamed = api.client.patch(
        f"/v1/clients/{created['id']}", json={"name": "ACME Ltd"}, headers=api.reader
    )
    assert renamed.json()["name"] == "ACME Ltd"
    removed = api.client.delete(
        f"/v1/clients/{created['id']}/addresses/acme.example", headers=api.reader
    )
    assert removed.status_code == 204


def test_erase_client(api: Any, build_mime: Callable) -> None:
    stored = api.post_mime(build_mime("You idiots.")).json()["messages"][0]
    api.drain()
    api.client.post(
        f"/v1/messages/{stored['id']}/feedback", json={"labels": []}, headers=api.reader
    )
    response = api.client.delete(f"/v1/clients/{stored['client_id']}", headers=api.admin)
    assert response.status_code == 204
    assert api.get(f"/v1/clients/{stored['client_id']}").status_code == 404
    assert api.get(f"/v1/messages/{stored['id']}").status_code == 404
    assert api.client.delete("/v1/clients/999", headers=api.admin).status_code == 404
    # The same mail arriving again is a new message of a new client: nothing was kept.
    again = api.post_mime(build_mime("You idiots.")).json()["messages"][0]
    assert again["client_id"] != stored["client_id"]


def test_readyz_metrics_and_reload(
    make_api: Callable, build_mime: Callable, fake_classifier: Any
) -> None:
    api = make_api()
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["model"] == "fake-1"

    api.post_mime(build_mime("pointless"))
    api.drain()
    metrics = api.client.get("/metrics").text
    assert 'triage_queue_messages{status="done"} 1.0' in metrics
    assert "triage_flags_total" in metrics
    # per route template and status, never per URL (the registry is per process: no counts)
    assert 'requests_total{method="POST",route="/v1/inbound/{provider}",status="202"}' in metrics
    assert 'requests_total{method="GET",route="/readyz",status="200"}' in metrics
    assert "/v1/inbound/raw" not in metrics
    assert "triage_http_request_duration_seconds_bucket" in metrics

    replacement = fake_classifier(version="fake-2")
    api.app.state.classifier._loader = lambda _version: replacement
    reload = api.client.post("/v1/admin/reload-model", headers=api.admin)
    assert reload.json() == {"release": "fake-2", "previous": "fake-1"}
    queued = api.client.post("/v1/admin/reclassify", headers=api.admin).json()
    assert queued == {"queued": 1, "release": "fake-2"}
    api.drain()
    client_id = api.get("/v1/clients").json()["items"][0]["id"]
    flags = api.get(f"/v1/clients/{client_id}/flags").json()["items"]
    assert [(f["label"], f["release"]) for f in flags] == [("pessimism", "fake-2")]

    def broken(_version: str | None) -> Any:
        raise FileNotFoundError("no such release")

    api.app.state.classifier._loader = broken
    failed = api.client.post("/v1/admin/reload-model", headers=api.admin)
    assert failed.status_code == 409 and "fake-2" in failed.json()["detail"]
    assert api.app.state.classifier.version == "fake-2"  # still serving the old one


def test_openapi_documents_v1_with_examples(api: Any) -> None:
    schema = api.client.get("/openapi.json").json()
    assert {"/v1/clients", "/v1/clients/{client_id}/flags", "/v1/inbound/{provider}"} <= set(
        schema["paths"]
    )
    assert schema["components"]["schemas"]["InboundResponse"]["examples"]


def test_metrics_token_when_set(make_api: Callable, settings: Settings) -> None:
    api = make_api(app_settings=settings.model_copy(update={"metrics_token": SecretStr("s3")}))
    assert api.client.get("/metrics").status_code == 401
    wrong = api.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    scraped = api.client.get("/metrics", headers={"Authorization": "Bearer s3"})
    assert scraped.status_code == 200 and "triage_http_requests_total" in scraped.text
