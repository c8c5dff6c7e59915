"""A new booking group and everything that names its id, written in one statement.

The booking writer creates a group under the room types' advisory locks, so every round trip
there lengthens the wait of the next booking of the same room type. One statement of
data-modifying CTEs inserts the group, its lines, their nights, its timeline events, its audit
row and its live outbox row, each table once, the group and line ids flowing from ``RETURNING``
into the rows that reference them; it also moves the calendar counters (one UPDATE over every
changed cell) and appends their ARI outbox rows. The rows travel as JSON documents read with
``jsonb_populate_record(set)`` against the table's own row type, so every column is typed by the
table and the SQL text never changes (one parse in pg8000's placeholder cache, one plan shape).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from chalicelib.db import lean
from chalicelib.domain.live import LIVE_TOPIC

EVENT_COLUMNS = (
    "kind",
    "from_status",
    "to_status",
    "before",
    "after",
    "reason",
    "source",
    "actor_user_id",
    "actor_label",
    "ota_revision",
    "occurred_at",
)
AUDIT_COLUMNS = (
    "actor_user_id",
    "actor_email",
    "action",
    "entity_type",
    "country_code",
    "before",
    "after",
    "request_id",
    "client_ip",
)
NIGHT_COLUMNS = ("night", "room_type_id", "rooms", "effect", "amount")
COUNTER_COLUMNS = ("room_type_id", "night", "sold", "held", "blocked", "version")
ARI_COLUMNS = ("property_id", "room_type_id", "rate_plan_id", "night", "version", "payload")


@dataclass(frozen=True)
class InsertedGroup:
    """The ids the statement gave: the group's, its lines' (in the order given), its events', the live
    row's, the ARI outbox rows' (the relay after the commit claims them by id)."""

    group_id: int
    line_ids: tuple[int, ...]
    event_ids: tuple[int, ...]
    live_message_id: int
    ari_ids: tuple[int, ...] = ()


def _columns(names: Sequence[str], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{name}" for name in names)


def insert_group_statement(group_columns: Sequence[str], line_columns: Sequence[str]) -> str:
    """The SQL of :func:`insert_group` for these group and line columns (each table's own names)."""
    group_all = (*group_columns, "created_at", "updated_at")
    line_all = (*line_columns, "created_at", "updated_at")
    return f"""
WITH g AS (
  INSERT INTO booking_groups ({_columns(group_all)})
  SELECT {_columns(group_all, "r.")} FROM jsonb_populate_record(NULL::booking_groups, CAST(:group AS jsonb)) AS r
  RETURNING id
), l AS (
  INSERT INTO booking_lines (group_id, {_columns(line_all)})
  SELECT g.id, {_columns(line_all, "r.")}
  FROM g CROSS JOIN jsonb_populate_recordset(NULL::booking_lines, CAST(:lines AS jsonb)) AS r
  RETURNING id, position
), n AS (
  INSERT INTO booking_nights (line_id, {_columns(NIGHT_COLUMNS)})
  SELECT l.id, {_columns(NIGHT_COLUMNS, "r.")}
  FROM jsonb_array_elements(CAST(:nights AS jsonb)) AS x
  CROSS JOIN LATERAL jsonb_populate_record(NULL::booking_nights, x) AS r
  JOIN l ON l.position = CAST(x ->> 'position' AS smallint)
), e AS (
  INSERT INTO booking_events (group_id, {_columns(EVENT_COLUMNS)})
  SELECT g.id, {_columns(EVENT_COLUMNS, "r.")}
  FROM g CROSS JOIN jsonb_populate_recordset(NULL::booking_events, CAST(:events AS jsonb)) WITH ORDINALITY AS r
  ORDER BY r.ordinality
  RETURNING id
), a AS (
  INSERT INTO audit_log (entity_id, {_columns(AUDIT_COLUMNS)})
  SELECT CAST(g.id AS text), {_columns(AUDIT_COLUMNS, "r.")}
  FROM g CROSS JOIN jsonb_populate_record(NULL::audit_log, CAST(:audit AS jsonb)) AS r
), c AS (
  UPDATE inventory_days AS d
  SET sold = v.sold, held = v.held, blocked = v.blocked, version = v.version, updated_at = now()
  FROM jsonb_populate_recordset(NULL::inventory_days, CAST(:counters AS jsonb)) AS v
  WHERE d.room_type_id = v.room_type_id AND d.night = v.night
), r AS (
  INSERT INTO ari_changes ({_columns(ARI_COLUMNS)})
  SELECT {_columns(ARI_COLUMNS, "v.")} FROM jsonb_populate_recordset(NULL::ari_changes, CAST(:ari AS jsonb)) AS v
  RETURNING id
), o AS (
  INSERT INTO outbox_messages (topic, payload)
  SELECT :topic, jsonb_set(CAST(:live AS jsonb), '{{id}}', to_jsonb(g.id)) FROM g
  RETURNING id
)
SELECT g.id AS group_id,
       ARRAY(SELECT l.id FROM l ORDER BY l.position) AS line_ids,
       ARRAY(SELECT e.id FROM e ORDER BY e.id) AS event_ids,
       (SELECT o.id FROM o) AS live_id,
       ARRAY(SELECT r.id FROM r ORDER BY r.id) AS ari_ids
FROM g
"""


_statements: dict[tuple[tuple[str, ...], tuple[str, ...]], TextClause] = {}


def insert_group(
    session: Session,
    group: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    nights: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    audit: Mapping[str, Any],
    live: Mapping[str, Any],
    counters: Sequence[Mapping[str, Any]],
    ari: Sequence[Mapping[str, Any]],
    *,
    commit: bool = False,
) -> InsertedGroup:
    """Insert a group with its lines, nights (each naming its line's ``position``), events, audit row
    (``entity_id``: the group's id) and live ``booking.created`` row (``id``: the group's id); in the
    same statement, write the calendar ``counters`` (:data:`COUNTER_COLUMNS` of existing cells) and
    append the ``ari`` outbox rows (:data:`ARI_COLUMNS`).

    ``group`` and each line map column names to values (``created_at`` / ``updated_at`` included,
    no id); lines carry their ``position``.

    ``commit``: this is the transaction's last statement; its COMMIT goes in the same exchange
    (``lean.fetch_all``): the group is committed when this returns.
    """
    key = (tuple(group), tuple(lines[0]) if lines else ())
    statement = _statements.get(key)
    if statement is None:
        line_columns = tuple(name for name in key[1] if name not in {"created_at", "updated_at"})
        group_columns = tuple(name for name in key[0] if name not in {"created_at", "updated_at"})
        statement = _statements[key] = text(insert_group_statement(group_columns, line_columns))
    (row,) = lean.fetch_all(
        session,
        statement,
        {
            "group": _json(group),
            "lines": _json(lines),
            "nights": _json(nights),
            "events": _json(events),
            "audit": _json(audit),
            "topic": LIVE_TOPIC,
            "live": _json(live),
            "counters": _json(counters),
            "ari": _json(ari),
        },
        commit=commit,
    )
    return InsertedGroup(row[0], tuple(row[1]), tuple(row[2]), row[3], tuple(row[4]))


def _json(value: Any) -> str:
    return json.dumps(value, default=_encode, separators=(",", ":"))


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")
