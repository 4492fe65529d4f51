"""Mail parsing and cleaning: raw RFC 5322 / provider fields -> :class:`NormalizedMessage`."""
