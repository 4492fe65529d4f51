"""Client routes: API keys, ranked listing, address and domain mapping, flag history, erasure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any


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
    assert api.get(url, params={"cursor": "garbage!"}).status_code == 422


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
