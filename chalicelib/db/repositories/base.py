"""What every repository class of the unit of work shares: the session it reads and writes through."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SessionRepository:
    """A repository over one unit of work's session (``uow.<name>``): it flushes, never commits."""

    def __init__(self, session: Session) -> None:
        self._session = session
