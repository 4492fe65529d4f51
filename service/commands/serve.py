"""``triage serve``: run the HTTP service with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn

from service.config import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    settings = get_settings()
    parser = subparsers.add_parser("serve", help="run the HTTP service (API + worker)")
    parser.add_argument("--host", default=settings.host, help="bind address (TRIAGE_HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help="port (TRIAGE_PORT)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_config=None,
    )
    return 0
