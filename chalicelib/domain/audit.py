"""An audit-trail entry: who changed what, before and after (stored by ``uow.audit``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditEntry:
    actor_user_id: int | None
    actor_email: str
    action: str
    entity_type: str
    entity_id: str
    country_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    client_ip: str | None
