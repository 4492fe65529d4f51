"""The application as a whole: the OpenAPI schema of ``/v1``."""

from __future__ import annotations

from typing import Any


def test_openapi_documents_v1_with_examples(api: Any) -> None:
    schema = api.client.get("/openapi.json").json()
    assert {"/v1/clients", "/v1/clients/{client_id}/flags", "/v1/inbound/raw"} <= set(
        schema["paths"]
    )
    assert schema["components"]["schemas"]["InboundResponse"]["examples"]
