"""Webhook routes end to end on every backend: ingest -> worker -> client history, auth, size,
redeliveries, outages and one-time tokens."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

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
