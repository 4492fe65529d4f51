"""Client identity from e-mail addresses.

The same client writes as ``Ivan@Example.RU``, ``ivan+orders@example.ru`` and, for
internationalized domains, as either Unicode or punycode; all of them must map to one
client id.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

_ANGLE = re.compile(r"<\s*([^<>@\s]+@[^<>\s]+?)\s*>")
"""An address in angle brackets wins: display names with bare commas confuse ``parseaddr``."""


def normalize_address(addr: str) -> str:
    """Canonical form of an address: lower case, ``+tag`` removed, IDNA (punycode) domain.

    Accepts a bare address or a display form (``"Ivan" <ivan@example.ru>``). Returns ""
    when there is no address at all; a value without ``@`` is returned lower-cased so a
    broken header still yields a stable (if odd) id.
    """
    angle = _ANGLE.search(addr)
    candidate = angle.group(1) if angle else (parseaddr(addr)[1] or addr).strip().strip("<>")
    if "@" not in candidate:
        return candidate.lower()
    local, _, domain = candidate.rpartition("@")
    local = local.split("+", 1)[0] if not local.startswith("+") else local
    return f"{local.lower()}@{_idna(domain.strip().rstrip('.').lower())}"


def _idna(domain: str) -> str:
    """Punycode of each label; labels IDNA refuses (too long, odd symbols) stay as given."""
    labels = []
    for label in domain.split("."):
        try:
            labels.append(label.encode("idna").decode("ascii") if label else label)
        except UnicodeError:
            labels.append(label)
    return ".".join(labels)
