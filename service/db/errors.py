"""Storage errors callers act on, importable without SQLAlchemy (the CLI catches them, and
``triage deliver`` must stay light)."""

from __future__ import annotations


class SchemaMismatch(RuntimeError):
    """The database is not at the schema this code needs; the message says what to run."""
