"""The messages router: ``GET /v1/messages/{id}`` shows a stored message as it was cleaned."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_a_message_shows_its_html_part(api: Any, build_mime: Callable) -> None:
    """The HTML alternative is stored as sent and returned; a plain-text mail has none."""
    page = "<div dir='ltr'>Где <b>счёт</b>?</div>"
    stored = api.post_mime(build_mime("Где счёт?", html=page)).json()["messages"][0]
    shown = api.get(f"/v1/messages/{stored['id']}").json()
    assert (shown["text"], shown["html"].strip()) == ("Где счёт?", page)

    plain = api.post_mime(build_mime("Plain only.")).json()["messages"][0]
    assert api.get(f"/v1/messages/{plain['id']}").json()["html"] is None


def test_an_unknown_message_is_404(api: Any) -> None:
    response = api.get("/v1/messages/987654")
    assert response.status_code == 404 and "987654" in response.json()["detail"]
