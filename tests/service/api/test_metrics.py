"""The metrics route and its bearer token."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import SecretStr

from service.config import Settings


def test_metrics_token_when_set(make_api: Callable, settings: Settings) -> None:
    api = make_api(app_settings=settings.model_copy(update={"metrics_token": SecretStr("s3")}))
    assert api.client.get("/metrics").status_code == 401
    wrong = api.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    scraped = api.client.get("/metrics", headers={"Authorization": "Bearer s3"})
    assert scraped.status_code == 200 and "triage_http_requests_total" in scraped.text
