"""One module per ``triage`` subcommand; each exposes ``register(subparsers)``."""
