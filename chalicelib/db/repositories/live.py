"""Live updates in SQL: tickets (issued, redeemed once) and the open WebSocket connections."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chalicelib.db.models import LiveConnection, LiveTicket, User
from chalicelib.domain.live import LiveTicket as RedeemedTicket
from chalicelib.domain.live import scope_of


def add_ticket(
    session: Session, ticket_hash: str, user_id: int, countries: list[str] | None, expires_at: datetime
) -> None:
    session.add(LiveTicket(ticket_hash=ticket_hash, user_id=user_id, countries=countries, expires_at=expires_at))
    session.flush()


def redeem_ticket(session: Session, ticket_hash: str) -> RedeemedTicket | None:
    """Spend an unexpired, unused ticket of an active user (the database's clock); None otherwise."""
    row = session.execute(
        update(LiveTicket)
        .where(
            LiveTicket.ticket_hash == ticket_hash,
            LiveTicket.used_at.is_(None),
            LiveTicket.expires_at > func.now(),
            LiveTicket.user_id.in_(select(User.id).where(User.is_active.is_(True))),
        )
        .values(used_at=func.now())
        .returning(LiveTicket.user_id, LiveTicket.countries)
    ).first()
    return None if row is None else RedeemedTicket(user_id=row.user_id, scope=scope_of(row.countries))


def purge_tickets(session: Session, before: datetime) -> int:
    """Delete tickets that expired before ``before`` (used or not)."""
    return len(
        session.execute(
            delete(LiveTicket).where(LiveTicket.expires_at < before).returning(LiveTicket.ticket_hash)
        ).all()
    )


def add_connection(session: Session, connection_id: str, user_id: int, countries: list[str] | None) -> None:
    session.execute(
        insert(LiveConnection)
        .values(connection_id=connection_id, user_id=user_id, countries=countries)
        .on_conflict_do_nothing(index_elements=[LiveConnection.connection_id])
    )


def delete_connections(session: Session, connection_ids: Iterable[str]) -> int:
    wanted = list(connection_ids)
    if not wanted:
        return 0
    result = session.execute(
        delete(LiveConnection).where(LiveConnection.connection_id.in_(wanted)).returning(LiveConnection.connection_id)
    )
    return len(result.all())


def purge_connections(session: Session, connected_before: datetime) -> int:
    result = session.execute(
        delete(LiveConnection)
        .where(LiveConnection.connected_at < connected_before)
        .returning(LiveConnection.connection_id)
    )
    return len(result.all())


def hearing_sql(country: str) -> str:
    """SQL selecting the ids of connections of active users whose scope includes the country the SQL
    expression ``country`` gives (NULL, a country-less event: every-country scopes only), ordered.
    A disabled user's open socket hears nothing more."""
    return (
        "SELECT lc.connection_id FROM live_connections AS lc JOIN users AS u ON u.id = lc.user_id"
        f" WHERE u.is_active AND (lc.countries IS NULL OR {country} = ANY(lc.countries)) ORDER BY lc.connection_id"
    )


_HEARING = text(hearing_sql("CAST(:country AS varchar)"))


def connections_hearing(session: Session, country_code: str | None) -> list[str]:
    """Connection ids of active users whose scope includes ``country_code`` (:func:`hearing_sql`)."""
    return list(session.scalars(_HEARING, {"country": country_code}))
