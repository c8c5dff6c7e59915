"""Scoped catalog lookups on a bare session, for services not yet on the unit of work's repositories
(the calendar and sync-status services). Converted services use ``uow.properties`` instead."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chalicelib.db.models import Property
from chalicelib.db.repositories import properties as property_repository
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import existing


def scoped_property(session: Session, caller: Caller, property_id: int, *, for_update: bool = False) -> Property:
    """The property if the caller's scope includes it; NotFound otherwise."""
    return existing(
        property_repository.scoped_property(session, property_id, caller.scope, for_update=for_update),
        "No such property.",
    )
