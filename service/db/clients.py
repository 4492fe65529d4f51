"""Client identity: which client an address belongs to, and the mapping endpoints' operations.

An address maps to a client by, in order: an exact address entry, then a domain entry, then a
new client (one per address, or one per domain when ``client_grouping=domain`` and the domain is
not a public mailbox provider). Mapping changes move the stored messages along, so a client's
history always follows its current addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.config import Settings
from service.db.models import AddressKind, Client, ClientAddress, Message, table
from service.db.session import rowcount
from service.mail.address import normalize_address
from service.risk.policy import RiskLevel

CLIENTS = table(Client)
ADDRESSES = table(ClientAddress)
FIND_OWNERS = select(ADDRESSES.c.kind, ADDRESSES.c.client_id).where(
    ADDRESSES.c.value.in_(bindparam("values", expanding=True))
)


class MappingConflict(Exception):
    """The address/domain already belongs to another client (and moving was not asked for)."""

    def __init__(self, value: str, client_id: int) -> None:
        super().__init__(f"{value} already belongs to client {client_id}")
        self.value = value
        self.client_id = client_id


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def normalize_mapping(kind: AddressKind, value: str) -> str:
    """Addresses as everywhere else (lower case, no +tag, punycode); domains likewise."""
    if kind == AddressKind.ADDRESS:
        return normalize_address(value)
    return domain_of(normalize_address(f"x@{value.strip().lstrip('@')}"))


def find_client_id(connection: Connection, address: str) -> int | None:
    """The client owning ``address`` exactly, else the one owning its domain."""
    rows = connection.execute(FIND_OWNERS, {"values": [address, domain_of(address)]}).all()
    by_kind = {kind: client_id for kind, client_id in rows}
    return by_kind.get(AddressKind.ADDRESS) or by_kind.get(AddressKind.DOMAIN)


def resolve_client(connection: Connection, address: str, settings: Settings) -> int | None:
    """The client id for a counterpart address, creating the client on first contact (Core
    statements: this runs for every stored webhook)."""
    if not address:
        return None
    found = find_client_id(connection, address)
    if found is not None:
        return found
    domain = domain_of(address)
    by_domain = (
        settings.client_grouping == "domain"
        and "@" in address
        and domain not in settings.free_mail_domains
    )
    kind, value = (AddressKind.DOMAIN, domain) if by_domain else (AddressKind.ADDRESS, address)
    try:
        # A savepoint: a concurrent ingest may create the same client first (unique value).
        with connection.begin_nested():
            client_id = connection.execute(
                insert(CLIENTS)
                .values(name=value, risk_level=RiskLevel.GREEN)
                .returning(CLIENTS.c.id)
            ).scalar_one()
            connection.execute(
                insert(ADDRESSES).values(client_id=client_id, kind=kind, value=value)
            )
            return client_id
    except IntegrityError:
        found = find_client_id(connection, address)
        if found is None:  # pragma: no cover - the conflicting row must be visible by now
            raise
        return found


def create_client(session: Session, name: str, mappings: list[tuple[AddressKind, str]]) -> Client:
    """A client created by an operator ahead of mail (mappings must be free)."""
    client = Client(name=name, risk_level=RiskLevel.GREEN)
    session.add(client)
    session.flush()
    for kind, value in mappings:
        add_mapping(session, client.id, kind, value, move=False)
    return client


def add_mapping(
    session: Session, client_id: int, kind: AddressKind, value: str, *, move: bool
) -> tuple[ClientAddress, set[int]]:
    """Give ``client_id`` an address or a domain; returns it and the clients whose messages moved.

    With ``move`` an entry owned by another client is taken over; without, that is a
    :class:`MappingConflict`. Stored messages matching the entry follow it (for a domain: those
    not pinned to another client by an exact address entry).
    """
    value = normalize_mapping(kind, value)
    existing = session.scalar(select(ClientAddress).where(ClientAddress.value == value))
    if existing is not None and existing.client_id != client_id:
        if not move:
            raise MappingConflict(value, existing.client_id)
        existing.client_id = client_id
        entry = existing
    elif existing is not None:
        entry = existing
    else:
        entry = ClientAddress(client_id=client_id, kind=kind, value=value)
        session.add(entry)
    session.flush()
    return entry, _reassign_messages(session, client_id, kind, value)


def _reassign_messages(session: Session, client_id: int, kind: AddressKind, value: str) -> set[int]:
    """Point matching messages at ``client_id``; returns the clients they were taken from."""
    if kind == AddressKind.ADDRESS:
        match = Message.counterpart_address == value
    else:
        pinned = select(ClientAddress.value).where(
            ClientAddress.kind == AddressKind.ADDRESS, ClientAddress.client_id != client_id
        )
        match = Message.counterpart_address.like(f"%@{value}") & Message.counterpart_address.not_in(
            pinned
        )
    condition = match & or_(Message.client_id != client_id, Message.client_id.is_(None))
    donors = set(session.scalars(select(Message.client_id).where(condition).distinct()))
    session.execute(
        update(Message).where(condition).values(client_id=client_id),
        execution_options={"synchronize_session": False},
    )
    return {d for d in donors if d is not None}


def remove_mapping(session: Session, client_id: int, value: str) -> bool:
    """Drop an address/domain from a client (its stored messages stay with the client)."""
    result = session.execute(
        delete(ClientAddress).where(
            ClientAddress.client_id == client_id,
            ClientAddress.value.in_(
                {
                    normalize_mapping(AddressKind.ADDRESS, value),
                    normalize_mapping(AddressKind.DOMAIN, value),
                }
            ),
        )
    )
    return bool(rowcount(result))


def erase_client(session: Session, client_id: int) -> bool:
    """Delete a client and everything stored about it (messages, flags, feedback cascade)."""
    if session.get(Client, client_id) is None:
        return False
    # Explicit deletes: the cascade must not depend on SQLite's foreign_keys pragma alone.
    message_ids = select(Message.id).where(Message.client_id == client_id)
    session.execute(
        update(Message)
        .where(Message.answered_message_id.in_(message_ids))
        .values(answered_message_id=None),
        execution_options={"synchronize_session": False},
    )
    session.execute(delete(Message).where(Message.client_id == client_id))
    session.execute(delete(ClientAddress).where(ClientAddress.client_id == client_id))
    session.execute(delete(Client).where(Client.id == client_id))
    return True


@dataclass
class ClientPage:
    items: list[Client]
    total: int


def list_clients(
    session: Session,
    *,
    risk: list[RiskLevel] | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ClientPage:
    """Clients ranked by risk level, then accumulated signals, then latest contact."""
    query = select(Client)
    if risk:
        query = query.where(Client.risk_level.in_([r.value for r in risk]))
    if search:
        pattern = f"%{search.strip().lower()}%"
        owned = select(ClientAddress.client_id).where(ClientAddress.value.like(pattern))
        query = query.where(or_(func.lower(Client.name).like(pattern), Client.id.in_(owned)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ranked = query.order_by(
        Client.risk_rank.desc(),
        Client.risk_points.desc(),
        Client.last_contact.desc().nulls_last(),
        Client.id,
    )
    return ClientPage(items=list(session.scalars(ranked.limit(limit).offset(offset))), total=total)


def clients_by_id(session: Session, client_ids: list[int]) -> dict[int, Client]:
    if not client_ids:
        return {}
    return {c.id: c for c in session.scalars(select(Client).where(Client.id.in_(client_ids)))}


def level_counts(session: Session) -> dict[str, int]:
    """Clients per stored risk level."""
    counts = {level.value: 0 for level in RiskLevel}
    query = select(Client.risk_level, func.count()).group_by(Client.risk_level)
    counts.update({level: n for level, n in session.execute(query)})
    return counts
