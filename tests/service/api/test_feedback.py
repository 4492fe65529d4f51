"""Feedback routes: a reviewer's correction changes the aggregates at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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
