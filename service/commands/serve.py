"""``triage serve``: the HTTP service and, by default, a classification worker in one process."""

from __future__ import annotations

import argparse

import uvicorn

from service.config import get_settings
from service.db.session import open_database
from service.main import create_app


def configure(parser: argparse.ArgumentParser) -> None:
    settings = get_settings()
    parser.add_argument("--host", default=settings.host, help="bind address (TRIAGE_HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help="port (TRIAGE_PORT)")
    parser.add_argument(
        "--no-worker",
        dest="worker",
        action="store_false",
        default=settings.run_worker,
        help="API only (no model loaded); `triage worker` processes classify (TRIAGE_RUN_WORKER)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Migrate or check before binding: a refusal is a clear message and exit 78, not a stack
    # trace from inside the server's start-up.
    open_database(get_settings()).dispose()
    # One process: the app object is built here (a factory string would lose --no-worker).
    settings = get_settings()
    uvicorn.run(
        create_app(run_worker=args.worker),
        host=args.host,
        port=args.port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    return 0
