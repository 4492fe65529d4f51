"""Storage errors that light callers catch without importing the database driver (the CLI
catches :class:`SchemaMismatch` for every command, ``triage deliver`` included)."""

from __future__ import annotations


class SchemaMismatch(RuntimeError):
    """The database is not at the schema this code needs; the message says what to run."""
